using NUnit.Framework;
using DepthPlugins.Core.Imaging;
using DepthPlugins.Core.Processing;
using DepthPlugins.Core.Refinement;

namespace DepthPlugins.Core.Tests;

/// <summary>The fast CPU filters against the float64 references in <see cref="Reference"/>, on random inputs of odd sizes.
/// Tolerances: JBF and JBU 1e-4 (float accumulation and the vectorised exp); guided 2e-3 (float box sums of second moments);
/// guided upsampling 1e-4: its window sums are double, and what is float (the area-averaged guide, a and b, their means,
/// the bilinear pass's intermediates, q) carries relative rounding of 6e-8 on values of order 1 here, so about 1e-6 at
/// most (observed ≤ 5e-7), while a 0.05-pixel shift of the bilinear grid already moves results by ≥ 4e-4.</summary>
public class RefinementFilterTests
{
    static readonly Parallelism Par = new(0);

    static IEnumerable<TestCaseData> Sizes()
    {
        int seed = 1;
        foreach (var (w, h) in new[] { (1, 1), (7, 5), (5, 7), (16, 3), (31, 17), (257, 129) })
            yield return new TestCaseData(w, h, seed++).SetName($"{{m}}({w}x{h})");
    }

    [TestCaseSource(nameof(Sizes))]
    public void JointBilateralMatchesReference(int w, int h, int seed)
    {
        var (guide, depth) = TestData.Scene(w, h, seed);
        var p = new JointBilateralParams(Radius: 3, SigmaSpatial: 2f, SigmaRange: 0.1f);
        var fast = JointBilateralFilter.Apply(guide, depth, p, new DepthValidity(true), Progress.None, Par);
        var slow = Reference.JointBilateral(TestData.ToArrays(guide), TestData.ToArray(depth), 3, 2, 0.1, true);
        Assert.That(TestData.MaxDiff(fast, slow), Is.LessThan(1e-4));
    }

    [TestCaseSource(nameof(Sizes))]
    public void JointBilateralWithZeroValid(int w, int h, int seed)
    {
        var (guide, depth) = TestData.Scene(w, h, seed, holes: 0.2);
        var p = new JointBilateralParams(2, 1.5f, 0.2f);
        var fast = JointBilateralFilter.Apply(guide, depth, p, new DepthValidity(false), Progress.None, Par);
        var slow = Reference.JointBilateral(TestData.ToArrays(guide), TestData.ToArray(depth), 2, 1.5, 0.2, false);
        Assert.That(TestData.MaxDiff(fast, slow), Is.LessThan(1e-4));
    }

    [TestCaseSource(nameof(Sizes))]
    public void GuidedColourMatchesReference(int w, int h, int seed)
    {
        var (guide, depth) = TestData.Scene(w, h, seed);
        var fast = GuidedFilter.Apply(guide, depth, new GuidedParams(4, 1e-3f), new DepthValidity(true), Progress.None, Par);
        var slow = Reference.Guided(TestData.ToArrays(guide), TestData.ToArray(depth), 4, 1e-3, true);
        Assert.That(TestData.MaxDiff(fast, slow), Is.LessThan(2e-3));
    }

    [TestCaseSource(nameof(Sizes))]
    public void GuidedGreyMatchesReference(int w, int h, int seed)
    {
        var (guide, depth) = TestData.Scene(w, h, seed, holes: 0);
        var grey = new Image([guide.Luma()]);
        var fast = GuidedFilter.Apply(grey, depth, new GuidedParams(3, 1e-2f), new DepthValidity(true), Progress.None, Par);
        var slow = Reference.Guided(TestData.ToArrays(grey), TestData.ToArray(depth), 3, 1e-2, true);
        Assert.That(TestData.MaxDiff(fast, slow), Is.LessThan(2e-3));
    }

    static IEnumerable<TestCaseData> Upsampling()
    {
        int seed = 100;
        foreach (var (W, H, w, h) in new[] { (1, 1, 1, 1), (7, 5, 2, 2), (8, 8, 1, 1), (31, 17, 8, 5), (257, 129, 33, 17), (100, 60, 25, 15) })
            yield return new TestCaseData(W, H, w, h, seed++).SetName($"{{m}}({W}x{H} from {w}x{h})");
    }

    [TestCaseSource(nameof(Upsampling))]
    public void JbuMatchesReference(int W, int H, int w, int h, int seed)
    {
        var (guide, _) = TestData.Scene(W, H, seed);
        var (_, low) = TestData.Scene(w, h, seed + 1);
        var p = new JbuParams(2, 1f, 0.15f);
        var fast = JointBilateralUpsampling.Apply(guide, low, p, new DepthValidity(true), Progress.None, Par);
        var g = TestData.ToArrays(guide);
        var slow = Reference.Jbu(g, g.Select(c => Reference.AreaMean(c, w, h)).ToArray(), TestData.ToArray(low), 2, 1, 0.15, true);
        Assert.That(TestData.MaxDiff(fast, slow), Is.LessThan(1e-4));
    }

    /// <summary>Guide W×H, depth w×h, radius R in full-resolution pixels and the low-resolution radius it becomes
    /// (max(1, round-half-even(R / max(W/w, H/h))), noted to show which cases reach past the low-res grid's borders).</summary>
    static IEnumerable<TestCaseData> GuidedUpsampling()
    {
        int seed = 200;
        foreach (var (W, H, w, h, R) in new[]
                 {
                     (1, 1, 1, 1, 2),       // degenerate: same size, the plain guided filter
                     (8, 8, 1, 1, 4),       // a single low-res pixel
                     (7, 5, 3, 2, 4),       // s = 2.5, r = 2: windows wider than the 3×2 grid
                     (31, 17, 31, 5, 6),    // only the height is upsampled (s = 3.4, r = 2)
                     (64, 48, 16, 12, 10),  // s = 4, R/s = 2.5: the tie rounds to r = 2
                     (257, 129, 65, 33, 4), // ×~4, r = 1
                     (257, 129, 65, 33, 16),// r = 4
                     (100, 61, 37, 23, 8),  // non-integer scale 2.70 × 2.65, r = 3
                     (100, 61, 37, 23, 30), // r = 11: most windows clipped
                 })
            yield return new TestCaseData(W, H, w, h, R, seed++).SetName($"{{m}}({W}x{H} from {w}x{h}, R {R})");
    }

    [TestCaseSource(nameof(GuidedUpsampling))]
    public void GuidedUpsamplingColourMatchesReference(int W, int H, int w, int h, int R, int seed)
    {
        var (guide, _) = TestData.Scene(W, H, seed);
        var (_, low) = TestData.Scene(w, h, seed + 1, holes: 0.15);
        var fast = GuidedFilter.Apply(guide, low, new GuidedParams(R, 1e-3f), new DepthValidity(true), Progress.None, Par);
        var slow = Reference.GuidedUpsampled(TestData.ToArrays(guide), TestData.ToArray(low), R, 1e-3, true);
        double d = TestData.MaxDiff(fast, slow);
        TestContext.Out.WriteLine($"max diff {d:E3}");
        Assert.That(d, Is.LessThan(1e-4));
    }

    [TestCaseSource(nameof(GuidedUpsampling))]
    public void GuidedUpsamplingGreyMatchesReference(int W, int H, int w, int h, int R, int seed)
    {
        var (guide, _) = TestData.Scene(W, H, seed);
        var (_, low) = TestData.Scene(w, h, seed + 1, holes: 0.15);
        var grey = new Image([guide.Luma()]);
        var fast = GuidedFilter.Apply(grey, low, new GuidedParams(R, 1e-4f), new DepthValidity(false), Progress.None, Par);
        var slow = Reference.GuidedUpsampled(TestData.ToArrays(grey), TestData.ToArray(low), R, 1e-4, false);
        double d = TestData.MaxDiff(fast, slow);
        TestContext.Out.WriteLine($"max diff {d:E3}");
        Assert.That(d, Is.LessThan(1e-4));
    }

    [TestCase(true)]
    [TestCase(false)] // zero is a valid depth: the unknown region must be NaN, not 0 (it was 0 before the fix)
    public void GuidedUpsamplingUnknownRegionMatchesReference(bool zeroInvalid)
    {
        // A 12×10 block of unknown depth: with r = 1 (R 4 at s 2.7) the low-res coefficients are unknown more than 2 pixels
        // inside it, and the full-resolution pixels whose bilinear taps all fall there must come out unknown (0 when zero
        // means unknown, NaN otherwise), as DepthRefiner promises; the rest must match the reference.
        int W = 100, H = 61, w = 37, h = 23;
        var (guide, _) = TestData.Scene(W, H, 300);
        var (_, low) = TestData.Scene(w, h, 301, holes: 0.15);
        for (int y = 6; y < 16; y++) for (int x = 10; x < 22; x++) low[x, y] = float.NaN;
        var o = new RefineOptions { Method = RefineMethod.Guided, Radius = 4, Eps = 1e-3f, ZeroIsInvalid = zeroInvalid };
        var fast = DepthRefiner.Refine(new CpuRefineKernels(Par), guide, low, o, Progress.None);
        var slow = Reference.GuidedUpsampled(TestData.ToArrays(guide), TestData.ToArray(low), 4, 1e-3, zeroInvalid);
        int unknown = 0;
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                if (double.IsNaN(slow[y, x])) { unknown++; slow[y, x] = zeroInvalid ? 0 : double.NaN; }
        Assert.That(unknown, Is.InRange(100, W * H / 4), "the block leaves some, not most, output unknown");
        double d = TestData.MaxDiff(fast, slow);
        TestContext.Out.WriteLine($"{unknown} unknown, max diff {d:E3}");
        Assert.That(d, Is.LessThan(1e-4));
    }

    [Test]
    public void GuidedUpsamplingReproducesAPlaneFromAnyScale()
    {
        // A depth that is an exact linear function of the guide is reproduced exactly by the guided filter (a = slope),
        // also when the coefficients come from a 4× smaller grid.
        int W = 64, H = 48;
        var rng = new Random(3);
        var g = new Plane(W, H);
        for (int i = 0; i < g.Data.Length; i++) g.Data[i] = rng.NextSingle();
        var guide = new Image([g]);
        var lowG = Resampler.AreaAverage(g, 16, 12);
        var low = new Plane(16, 12);
        for (int i = 0; i < low.Data.Length; i++) low.Data[i] = 0.2f + 0.5f * lowG.Data[i];
        var q = GuidedFilter.Apply(guide, low, new GuidedParams(8, 1e-6f), new DepthValidity(true), Progress.None, Par);
        for (int i = 0; i < q.Data.Length; i++) Assert.That(q.Data[i], Is.EqualTo(0.2f + 0.5f * g.Data[i]).Within(2e-3f));
    }

    [Test]
    public void HolesAreFilledNotPulledToZero()
    {
        var guide = new Image([Plane.Filled(9, 9, 0.5f), Plane.Filled(9, 9, 0.5f), Plane.Filled(9, 9, 0.5f)]);
        var depth = Plane.Filled(9, 9, 0.7f);
        for (int y = 3; y < 6; y++) for (int x = 3; x < 6; x++) depth[x, y] = 0f;
        depth[0, 0] = float.NaN;
        // FDKN does not fill holes (they stay unknown) and needs weights: FdknRefinerTests cover it.
        foreach (var m in Enum.GetValues<RefineMethod>().Where(m => m != RefineMethod.Fdkn))
        {
            var o = DepthRefiner.Refine(new CpuRefineKernels(Par), guide, depth, new RefineOptions { Method = m, Radius = 3 }, Progress.None);
            foreach (var v in o.Data) Assert.That(v, Is.EqualTo(0.7f).Within(1e-4f), m.ToString());
        }
    }

    [Test]
    public void DepthWithNoKnownNeighbourStaysUnknown()
    {
        var (guide, _) = TestData.Scene(20, 20, 9);
        var depth = Plane.Filled(20, 20, 0f);
        depth[0, 0] = 0.5f;
        var o = DepthRefiner.Refine(new CpuRefineKernels(Par), guide, depth, new RefineOptions { Method = RefineMethod.JointBilateral, Radius = 2 }, Progress.None);
        Assert.That(o[19, 19], Is.EqualTo(0f), "far from the only known pixel: unknown, written as 0");
        Assert.That(o[1, 1], Is.EqualTo(0.5f).Within(1e-6f));
    }

    [Test]
    public void CancelStopsWithCancelledStatus()
    {
        var (guide, depth) = TestData.Scene(300, 300, 4);
        int calls = 0;
        var progress = new Progress(f => ++calls < 3);
        var ex = Assert.Throws<DpException>(() => DepthRefiner.Refine(new CpuRefineKernels(Par), guide, depth, new RefineOptions(), progress));
        Assert.That(ex!.Status, Is.EqualTo(DpStatus.Cancelled));
        Assert.That(calls, Is.EqualTo(3));
    }

    [Test]
    public void ProgressIsMonotonicAndReachesOne()
    {
        var (guide, depth) = TestData.Scene(200, 150, 5);
        // FDKN needs weights; FdknTests.ProgressIsReportedAndCancelStops covers its progress.
        foreach (var m in Enum.GetValues<RefineMethod>().Where(m => m != RefineMethod.Fdkn))
        {
            var seen = new List<float>();
            DepthRefiner.Refine(new CpuRefineKernels(Par), guide, depth, new RefineOptions { Method = m }, new Progress(f => { seen.Add(f); return true; }));
            Assert.That(seen, Is.Ordered, m.ToString());
            Assert.That(seen[^1], Is.EqualTo(1f));
        }
    }
}

using NUnit.Framework;
using DepthPlugins.Core.Imaging;
using DepthPlugins.Core.Processing;
using DepthPlugins.Core.Refinement;

namespace DepthPlugins.Core.Tests;

/// <summary>The fast CPU filters against the float64 references in <see cref="Reference"/>, on random inputs of odd sizes.
/// Tolerances: JBF and JBU 1e-4 (float accumulation and the vectorised exp); guided 2e-3 (float box sums of second moments).</summary>
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
        var slow = Reference.Jbu(g, g.Select(c => AreaMean(c, w, h)).ToArray(), TestData.ToArray(low), 2, 1, 0.15, true);
        Assert.That(TestData.MaxDiff(fast, slow), Is.LessThan(1e-4));
    }

    /// <summary>Mean of the guide over each low-res pixel's footprint [i·W/w, (i+1)·W/w) × [j·H/h, (j+1)·H/h), by fractional overlap.</summary>
    static double[,] AreaMean(double[,] g, int w, int h)
    {
        int H = g.GetLength(0), W = g.GetLength(1);
        var o = new double[h, w];
        for (int j = 0; j < h; j++)
            for (int i = 0; i < w; i++)
            {
                double x0 = (double)i * W / w, x1 = (double)(i + 1) * W / w, y0 = (double)j * H / h, y1 = (double)(j + 1) * H / h;
                double sum = 0, area = 0;
                for (int y = 0; y < H; y++)
                    for (int x = 0; x < W; x++)
                    {
                        double ox = Math.Min(x1, x + 1) - Math.Max(x0, x), oy = Math.Min(y1, y + 1) - Math.Max(y0, y);
                        if (ox <= 0 || oy <= 0) continue;
                        sum += ox * oy * g[y, x];
                        area += ox * oy;
                    }
                o[j, i] = sum / area;
            }
        return o;
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

using NUnit.Framework;
using DepthPlugins.Core.Evaluation;
using DepthPlugins.Core.Imaging;
using DepthPlugins.Core.Processing;
using DepthPlugins.Core.Refinement;

namespace DepthPlugins.Core.Tests;

/// <summary>Cascade upsampling against <see cref="Reference.Cascade"/> (float64, obvious loops) and on a scene where
/// the right answer is known. Tolerance 2e-4: float planes through five filter stages and four resampling round trips.</summary>
public class CascadeTests
{
    static readonly Parallelism Par = new(0);

    static IEnumerable<TestCaseData> Cases()
    {
        int seed = 11;
        foreach (var (W, H, w, h) in new[] { (24, 16, 6, 4), (37, 23, 10, 6), (40, 40, 5, 5), (17, 13, 17, 13), (9, 30, 3, 10), (64, 48, 8, 6) })
            yield return new TestCaseData(W, H, w, h, seed++).SetName($"{{m}}({W}x{H} from {w}x{h})");
    }

    [TestCaseSource(nameof(Cases))]
    public void MatchesReference(int W, int H, int w, int h, int seed)
    {
        var (guide, full) = TestData.Scene(W, H, seed, holes: 0);
        var (_, lowSeed) = TestData.Scene(w, h, seed + 100, holes: 0.1);
        // Low-res depth: the scene's depth shrunk (so edges line up with the guide), plus the holes of another draw and noise.
        var low = Resampler.Resize(full, w, h, ResampleFilter.Bicubic);
        var rng = new Random(seed);
        for (int i = 0; i < low.Data.Length; i++)
            low.Data[i] = float.IsFinite(lowSeed.Data[i]) && lowSeed.Data[i] != 0 ? low.Data[i] + 0.01f * (rng.NextSingle() - 0.5f) : lowSeed.Data[i];
        int start = CascadeUpsampling.AutoStartRadius(W, H, w, h);
        var fast = CascadeUpsampling.Apply(guide, low, new CascadeParams(0, 0.08f), new DepthValidity(true), Progress.None, Par);
        var slow = Reference.Cascade(TestData.ToArrays(guide), TestData.ToArray(low), start, 0.08, true);
        Assert.That(TestData.MaxDiff(fast, slow), Is.LessThan(2e-4));
    }

    [Test]
    public void StartRadiusFollowsTheScale()
    {
        Assert.That(CascadeUpsampling.AutoStartRadius(1376, 1088, 172, 136), Is.EqualTo(16));
        Assert.That(CascadeUpsampling.AutoStartRadius(100, 100, 100, 100), Is.EqualTo(2));
        Assert.That(CascadeUpsampling.AutoStartRadius(90, 60, 30, 20), Is.EqualTo(8));
        Assert.That(CascadeUpsampling.Radii(16), Is.EqualTo(new[] { 16, 8, 4, 2, 1 }));
    }

    [Test]
    public void NoiseSigmaOfKnownSamples()
    {
        // Blocks (1,3,2,2) → |1−3−2+2|/2 = 1; (5,5,5,5) → 0; (0 unknown) skipped; sorted [0, 1], element 1 → 1/0.6745.
        float[] d = [1, 3, 5, 5, 0, 9,
                     2, 2, 5, 5, 4, 4];
        float[] m = d.Select(v => v == 0 ? 0f : 1f).ToArray();
        Assert.That(CascadeUpsampling.NoiseSigma(d, m, 6, 2), Is.EqualTo(1 / 0.6745).Within(1e-6));
    }

    [Test]
    public void RecoversAColourAlignedStepFarBetterThanBicubic()
    {
        // Left half near (depth 0.8, dark), right half far (0.2, light), edge at x = 30 in a 64×48 image, ×8.
        int W = 64, H = 48, s = 8;
        var truth = new Plane(W, H);
        var grey = new Plane(W, H);
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
            {
                truth[x, y] = x < 30 ? 0.8f : 0.2f;
                grey[x, y] = x < 30 ? 0.2f : 0.7f;
            }
        var guide = new Image([grey, grey.Clone(), grey.Clone()]);
        var low = CleanDegradation.Downsample(truth, s, new DepthValidity(true));
        var bicubic = Resampler.Resize(low, W, H, ResampleFilter.Bicubic);
        var cascade = CascadeUpsampling.Apply(guide, low, new CascadeParams(0, 0.05f), new DepthValidity(true), Progress.None, Par);
        var region = EvalRegion.For(truth, s);
        double eb = DepthMetrics.Rmse(bicubic, truth, region), ec = DepthMetrics.Rmse(cascade, truth, region);
        Assert.That(ec, Is.LessThan(0.25 * eb), $"bicubic {eb:0.00}, cascade {ec:0.00}");
    }

    [Test]
    public void HolesAreFilledFromKnownSamples()
    {
        var low = Plane.Filled(8, 6, 0.5f);
        for (int y = 2; y < 4; y++) for (int x = 2; x < 5; x++) low[x, y] = 0;
        var guide = new Image([Plane.Filled(32, 24, 0.3f)]);
        var o = CascadeUpsampling.Apply(guide, low, new CascadeParams(0, 0.05f), new DepthValidity(true), Progress.None, Par);
        Assert.That(o.Data.All(v => Math.Abs(v - 0.5f) < 1e-4f), Is.True);
    }

    [Test]
    public void RefinerRunsCascadeThroughTheOptions()
    {
        var (guide, depth) = TestData.Scene(40, 30, 3);
        var small = Resampler.Resize(depth, 10, 8, ResampleFilter.Bilinear, new DepthValidity(true).IsValid);
        var o = DepthRefiner.Refine(new CpuRefineKernels(Par), guide, small, new RefineOptions { Method = RefineMethod.Cascade }, Progress.None);
        Assert.That((o.Width, o.Height), Is.EqualTo((40, 30)));
        Assert.That(o.Data.All(float.IsFinite), Is.True);
        Assert.That(new RefineOptions { Method = RefineMethod.Cascade }.Resolve().SigmaRange, Is.EqualTo(RefineOptions.Defaults.CascadeSigmaRange));
    }
}

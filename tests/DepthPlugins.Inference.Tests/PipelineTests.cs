using DepthPlugins.Core;
using DepthPlugins.Core.Imaging;
using DepthPlugins.Core.Processing;
using DepthPlugins.Core.Refinement;
using DepthPlugins.Fixtures;
using NUnit.Framework;

namespace DepthPlugins.Inference.Tests;

/// <summary>
/// The whole photo → depth pipeline on linear fixture models, against float64 expectations computed here. Photos whose
/// size needs no resampling give exact checks of orientation, letterbox cropping, normalisation and the near convention.
/// </summary>
public class PipelineTests
{
    static readonly float[] W = [0.3f, -0.8f, 1.7f];
    const float B = 0.25f;
    const double Tol = 2e-5; // float32 network arithmetic against float64

    TempDir _dir = null!;
    readonly CpuRefineKernels _kernels = new(Parallelism.Default);

    [OneTimeSetUp] public void Setup() => _dir = new TempDir();
    [OneTimeTearDown] public void TearDown() => _dir.Dispose();

    static DepthOptions Exact(float lo = 0f, float hi = 1f, bool nearWhite = true, int size = 0) =>
        new() { Refine = DepthRefine.None, ClipLow = lo, ClipHigh = hi, NearIsWhite = nearWhite, InputSize = size };

    Plane Run(string model, Image photo, DepthOptions o)
    {
        using var m = DepthModel.Load(model, new SessionSettings(ExecutionProvider.Cpu, 0, 1));
        return DepthEstimator.Estimate(m, photo, o, _kernels, Progress.None);
    }

    [TestCase(0f, 1f, true)]
    [TestCase(0.01f, 0.99f, true)]
    [TestCase(0.05f, 0.9f, false)]
    public void FixedModel_PhotoOfInputSize_IsTheLinearFunctionNormalised(float lo, float hi, bool nearWhite)
    {
        var model = _dir.Write("fixed256.onnx", FixtureModels.LinearFixed(256, 256, W, B));
        var photo = Photos.Random(256, 256, seed: 1);
        var got = Run(model, photo, Exact(lo, hi, nearWhite));
        var raw = Oracle.LinearModel(Photos.Channels(photo), W, B, ModelSpec.ImageNetMean, ModelSpec.ImageNetStd);
        Oracle.AssertClose(Oracle.Normalise(raw, lo, hi, nearWhite), got, Tol, "fixed 256");
    }

    [Test]
    public void FixedModel_Rank4Output_GivesTheSameMap()
    {
        var model = _dir.Write("fixed256r4.onnx", FixtureModels.LinearFixed(256, 256, W, B, outputRank: 4));
        var photo = Photos.Random(256, 256, seed: 2);
        var got = Run(model, photo, Exact());
        var raw = Oracle.LinearModel(Photos.Channels(photo), W, B, ModelSpec.ImageNetMean, ModelSpec.ImageNetStd);
        Oracle.AssertClose(Oracle.Normalise(raw, 0, 1, true), got, Tol, "fixed 256 rank 4");
    }

    /// <summary>A 256×128 photo letterboxed into 256×256 sits at scale 1 in rows 64..191. The bias is far below every
    /// content value, so padding that leaked into the crop or the quantiles would change every pixel.</summary>
    [TestCase(256, 128)]
    [TestCase(128, 256)]
    [TestCase(256, 64)]
    public void Letterbox_CropsThePaddingExactly(int w, int h)
    {
        var dir = Path.Combine(_dir.Path, $"lb{w}x{h}");
        Directory.CreateDirectory(dir);
        var model = Path.Combine(dir, "m.onnx");
        File.WriteAllBytes(model, FixtureModels.LinearFixed(256, 256, W, -40f));
        File.WriteAllText(Path.Combine(dir, "m.json"), """{ "resize": "letterbox" }""");
        var photo = Photos.Random(w, h, seed: 3);
        var got = Run(model, photo, Exact(0.02f, 0.97f));
        var raw = Oracle.LinearModel(Photos.Channels(photo), W, -40f, ModelSpec.ImageNetMean, ModelSpec.ImageNetStd);
        Oracle.AssertClose(Oracle.Normalise(raw, 0.02, 0.97, true), got, Tol, "letterbox");
    }

    /// <summary>Dynamic models: the short side goes to the target (518 by default) and sides round to multiples of 14;
    /// these photos already have that size, so the network sees them unresampled.</summary>
    [TestCase(700, 518, 0, 4)]
    [TestCase(518, 700, 0, 3)]
    [TestCase(140, 84, 84, 4)]
    [TestCase(84, 140, 84, 3)]
    public void DynamicModel_PhotoAtTargetSize_IsExact(int w, int h, int size, int outputRank)
    {
        var model = _dir.Write($"dyn{outputRank}.onnx", FixtureModels.LinearDynamic(W, B, outputRank));
        var photo = Photos.Random(w, h, seed: 4);
        var got = Run(model, photo, Exact(0.01f, 0.99f, size: size));
        var raw = Oracle.LinearModel(Photos.Channels(photo), W, B, ModelSpec.ImageNetMean, ModelSpec.ImageNetStd);
        Oracle.AssertClose(Oracle.Normalise(raw, 0.01, 0.99, true), got, Tol, "dynamic");
    }

    [Test]
    public void DynamicModel_InputSize_IsRoundedToMultiplesOf14()
    {
        var model = _dir.Write("dyn-size.onnx", FixtureModels.LinearDynamic(W, B));
        using var m = DepthModel.Load(model, default);
        Assert.That(m.Spec.Layout(300, 200, 0), Is.EqualTo(new InputLayout(784, 518, 0, 0, 784, 518))); // 777 → 784
        Assert.That(m.Spec.Layout(200, 300, 100), Is.EqualTo(new InputLayout(98, 154, 0, 0, 98, 154)));  // 100 → 98, 150 → 154
    }

    /// <summary>
    /// A photo that must be resampled both ways: a ramp along one axis. Resampling reproduces linear functions away
    /// from the borders, so the depth must stay constant across the other axis and affine (zero second difference)
    /// along the ramp, increasing in the ramp's direction: a transposed or flipped map, or a wrong aspect, breaks it.
    /// </summary>
    [TestCase("fixed", true)]
    [TestCase("fixed", false)]
    [TestCase("dynamic", true)]
    [TestCase("dynamic", false)]
    public void ResampledRamp_StaysAnAffineRampInTheRightDirection(string kind, bool horizontal)
    {
        var model = _dir.Write(kind + "-ramp.onnx", kind == "fixed"
            ? FixtureModels.LinearFixed(256, 256, [1f, 1f, 1f], 0f)
            : FixtureModels.LinearDynamic([1f, 1f, 1f], 0f));
        int w = horizontal ? 300 : 180, h = horizontal ? 180 : 300;
        var p = new Plane(w, h);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) p[x, y] = 0.1f + 0.8f * (horizontal ? x / (float)(w - 1) : y / (float)(h - 1));
        var got = Run(model, new Image([p, p.Clone(), p.Clone()]), Exact(size: kind == "dynamic" ? 98 : 0));
        int along = horizontal ? w : h, across = horizontal ? h : w;
        float At(int a, int c) => horizontal ? got[a, c] : got[c, a];
        for (int a = 12; a < along - 12; a++)
        {
            for (int c = 1; c < across; c++)
                Assert.That(At(a, c), Is.EqualTo(At(a, 0)).Within(1e-4), $"constant across the ramp at {a},{c}");
            Assert.That(At(a + 1, 0) - 2 * At(a, 0) + At(a - 1, 0), Is.EqualTo(0).Within(2e-4), $"affine at {a}");
            Assert.That(At(a + 1, 0), Is.GreaterThan(At(a, 0)), $"increasing at {a}");
        }
    }

    [Test]
    public void MetricModel_IsInvertedSoNearIsWhite()
    {
        var dir = Path.Combine(_dir.Path, "metric");
        Directory.CreateDirectory(dir);
        var model = Path.Combine(dir, "metric.onnx");
        float[] w = [1f, 2f, 0.5f];
        File.WriteAllBytes(model, FixtureModels.LinearFixed(256, 256, w, 0.5f));
        File.WriteAllText(Path.Combine(dir, "metric.json"),
            """{ "output": "metric-depth", "mean": [0, 0, 0], "std": [1, 1, 1], "family": "fixed" }""");
        var photo = Photos.Random(256, 256, seed: 5);
        var got = Run(model, photo, Exact(0.01f, 0.99f));
        var metres = Oracle.LinearModel(Photos.Channels(photo), w, 0.5f, [0, 0, 0], [1, 1, 1]);
        Oracle.AssertClose(Oracle.Normalise(Oracle.Reciprocal(metres), 0.01, 0.99, true), got, Tol, "metric");
    }

    [Test]
    public void GreyPhoto_FeedsItsPlaneToAllThreeChannels()
    {
        var model = _dir.Write("grey.onnx", FixtureModels.LinearFixed(256, 256, W, B));
        var grey = Photos.Random(256, 256, seed: 6).Channels[0];
        var got = Run(model, Image.Grey(grey), Exact());
        var ch = Photos.Channels(new Image([grey, grey, grey]));
        Oracle.AssertClose(Oracle.Normalise(Oracle.LinearModel(ch, W, B, ModelSpec.ImageNetMean, ModelSpec.ImageNetStd), 0, 1, true), got, Tol, "grey");
    }

    /// <summary>Networks were trained on sRGB-encoded pixels: a linear-light float photo is encoded before normalising.</summary>
    [Test]
    public void LinearLightPhoto_IsSrgbEncodedForTheNetwork()
    {
        var model = _dir.Write("lin.onnx", FixtureModels.LinearFixed(256, 256, W, B));
        var photo = Photos.Random(256, 256, seed: 7);
        var linear = new Image(photo.Channels, null, Transfer.Linear);
        var got = Run(model, linear, Exact());
        static double Encode(double v) => v <= 0.0031308 ? 12.92 * v : 1.055 * Math.Pow(v, 1 / 2.4) - 0.055;
        var ch = Photos.Channels(photo);
        foreach (var c in ch)
            for (int y = 0; y < 256; y++)
                for (int x = 0; x < 256; x++) c[y, x] = Encode(c[y, x]);
        Oracle.AssertClose(Oracle.Normalise(Oracle.LinearModel(ch, W, B, ModelSpec.ImageNetMean, ModelSpec.ImageNetStd), 0, 1, true), got, 5e-5, "linear light");
    }

    /// <summary>
    /// A two-colour photo with a vertical edge, depth = brightness, from a coarse network input (56 px short side):
    /// plain bicubic upsampling smears the edge over several pixels; both refinements must put it back near the photo's
    /// edge (mean error over the edge band at most half of bicubic's).
    /// </summary>
    [TestCase(DepthRefine.Guided)]
    [TestCase(DepthRefine.JointBilateral)]
    public void Refinement_FollowsThePhotosEdge(DepthRefine method)
    {
        var model = _dir.Write("edge.onnx", FixtureModels.LinearDynamic([1f, 1f, 1f], 0f));
        int w = 400, h = 300, edge = 203;
        var p = new Plane(w, h);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) p[x, y] = x < edge ? 0.2f : 0.8f;
        var photo = new Image([p, p.Clone(), p.Clone()]);
        double BandError(Plane d)
        {
            double e = 0;
            int n = 0;
            for (int y = 0; y < h; y++)
                for (int x = edge - 12; x < edge + 12; x++, n++) e += Math.Abs(d[x, y] - (x < edge ? 0 : 1));
            return e / n;
        }
        double plain = BandError(Run(model, photo, Exact(size: 56)));
        double refined = BandError(Run(model, photo, Exact(size: 56) with { Refine = method }));
        Assert.That(plain, Is.GreaterThan(0.02), "the coarse map must be visibly smeared for this test to mean anything");
        Assert.That(refined, Is.LessThan(plain * 0.5), $"{method}: {refined:G3} vs bicubic {plain:G3}");
    }

    [Test]
    public void ConstantOutput_IsMidGrey()
    {
        var model = _dir.Write("zero.onnx", FixtureModels.LinearFixed(256, 256, [0f, 0f, 0f], 1f));
        var got = Run(model, Photos.Random(300, 200, seed: 8), new DepthOptions());
        Assert.That(got.Data.Distinct().ToArray(), Is.EqualTo(new[] { 0.5f }));
        Assert.That((got.Width, got.Height), Is.EqualTo((300, 200)));
    }
}

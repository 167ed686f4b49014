using NUnit.Framework;
using DepthPlugins.Core;
using DepthPlugins.Core.Imaging;
using DepthPlugins.Core.Processing;
using DepthPlugins.Core.Refinement;
using DepthPlugins.Core.Tests;
using DepthPlugins.Engine;

namespace DepthPlugins.Vulkan.Tests;

/// <summary>
/// dp_refine_depth's GPU path (caller bytes in, caller bytes out, every conversion on the device) against the CPU path
/// (PixelCodec → DepthRefiner → PixelCodec), and tiling. Tolerances in 0..1 units: JBF and JBU 1e-4, guided and the
/// JBF on a bicubic-upsampled depth 2e-3 (see KernelTests), plus one quantisation step for integer outputs.
/// </summary>
public class RawPathTests
{
    static readonly Engine.Engine CpuEngine = new(new EngineOptions { Backend = BackendKind.Cpu });

    public record Formats(PixelFormat Guide, AlphaMode Alpha, PixelFormat Depth, PixelFormat Out, bool Grey, bool ZeroInvalid);

    static readonly Formats[] Combos =
    [
        new(PixelFormat.Rgba8, AlphaMode.Straight, PixelFormat.Gray16, PixelFormat.Gray16, false, true),
        new(PixelFormat.Bgra8, AlphaMode.Premultiplied, PixelFormat.Gray8, PixelFormat.Rgba8, false, true),
        new(PixelFormat.RgbaF32, AlphaMode.Straight, PixelFormat.GrayF32, PixelFormat.GrayF32, false, false),
        new(PixelFormat.Gray8, AlphaMode.Straight, PixelFormat.RgbaF32, PixelFormat.Rgba16, false, true),
        new(PixelFormat.Rgba16, AlphaMode.Premultiplied, PixelFormat.GrayF32, PixelFormat.Bgra8, true, true),
    ];

    static IEnumerable<TestCaseData> Cases()
    {
        foreach (var m in Enum.GetValues<RefineMethod>().Where(VulkanRefineKernels.HasRawPath))
            foreach (bool smaller in new[] { false, true })
                for (int c = 0; c < Combos.Length; c++)
                    yield return new TestCaseData(m, smaller, c).SetName($"{{m}}({m} {(smaller ? "upsampling" : "same size")} {Combos[c].Guide}/{Combos[c].Depth}->{Combos[c].Out}{(Combos[c].Grey ? " grey" : "")})");
    }

    /// <summary>Guide and depth buffers filled from a random scene (written with the CPU codec), guide with random alpha.</summary>
    internal static (TestBuffer Guide, TestBuffer Depth) Inputs(Formats f, int W, int H, int w, int h, int seed)
    {
        var (scene, _) = TestData.Scene(W, H, seed);
        var rng = new Random(seed);
        var alpha = new Plane(W, H);
        for (int i = 0; i < alpha.Data.Length; i++) alpha.Data[i] = 0.2f + 0.8f * rng.NextSingle();
        var guide = new TestBuffer(W, H, f.Guide, f.Alpha, padBytes: 5, bottomUp: true);
        PixelCodec.WriteImage(new Image(scene.Channels, alpha, Transfer.Srgb), guide.Buffer);
        var (_, depthPlane) = TestData.Scene(w, h, seed + 1, holes: 0.1);
        var depth = new TestBuffer(w, h, f.Depth, padBytes: 3);
        PixelCodec.WriteDepth(depthPlane, depth.Buffer);
        return (guide, depth);
    }

    internal static RefineOptions Options(RefineMethod m, Formats f) => new()
    {
        Method = m,
        Radius = m == RefineMethod.JointBilateralUpsampling ? 2 : 3,
        SigmaSpatial = m == RefineMethod.JointBilateralUpsampling ? 1f : 2f,
        SigmaRange = 0.1f,
        Eps = 1e-3f,
        ZeroIsInvalid = f.ZeroInvalid,
        GreyGuide = f.Grey,
    };

    /// <summary>A method without device passes is refused by the raw path (never silently run as another method),
    /// and the engine then refines it through the planes path with the same result as the CPU engine.</summary>
    [Test]
    public void MethodsWithoutRawPathAreRefusedAndRoutedByTheEngine()
    {
        var f = Combos[0];
        // FDKN needs a weights file: FdknTests.EngineRunsFdknOnTheDevice checks its routing the same way.
        var others = Enum.GetValues<RefineMethod>().Where(m => !VulkanRefineKernels.HasRawPath(m) && m != RefineMethod.Fdkn).ToArray();
        Assert.That(others, Is.Not.Empty);
        foreach (var m in others)
        {
            var (guide, depth) = Inputs(f, 37, 23, 13, 9, 77);
            using (guide)
            using (depth)
            using (var cpu = new TestBuffer(37, 23, f.Out, padBytes: 1))
            using (var gpu = new TestBuffer(37, 23, f.Out, padBytes: 1))
            {
                var o = Options(m, f);
                var ex = Assert.Throws<DpException>(() => Gpu.Kernels().RefineRaw(guide.Buffer, depth.Buffer, gpu.Buffer, o, Progress.None));
                Assert.That(ex!.Status, Is.EqualTo(DpStatus.Unsupported), m.ToString());
                CpuEngine.RefineRaw(guide.Buffer, depth.Buffer, cpu.Buffer, o, Progress.None);
                using (var engine = new Engine.Engine(new Engine.EngineOptions { Backend = Engine.BackendKind.Vulkan }))
                {
                    _ = Gpu.Device; // fails or skips with the reason when no device exists
                    engine.RefineRaw(guide.Buffer, depth.Buffer, gpu.Buffer, o, Progress.None);
                }
                Assert.That(Compare.MaxSampleDiff(gpu, cpu), Is.EqualTo(0), m.ToString());
            }
        }
    }

    [TestCaseSource(nameof(Cases))]
    public void MatchesCpuPath(RefineMethod m, bool smaller, int combo)
    {
        var f = Combos[combo];
        const int W = 37, H = 23;
        int w = smaller ? 13 : W, h = smaller ? 9 : H;
        var (guide, depth) = Inputs(f, W, H, w, h, 40 + combo);
        using (guide)
        using (depth)
        using (var cpu = new TestBuffer(W, H, f.Out, padBytes: 1))
        using (var gpu = new TestBuffer(W, H, f.Out, padBytes: 1))
        {
            var o = Options(m, f);
            CpuEngine.RefineRaw(guide.Buffer, depth.Buffer, cpu.Buffer, o, Progress.None);
            Gpu.Kernels().RefineRaw(guide.Buffer, depth.Buffer, gpu.Buffer, o, Progress.None);
            double tol = m == RefineMethod.Guided || (m == RefineMethod.JointBilateral && smaller) ? 2e-3 : 1e-4;
            double step = f.Out switch
            {
                PixelFormat.Gray8 or PixelFormat.Rgba8 or PixelFormat.Bgra8 => 255,
                PixelFormat.Gray16 or PixelFormat.Rgba16 => 65535,
                _ => 0,
            };
            double limit = step > 0 ? Math.Floor(tol * step) + 1 : tol;
            Assert.That(Compare.MaxSampleDiff(gpu, cpu), Is.LessThanOrEqualTo(limit));
        }
    }

    [Test]
    public void OutputMayAliasTheDepthInput()
    {
        var f = new Formats(PixelFormat.Rgba8, AlphaMode.Straight, PixelFormat.GrayF32, PixelFormat.GrayF32, false, true);
        var (guide, depth) = Inputs(f, 40, 30, 40, 30, 3);
        using (guide)
        using (depth)
        using (var separate = new TestBuffer(40, 30, PixelFormat.GrayF32, padBytes: 3))
        {
            var o = Options(RefineMethod.JointBilateral, f);
            Gpu.Kernels().RefineRaw(guide.Buffer, depth.Buffer, separate.Buffer, o, Progress.None);
            Gpu.Kernels().RefineRaw(guide.Buffer, depth.Buffer, depth.Buffer, o, Progress.None);
            Assert.That(depth.Bytes(), Is.EqualTo(separate.Bytes()));
        }
    }

    static IEnumerable<TestCaseData> TilingCases()
    {
        foreach (var m in Enum.GetValues<RefineMethod>().Where(VulkanRefineKernels.HasRawPath))
            foreach (bool smaller in new[] { false, true })
                yield return new TestCaseData(m, smaller).SetName($"{{m}}({m} {(smaller ? "upsampling" : "same size")})");
    }

    [TestCaseSource(nameof(TilingCases))]
    public void TiledEqualsUntiled(RefineMethod m, bool smaller)
    {
        var f = new Formats(PixelFormat.RgbaF32, AlphaMode.Straight, PixelFormat.GrayF32, PixelFormat.GrayF32, false, true);
        const int W = 151, H = 97;
        int w = smaller ? 41 : W, h = smaller ? 29 : H;
        var (guide, depth) = Inputs(f, W, H, w, h, 77);
        using (guide)
        using (depth)
        using (var whole = new TestBuffer(W, H, PixelFormat.GrayF32))
        using (var tiled = new TestBuffer(W, H, PixelFormat.GrayF32))
        {
            var o = Options(m, f);
            var t1 = Gpu.Kernels().RefineRaw(guide.Buffer, depth.Buffer, whole.Buffer, o, Progress.None);
            var t2 = Gpu.Kernels(budget: 320 << 10).RefineRaw(guide.Buffer, depth.Buffer, tiled.Buffer, o, Progress.None);
            Assert.That(t1.Tiles, Is.EqualTo(1));
            Assert.That(t2.Tiles, Is.GreaterThan(3), "the small budget must force tiling");
            Assert.That(tiled.Bytes(), Is.EqualTo(whole.Bytes()), "tiled output must be bit-identical");
        }
    }

    [Test]
    public void BudgetTooSmallIsOutOfMemory()
    {
        var f = new Formats(PixelFormat.Rgba8, AlphaMode.Straight, PixelFormat.Gray8, PixelFormat.Gray8, false, true);
        var (guide, depth) = Inputs(f, 64, 64, 64, 64, 5);
        using (guide)
        using (depth)
        using (var o = new TestBuffer(64, 64, PixelFormat.Gray8))
        {
            var before = o.Bytes();
            var e = Assert.Throws<DpException>(() => Gpu.Kernels(budget: 1024).RefineRaw(guide.Buffer, depth.Buffer, o.Buffer, Options(RefineMethod.Guided, f), Progress.None));
            Assert.That(e!.Status, Is.EqualTo(DpStatus.OutOfMemory));
            Assert.That(e.Message, Does.Contain("budget"));
            Assert.That(o.Bytes(), Is.EqualTo(before), "output untouched on failure");
        }
    }

    [Test]
    public void CancelLeavesOutputUntouched()
    {
        var f = new Formats(PixelFormat.Rgba8, AlphaMode.Straight, PixelFormat.Gray8, PixelFormat.Gray8, false, true);
        var (guide, depth) = Inputs(f, 151, 97, 151, 97, 6);
        using (guide)
        using (depth)
        using (var o = new TestBuffer(151, 97, PixelFormat.Gray8))
        {
            var before = o.Bytes();
            int calls = 0;
            var e = Assert.Throws<DpException>(() => Gpu.Kernels(budget: 320 << 10).RefineRaw(guide.Buffer, depth.Buffer, o.Buffer,
                Options(RefineMethod.JointBilateral, f), new Progress(_ => ++calls < 3)));
            Assert.That(e!.Status, Is.EqualTo(DpStatus.Cancelled));
            Assert.That(o.Bytes(), Is.EqualTo(before));
        }
    }
}

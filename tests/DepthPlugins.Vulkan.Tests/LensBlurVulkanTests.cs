using NUnit.Framework;
using DepthPlugins.Core.Imaging;
using DepthPlugins.Core.LensBlur;
using DepthPlugins.Core.Processing;

namespace DepthPlugins.Vulkan.Tests;

/// <summary>
/// The Vulkan lens-blur compositing against the CPU one (the oracle, itself held to the float64 reference renderer in
/// Core.Tests) on the same prepared scenes. Tolerance 1e-5 absolute on linear 0..1 values: both sum the same taps in the
/// same order in float; they differ in where the row prefix sums start (CPU: per tile window, GPU: per 64-column segment)
/// and in fused multiply-adds the GPU compiler may form. The untouched masks must be identical (a gather over pixels a
/// layer does not hold is exactly zero on both).
/// </summary>
public class LensBlurVulkanTests
{
    const double Tolerance = 1e-5;
    static readonly Parallelism Par = new(0);
    static readonly CpuLensBlurKernels Cpu = new(Par);
    static VulkanLensBlurKernels Vk => new(Gpu.Device);

    static Image Texture(int w, int h, int seed, int channels = 3, bool alpha = false)
    {
        var rng = new Random(seed);
        var planes = Enumerable.Range(0, channels).Select(_ => new Plane(w, h)).ToArray();
        for (int c = 0; c < channels; c++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    double v = 0.5 + 0.3 * Math.Sin(0.11 * x * (c + 1) + 0.07 * y) + ((x / 5 + y / 7 + c) % 4 == 0 ? 0.2 : 0);
                    planes[c][x, y] = (float)Math.Clamp(v + 0.05 * (rng.NextDouble() - 0.5), 0, 1.2);
                }
        Plane? a = null;
        if (alpha)
        {
            a = new Plane(w, h);
            for (int i = 0; i < a.Data.Length; i++) a.Data[i] = (float)rng.NextDouble();
        }
        return new Image(planes, a, Transfer.Linear);
    }

    static void Compare(Image img, Plane depth, LensBlurOptions o, string what)
    {
        var scene = LensBlurRenderer.PrepareScene(img, depth, o, Progress.None, Par);
        var cpu = Cpu.Composite(scene, Progress.None);
        using var vk = Vk;
        var gpu = vk.Composite(scene, Progress.None);
        double worst = 0;
        for (int c = 0; c < cpu.Colour.Length; c++) worst = Math.Max(worst, DepthPlugins.Vulkan.Tests.Compare.MaxDiff(gpu.Colour[c], cpu.Colour[c]));
        if (cpu.Alpha != null) worst = Math.Max(worst, DepthPlugins.Vulkan.Tests.Compare.MaxDiff(gpu.Alpha!, cpu.Alpha));
        int maskDiff = cpu.Untouched.Zip(gpu.Untouched).Count(t => t.First != t.Second);
        TestContext.Out.WriteLine($"{what}: {scene.Layers.Count} layers, max diff {worst:E2}, untouched {cpu.Untouched.Count(u => u)} px, mask differences {maskDiff}, GPU {vk.LastGpuMs:F2} ms");
        Assert.That(worst, Is.LessThan(Tolerance), what);
        Assert.That(maskDiff, Is.EqualTo(0), what + ": untouched masks");
    }

    [TestCase(1, 1)]
    [TestCase(7, 5)]
    [TestCase(65, 3)]
    [TestCase(130, 97)]
    public void ConstantDepthDiskOddSizes(int w, int h) =>
        Compare(Texture(w, h, w * 31 + h), Plane.Filled(w, h, 0.1f), new LensBlurOptions { Focus = 0.7f, Aperture = 10.5f }, $"{w}x{h}");

    [Test]
    public void TwoPlanesSharpAndBlurredForegroundGrey()
    {
        int w = 150, h = 110;
        var img = Texture(w, h, 3, channels: 1);
        var depth = Plane.Filled(w, h, 0.2f);
        for (int y = 30; y < 80; y++) for (int x = 40; x < 120; x++) depth[x, y] = 0.8f;
        Compare(img, depth, new LensBlurOptions { Focus = 0.8f, Aperture = 15 }, "sharp foreground");
        Compare(img, depth, new LensBlurOptions { Focus = 0.2f, Aperture = 15 }, "blurred foreground");
    }

    [Test]
    public void LayeredSceneWithAlphaAndBlades()
    {
        int w = 180, h = 140;
        var rng = new Random(9);
        var img = Texture(w, h, 4, alpha: true);
        var depth = Plane.Filled(w, h, 0.3f);
        for (int r = 0; r < 5; r++)
        {
            int x0 = rng.Next(w - 30), y0 = rng.Next(h - 30), x1 = x0 + 10 + rng.Next(60), y1 = y0 + 10 + rng.Next(60);
            float d = (float)rng.NextDouble();
            for (int y = y0; y < Math.Min(h, y1); y++) for (int x = x0; x < Math.Min(w, x1); x++) depth[x, y] = d;
        }
        Compare(img, depth, new LensBlurOptions { Focus = 0.5f, Aperture = 22, Blades = 7, Rotation = 13, HighlightThreshold = 0.6f, HighlightGain = 3 }, "layers, alpha, 7 blades");
    }

    [Test]
    public void RampWithManyLayersSpansSeveralSubmits()
    {
        // CoC from −40 to +40 across the image: about sixty layers, more than one submit's worth of passes.
        int w = 320, h = 90;
        var img = Texture(w, h, 5);
        var depth = new Plane(w, h);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) depth[x, y] = (float)x / (w - 1) + 0.002f * (y % 3);
        Compare(img, depth, new LensBlurOptions { Focus = 0.5f, Aperture = 80 }, "ramp");
    }

    [Test]
    public void LargeRadiusRunsCrossSegments()
    {
        // r = 90 at full resolution: kernel rows up to 181 px long, spanning several 64-column segments of the prefix sums.
        int w = 260, h = 210;
        var img = Texture(w, h, 6);
        var depth = Plane.Filled(w, h, 0f);
        for (int y = 80; y < 130; y++) for (int x = 100; x < 160; x++) depth[x, y] = 0.5f;
        Compare(img, depth, new LensBlurOptions { Focus = 0.5f, Aperture = 180, Blades = 6, FullResolution = true }, "r = 90, full resolution");
    }

    [TestCase(0.5f, 90f, 0, false)]
    [TestCase(0.45f, 140f, 7, true)]
    [TestCase(0.6f, 250f, 5, true)]
    public void CoarseGridLayers(float focus, float aperture, int blades, bool alpha)
    {
        // Rectangles at several depths with CoC up to aperture/2: full-resolution layers and layers on grids 2, 4 and 8
        // (splat, coarse gather, interpolation) in one composite, odd size, with and without alpha.
        int w = 203, h = 151;
        var rng = new Random((int)aperture);
        var img = Texture(w, h, 10, alpha: alpha);
        var depth = Plane.Filled(w, h, 0.1f);
        for (int r = 0; r < 6; r++)
        {
            int x0 = rng.Next(w - 30), y0 = rng.Next(h - 30), x1 = x0 + 10 + rng.Next(80), y1 = y0 + 10 + rng.Next(80);
            float d = (float)rng.NextDouble();
            for (int y = y0; y < Math.Min(h, y1); y++) for (int x = x0; x < Math.Min(w, x1); x++) depth[x, y] = d;
        }
        Compare(img, depth, new LensBlurOptions { Focus = focus, Aperture = aperture, Blades = blades, Rotation = 8 }, $"coarse grids, aperture {aperture}");
    }

    [Test]
    public void EngineOnVulkanMatchesTheCpuAndKeepsFocusUntouched()
    {
        int w = 120, h = 80;
        var srgb = new Image(Texture(w, h, 7).Channels, null, Transfer.Srgb);
        var depth = Plane.Filled(w, h, 0.6f);
        for (int y = 0; y < h; y++) for (int x = 0; x < w / 2; x++) depth[x, y] = 0.1f;
        var o = new LensBlurOptions { Focus = 0.6f, Aperture = 20 };
        using var cpu = new Engine.Engine(new Engine.EngineOptions { Backend = Engine.BackendKind.Cpu });
        using var vk = new Engine.Engine(new Engine.EngineOptions { Backend = Engine.BackendKind.Vulkan });
        Assert.That(vk.LensBlurKernels.Name, Is.EqualTo("vulkan"));
        var a = cpu.LensBlur(srgb, depth, o, Progress.None);
        var b = vk.LensBlur(srgb, depth, o, Progress.None);
        for (int c = 0; c < 3; c++)
        {
            Assert.That(DepthPlugins.Vulkan.Tests.Compare.MaxDiff(b.Channels[c], a.Channels[c]), Is.LessThan(1e-4), "sRGB-encoded output");
            for (int y = 0; y < h; y++)
                for (int x = w / 2 + 20; x < w; x++) // in focus, beyond the background's CoC of 10
                    Assert.That(b.Channels[c][x, y], Is.EqualTo(srgb.Channels[c][x, y]));
        }
    }

    [Test]
    public void CancelStopsBetweenSubmits()
    {
        int w = 320, h = 90;
        var img = Texture(w, h, 8);
        var depth = new Plane(w, h);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) depth[x, y] = (float)x / (w - 1);
        var scene = LensBlurRenderer.PrepareScene(img, depth, new LensBlurOptions { Focus = 0.5f, Aperture = 80 }, Progress.None, Par);
        int calls = 0;
        using var vk = Vk;
        var ex = Assert.Throws<Core.DpException>(() => vk.Composite(scene, new Progress(_ => ++calls < 2)));
        Assert.That(ex!.Status, Is.EqualTo(Core.DpStatus.Cancelled));
    }
}

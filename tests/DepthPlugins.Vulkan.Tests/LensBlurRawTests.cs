using NUnit.Framework;
using DepthPlugins.Core;
using DepthPlugins.Core.Imaging;
using DepthPlugins.Core.LensBlur;
using DepthPlugins.Core.Processing;
using DepthPlugins.Engine;

namespace DepthPlugins.Vulkan.Tests;

/// <summary>
/// dp_lens_blur's GPU path (caller bytes in, caller bytes out: decoding, CoC, layer placement, colour preparation, the
/// composite, the finish and the encoding on the device; only the layer radii and the work lists are decided on the
/// host) against the CPU path (PixelCodec → LensBlurRenderer → PixelCodec). Tolerance: the composites agree within 1e-5
/// (LensBlurVulkanTests), the GPU converts sRGB with the power function where the CPU uses a table (within 1e-7), so
/// integer outputs may differ by one quantisation step and float outputs by 1e-4 relative; pixels the blur does not
/// reach are the input's bytes on both.
/// </summary>
public class LensBlurRawTests
{
    static readonly Engine.Engine CpuEngine = new(new EngineOptions { Backend = BackendKind.Cpu });

    public record Formats(PixelFormat Image, AlphaMode Alpha, PixelFormat Depth, PixelFormat Out, AlphaMode OutAlpha, bool Translucent);

    static readonly Formats[] Combos =
    [
        new(PixelFormat.Rgba8, AlphaMode.Straight, PixelFormat.Gray16, PixelFormat.Rgba8, AlphaMode.Straight, false),
        new(PixelFormat.Rgba8, AlphaMode.Straight, PixelFormat.Gray8, PixelFormat.Rgba8, AlphaMode.Straight, true),
        new(PixelFormat.Bgra8, AlphaMode.Premultiplied, PixelFormat.GrayF32, PixelFormat.Rgba16, AlphaMode.Straight, true),
        new(PixelFormat.RgbaF32, AlphaMode.Straight, PixelFormat.GrayF32, PixelFormat.RgbaF32, AlphaMode.Straight, false),
        new(PixelFormat.Rgba16, AlphaMode.Straight, PixelFormat.Rgba8, PixelFormat.Bgra8, AlphaMode.Premultiplied, true),
        new(PixelFormat.Gray8, AlphaMode.Straight, PixelFormat.Gray16, PixelFormat.Gray8, AlphaMode.Straight, false),
        new(PixelFormat.GrayF32, AlphaMode.Straight, PixelFormat.GrayF32, PixelFormat.Rgba8, AlphaMode.Straight, false),
    ];

    static IEnumerable<TestCaseData> Cases()
    {
        for (int c = 0; c < Combos.Length; c++)
            yield return new TestCaseData(c).SetName($"{{m}}({Combos[c].Image} {Combos[c].Alpha}{(Combos[c].Translucent ? " translucent" : "")}, depth {Combos[c].Depth} -> {Combos[c].Out} {Combos[c].OutAlpha})");
    }

    /// <summary>A textured image (sRGB-encoded values written by the CPU codec) with optional varying alpha, and a depth of
    /// a background, two rectangles and a ramp: CoC from about −30 to +25 px with the options below, so layers at full
    /// resolution and on a coarse grid, and an in-focus region.</summary>
    static (TestBuffer Image, TestBuffer Depth) Inputs(Formats f, int w, int h, int seed)
    {
        var rng = new Random(seed);
        var planes = Enumerable.Range(0, 3).Select(_ => new Plane(w, h)).ToArray();
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    planes[c][x, y] = (float)Math.Clamp(0.5 + 0.35 * Math.Sin(0.13 * x * (c + 1) + 0.05 * y) + ((x / 6 + y / 5 + c) % 5 == 0 ? 0.3 : 0) + 0.05 * rng.NextDouble(), 0, 1);
        Plane? alpha = null;
        if (f.Translucent)
        {
            alpha = new Plane(w, h);
            for (int i = 0; i < alpha.Data.Length; i++) alpha.Data[i] = 0.3f + 0.7f * rng.NextSingle();
        }
        var image = new TestBuffer(w, h, f.Image, f.Alpha, padBytes: 3, bottomUp: seed % 2 == 0);
        PixelCodec.WriteImage(new Image(planes, alpha, Transfer.Srgb), image.Buffer);
        var depth = new Plane(w, h);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                float d = 0.15f + 0.1f * y / h;
                if (x > w / 5 && x < w / 2 && y > h / 4 && y < 3 * h / 4) d = 0.5f;   // in focus
                if (x > w / 2 && y > h / 3) d = 0.5f + 0.35f * (x - w / 2) / (w / 2f); // a ramp towards the camera
                depth[x, y] = d;
            }
        var depthBuffer = new TestBuffer(w, h, f.Depth, padBytes: 1);
        PixelCodec.WriteDepth(depth, depthBuffer.Buffer);
        return (image, depthBuffer);
    }

    static LensBlurOptions Options(int variant) => variant switch
    {
        0 => new LensBlurOptions { Focus = 0.5f, Aperture = 80 },
        1 => new LensBlurOptions { Focus = 0.5f, Aperture = 70, Blades = 6, Rotation = 10, HighlightThreshold = 0.5f, HighlightGain = 4 },
        2 => new LensBlurOptions { FocusFromPoint = true, FocusX = 60, FocusY = 40, Aperture = 60, DepthNear = DepthNear.Black, MaxFarRadius = 12 },
        _ => new LensBlurOptions { Focus = 0.5f, Aperture = 80, FullResolution = true },
    };

    static double Tolerance(PixelFormat f) => PixelFormats.IsFloat(f) ? 1e-4 : 1;

    [TestCaseSource(nameof(Cases))]
    public void MatchesTheCpuPath(int combo)
    {
        var f = Combos[combo];
        const int W = 157, H = 101;
        _ = Gpu.Device;
        using var engine = new Engine.Engine(new EngineOptions { Backend = BackendKind.Vulkan });
        for (int variant = 0; variant < 4; variant++)
        {
            var (image, depth) = Inputs(f, W, H, 50 + combo);
            using (image)
            using (depth)
            using (var cpu = new TestBuffer(W, H, f.Out, f.OutAlpha, padBytes: 2))
            using (var gpu = new TestBuffer(W, H, f.Out, f.OutAlpha, padBytes: 2))
            {
                var o = Options(variant);
                CpuEngine.LensBlurRaw(image.Buffer, depth.Buffer, cpu.Buffer, o, Progress.None);
                engine.LensBlurRaw(image.Buffer, depth.Buffer, gpu.Buffer, o, Progress.None);
                double d = Compare.MaxSampleDiff(gpu, cpu);
                var t = ((VulkanLensBlurKernels)engine.LensBlurKernels).LastTiming;
                TestContext.Out.WriteLine($"variant {variant}: max sample difference {d} ({t.Submits} submits)");
                Assert.That(d, Is.LessThanOrEqualTo(Tolerance(f.Out)), $"variant {variant}");
                Assert.That(gpu.Bytes().Count(b => b != 0xCD), Is.GreaterThan(W * H * PixelFormats.BytesPerPixel(f.Out) / 2), "written");
            }
        }
    }

    [Test]
    public void InFocusPixelsKeepTheirBytesAndInPlaceWorks()
    {
        // Output = input buffer (in place). Pixels of the in-focus rectangle farther than the largest CoC from any blurred
        // pixel are the input's bytes exactly.
        var f = Combos[1];
        const int W = 180, H = 120;
        var (image, depth) = Inputs(f, W, H, 7);
        using (image)
        using (depth)
        {
            var before = Enumerable.Range(0, H).Select(y => image.Row(y).ToArray()).ToArray();
            using var engine = new Engine.Engine(new EngineOptions { Backend = BackendKind.Vulkan });
            _ = Gpu.Device;
            var o = new LensBlurOptions { Focus = 0.5f, Aperture = 20, MaxNearRadius = 0 }; // background CoC ≤ 7, the ramp sharp
            engine.LensBlurRaw(image.Buffer, depth.Buffer, image.Buffer, o, Progress.None);
            int same = 0, checkedPixels = 0;
            for (int y = H / 4 + 9; y < 3 * H / 4 - 8; y++)
                for (int x = W / 5 + 9; x < W / 2 - 1; x++)
                {
                    checkedPixels++;
                    if (image.Row(y).Slice(4 * x, 4).SequenceEqual(before[y].AsSpan(4 * x, 4))) same++;
                }
            Assert.That(checkedPixels, Is.GreaterThan(500));
            Assert.That(same, Is.EqualTo(checkedPixels));
            Assert.That(Enumerable.Range(0, H).Any(y => !image.Row(y).SequenceEqual(before[y])), "the rest was blurred in place");
        }
    }

    [Test]
    public void EngineFallsBackToThePlanesPathForASmallerDepth()
    {
        var f = Combos[0];
        const int W = 64, H = 48;
        var (image, _) = Inputs(f, W, H, 3);
        using (image)
        using (var depth = new TestBuffer(16, 12, PixelFormat.GrayF32))
        using (var cpu = new TestBuffer(W, H, f.Out))
        using (var gpu = new TestBuffer(W, H, f.Out))
        {
            PixelCodec.WriteDepth(Plane.Filled(16, 12, 0.25f), depth.Buffer);
            using var engine = new Engine.Engine(new EngineOptions { Backend = BackendKind.Vulkan });
            _ = Gpu.Device;
            var o = new LensBlurOptions { Focus = 0.75f, Aperture = 10 };
            engine.LensBlurRaw(image.Buffer, depth.Buffer, gpu.Buffer, o, Progress.None);
            CpuEngine.LensBlurRaw(image.Buffer, depth.Buffer, cpu.Buffer, o, Progress.None);
            Assert.That(Compare.MaxSampleDiff(gpu, cpu), Is.LessThanOrEqualTo(1));
        }
    }

    [Test]
    public void CancelStopsAndLeavesTheOutputUntouched()
    {
        var f = Combos[0];
        const int W = 320, H = 90;
        var (image, depth) = Inputs(f, W, H, 9);
        using (image)
        using (depth)
        using (var output = new TestBuffer(W, H, f.Out))
        {
            var before = output.Bytes();
            _ = Gpu.Device;
            using var vk = new VulkanLensBlurKernels(Gpu.Device);
            int calls = 0;
            var ex = Assert.Throws<DpException>(() => vk.LensBlurRaw(image.Buffer, depth.Buffer, output.Buffer, new LensBlurOptions { Focus = 0.5f, Aperture = 80 }, new Progress(_ => ++calls < 3)));
            Assert.That(ex!.Status, Is.EqualTo(DpStatus.Cancelled));
            Assert.That(output.Bytes(), Is.EqualTo(before));
        }
    }
}

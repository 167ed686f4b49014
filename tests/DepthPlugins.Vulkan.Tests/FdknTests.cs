using NUnit.Framework;
using DepthPlugins.Core;
using DepthPlugins.Core.Deformable;
using DepthPlugins.Core.Imaging;
using DepthPlugins.Core.Processing;
using DepthPlugins.Core.Refinement;
using DepthPlugins.Core.Tests;
using DepthPlugins.Engine;
using DepthPlugins.ImageIO;

namespace DepthPlugins.Vulkan.Tests;

/// <summary>
/// The deformable filter and FDKN on the device against the CPU (the oracle, itself held to float64 references in
/// Core.Tests). Tolerances: deformable filter 1e-5 (float sums of k² taps; the GPU may contract a·b + c into FMA);
/// FDKN 1e-4 on the 0..1 scale (six layers of float sums in another order, then sampling positions that move with them).
/// </summary>
public class FdknTests
{
    static readonly Parallelism Par = new(0);

    static FdknModel RandomModel(int seed) => FdknModel.FromTensors(SafeTensors.Parse(SafeTensorsWriter.Build(FdknTestWeights.RandomWeights(seed))));

    static IEnumerable<TestCaseData> DeformableCases()
    {
        int seed = 300;
        foreach (var (w, h) in new[] { (1, 1), (7, 5), (33, 21), (64, 48) })
            foreach (var (k, d) in new[] { (3, 15), (2, 5) })
                foreach (var mode in new[] { DeformableMode.Residual, DeformableMode.Normalized })
                    yield return new TestCaseData(w, h, k, d, mode, seed++).SetName($"{{m}}({w}x{h},k{k},d{d},{mode})");
    }

    [TestCaseSource(nameof(DeformableCases))]
    public void DeformableMatchesCpu(int w, int h, int k, int d, DeformableMode mode, int seed)
    {
        var rng = new Random(seed);
        var target = new Plane(w, h);
        for (int i = 0; i < target.Data.Length; i++) target.Data[i] = rng.NextDouble() < 0.1 ? 0f : rng.NextSingle();
        var kern = new DeformableKernels(w, h, k * k);
        for (int i = 0; i < kern.Weights.Length; i++) kern.Weights[i] = 0.01f + 0.99f * rng.NextSingle();
        for (int i = 0; i < kern.Offsets.Length; i++) kern.Offsets[i] = (2 * rng.NextSingle() - 1) * (rng.NextDouble() < 0.5 ? 2f : d + 3);
        var p = new DeformableParams(k, d, mode);
        var gpu = Gpu.Kernels().Deformable(target, kern, p);
        var cpu = DeformableFilter.Apply(target, kern, p, Progress.None, Par);
        Assert.That(Compare.MaxDiff(gpu, cpu), Is.LessThan(1e-5));
    }

    static IEnumerable<TestCaseData> NetworkCases()
    {
        foreach (var (w, h, seed) in new[] { (8, 8, 1), (1, 1, 2), (13, 10, 3), (37, 29, 4), (130, 67, 5) })
            yield return new TestCaseData(w, h, seed).SetName($"{{m}}({w}x{h})");
    }

    [TestCaseSource(nameof(NetworkCases))]
    public void FdknMatchesCpu(int w, int h, int seed)
    {
        var model = RandomModel(seed);
        var (guide, depth) = TestData.Scene(w, h, seed, holes: 0);
        var luma = guide.Luma();
        var (gpu, timing) = Gpu.Kernels().FdknTimed(model, luma, depth, Progress.None);
        var cpu = FdknCpu.Refine(model, luma, depth, Progress.None, Par);
        Assert.That(timing.Tiles, Is.EqualTo(1));
        Assert.That(Compare.MaxDiff(gpu, cpu), Is.LessThan(1e-4));
        Assert.That(gpu.Data.Zip(depth.Data, (a, b) => Math.Abs(a - b)).Max(), Is.GreaterThan(1e-3), "the network changed the depth");
    }

    /// <summary>A budget too small for one strip: several strips (each with its halo) give the same result.</summary>
    [Test]
    public void StripsJoinExactly()
    {
        var model = RandomModel(7);
        var (guide, depth) = TestData.Scene(200, 301, 7, holes: 0);
        var luma = guide.Luma();
        // The weights take about 11 MiB of arena and staging; 20 MiB leaves room for strips of a few dozen rows.
        var small = Gpu.Kernels(budget: 20L << 20); // not disposed: that would close the shared device
        var (strips, timing) = small.FdknTimed(model, luma, depth, Progress.None);
        var (whole, one) = Gpu.Kernels().FdknTimed(model, luma, depth, Progress.None);
        Assert.That(timing.Tiles, Is.GreaterThan(1));
        Assert.That(one.Tiles, Is.EqualTo(1));
        Assert.That(strips.Data, Is.EqualTo(whole.Data), "each output row sees the same values in any strip");
    }

    [Test]
    public void ProgressAndCancel()
    {
        var model = RandomModel(8);
        var (guide, depth) = TestData.Scene(64, 200, 8, holes: 0);
        var small = Gpu.Kernels(budget: 16L << 20); // not disposed: that would close the shared device
        var seen = new List<float>();
        small.Fdkn(model, guide.Luma(), depth, new Progress(f => { seen.Add(f); return true; }));
        Assert.That(seen, Is.Ordered);
        Assert.That(seen[^1], Is.EqualTo(1f));
        var e = Assert.Throws<DpException>(() => small.Fdkn(model, guide.Luma(), depth, new Progress(f => f < 0.3f)));
        Assert.That(e!.Status, Is.EqualTo(DpStatus.Cancelled));
    }

    /// <summary>Through the engine with the Vulkan backend, plane and raw-buffer entry points: FDKN runs on the device
    /// and matches the CPU engine.</summary>
    [Test]
    public void EngineRunsFdknOnTheDevice()
    {
        _ = Gpu.Device;
        string weights = Path.Combine(Path.GetTempPath(), $"fdkn_vk_{Environment.ProcessId}.safetensors");
        File.WriteAllBytes(weights, SafeTensorsWriter.Build(FdknTestWeights.RandomWeights(9)));
        try
        {
            var (guide, _) = TestData.Scene(70, 45, 9, holes: 0);
            var (_, small) = TestData.Scene(18, 12, 10, holes: 0.05);
            var o = new RefineOptions { Method = RefineMethod.Fdkn, WeightsPath = weights };
            using var vk = new Engine.Engine(new EngineOptions { Backend = BackendKind.Vulkan, DeviceIndex = 0 });
            using var cpu = new Engine.Engine(new EngineOptions { Backend = BackendKind.Cpu });
            var want = cpu.Refine(guide, small, o, Progress.None);
            Assert.That(Compare.MaxDiff(vk.Refine(guide, small, o, Progress.None), want), Is.LessThan(1e-4));
            // The raw path as dp_refine_depth takes it: float RGBA (linear light) and float depth.
            var rgba = new float[70 * 45 * 4];
            for (int i = 0; i < 70 * 45; i++)
            {
                for (int c = 0; c < 3; c++) rgba[4 * i + c] = ColorSpace.SrgbToLinear(guide.Channels[c].Data[i]);
                rgba[4 * i + 3] = 1f;
            }
            var raw = new float[70 * 45];
            PixelCodec.WithArray(raw, 70, 45, PixelFormat.GrayF32, outBuf =>
                PixelCodec.WithArray(rgba, 70, 45, PixelFormat.RgbaF32, gb =>
                    PixelCodec.WithArray(small.Data, 18, 12, PixelFormat.GrayF32, db =>
                    {
                        vk.RefineRaw(gb, db, outBuf, o, Progress.None);
                        return 0;
                    })));
            Assert.That(Compare.MaxDiff(new Plane(70, 45, raw), want), Is.LessThan(1e-4));
        }
        finally { File.Delete(weights); }
    }

    /// <summary>The authors' weights on their NYU sample, on the device: same parity bound as the CPU path
    /// (RMSE against their output below 0.1 on 0..255). Skips without ../shared.</summary>
    [Test]
    public void ReproducesTheAuthorsOutput()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d != null && !File.Exists(Path.Combine(d.FullName, "DepthPlugins.sln"))) d = d.Parent;
        string data = Path.GetFullPath(Path.Combine(d!.FullName, "..", "shared", "data"));
        string weights = Path.Combine(data, "dkn_fdkn_weights", "FDKN_8x.safetensors"), dir = Path.Combine(data, "nyu_v2_dkn_sample");
        if (!File.Exists(weights) || !Directory.Exists(dir)) Assert.Ignore($"shared evaluation data not found ({data}); parity not checked");
        var rgb = ImageFile.Read(Path.Combine(dir, "0_rgb.png"));
        Plane Channel(Raster r, int c)
        {
            var p = new Plane(r.Width, r.Height);
            for (int i = 0; i < p.Data.Length; i++) p.Data[i] = r.Samples[i * r.Channels + c];
            return p;
        }
        var luma = new Image([Channel(rgb, 0), Channel(rgb, 1), Channel(rgb, 2)]).Luma();
        var lr = Channel(ImageFile.Read(Path.Combine(dir, "0_lr.png")), 0);
        var reference = Channel(ImageFile.Read(Path.Combine(dir, "0_fdkn8x_reference.pfm")), 0);
        var ours = Gpu.Kernels().Fdkn(FdknModel.Load(weights), luma, lr, Progress.None);
        double rmse = Math.Sqrt(ours.Data.Zip(reference.Data, (a, b) => (a - (double)b) * (a - (double)b) * 255 * 255).Average());
        TestContext.Out.WriteLine($"Vulkan FDKN vs the authors' output: RMSE {rmse:F4} (0..255)");
        Assert.That(rmse, Is.LessThan(0.1));
    }
}

using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using DepthPlugins.Core.Imaging;
using DepthPlugins.Core.Processing;
using DepthPlugins.Core.Refinement;
using NUnit.Framework;

namespace DepthPlugins.Native.Tests;

/// <summary>The published library as hosts see it: the export table, a strict C99 client, a Python ctypes client.</summary>
[NonParallelizable]
public class NativeClientTests
{
    [OneTimeSetUp]
    public void Library() => Paths.RequireLibrary();

    [Test]
    public void EveryHeaderFunctionIsExported()
    {
        var declared = Regex.Matches(File.ReadAllText(Paths.Header), @"DP_API\s+[^;(]*?\b(dp_\w+)\s*\(").Select(m => m.Groups[1].Value).ToHashSet();
        Assert.That(declared, Has.Count.GreaterThanOrEqualTo(10), "header parse");
        var (code, output) = Paths.Run("nm", $"-D --defined-only \"{Paths.Library}\"");
        Assert.That(code, Is.EqualTo(0), output);
        var exported = Regex.Matches(output, @"\bT (dp_\w+)").Select(m => m.Groups[1].Value).ToHashSet();
        Assert.That(declared.Except(exported), Is.Empty, "declared in the header but not exported");
        Assert.That(exported.Except(declared), Is.Empty, "exported but not declared in the header");
    }

    /// <summary>The published library travels with the Linux ONNX Runtime beside it and without the Windows binaries
    /// that ORT's package also carries (issue 6: resolved relative to our library; Windows files excluded from Linux
    /// output).</summary>
    [Test]
    public void PublishedLibraryCarriesLinuxOrtAndNoWindowsBinaries()
    {
        Assert.That(File.Exists(Path.Combine(Paths.NativeDir, "libonnxruntime.so")), "libonnxruntime.so beside libdepthplugins.so");
        var windows = Directory.EnumerateFiles(Paths.NativeDir, "*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".exe", StringComparison.OrdinalIgnoreCase)
                        || f.Contains("win-", StringComparison.Ordinal))
            .ToList();
        Assert.That(windows, Is.Empty, "Windows binaries in the Linux output");
    }

    [Test]
    public void StrictC99ClientPasses()
    {
        string exe = Path.Combine(Path.GetTempPath(), $"dp_abi_client_{Environment.ProcessId}");
        var (cc, ccOut) = Paths.Run("gcc", $"-std=c99 -Wall -Wextra -Werror -pedantic tests/native/abi_client.c -I native/include -L \"{Paths.NativeDir}\" -ldepthplugins -lpthread -lm -o \"{exe}\"");
        Assert.That(cc, Is.EqualTo(0), ccOut);
        try
        {
            var (code, output) = Paths.Run(exe, "", env: new() { ["LD_LIBRARY_PATH"] = Paths.NativeDir });
            TestContext.Out.WriteLine(output);
            Assert.That(code, Is.EqualTo(0), output);
            Assert.That(output, Does.Contain(" 0 failures"));
        }
        finally { File.Delete(exe); }
    }

    [Test]
    public void PythonDemoPasses()
    {
        var (code, output) = Paths.Run("python3", "examples/python/refine_depth.py", env: new() { ["DEPTHPLUGINS_LIBRARY"] = Paths.Library });
        TestContext.Out.WriteLine(output);
        Assert.That(code, Is.EqualTo(0), output);
        Assert.That(output, Does.Contain("hole filled"));
    }

    [Test]
    public void PythonLensBlurDemoPasses()
    {
        var (code, output) = Paths.Run("python3", "examples/python/lens_blur.py", env: new() { ["DEPTHPLUGINS_LIBRARY"] = Paths.Library });
        TestContext.Out.WriteLine(output);
        Assert.That(code, Is.EqualTo(0), output);
        Assert.That(output, Does.Contain("in-focus square unchanged"));
    }

    /// <summary>Lens blur from Python through the .so (RGBA8 photo, smaller float depth) equals the managed engine's.</summary>
    [Test]
    public void PythonLensBlurThroughTheLibraryEqualsManagedEngine()
    {
        const int w = 57, h = 43, dw = 19, dh = 15;
        var rng = new Random(11);
        var image = new byte[w * h * 4];
        rng.NextBytes(image);
        var depth = new float[dw * dh];
        for (int i = 0; i < depth.Length; i++) depth[i] = i % dw < dw / 2 ? 0.9f : 0.1f + 0.05f * rng.NextSingle();
        string dir = Directory.CreateTempSubdirectory("dp_py_lb").FullName;
        try
        {
            File.WriteAllBytes(Path.Combine(dir, "i.raw"), image);
            File.WriteAllBytes(Path.Combine(dir, "d.raw"), MemoryMarshal.AsBytes(depth.AsSpan()).ToArray());
            var (code, output) = Paths.Run("python3", $"examples/python/lens_blur.py \"{Paths.Library}\" {dir}/i.raw {dir}/d.raw {w} {h} {dw} {dh} 0.9 14 6 {dir}/o.raw");
            Assert.That(code, Is.EqualTo(0), output);
            var got = File.ReadAllBytes(Path.Combine(dir, "o.raw"));

            var img = PixelCodec.WithArray(image, w, h, PixelFormat.Rgba8, b => PixelCodec.ReadImage(b));
            using var engine = new Engine.Engine(new Engine.EngineOptions { Backend = Engine.BackendKind.Cpu });
            var res = engine.LensBlur(img, new Plane(dw, dh, depth), new Core.LensBlur.LensBlurOptions { Focus = 0.9f, Aperture = 14, Blades = 6 }, Progress.None);
            var want = new byte[image.Length];
            PixelCodec.WithArray(want, w, h, PixelFormat.Rgba8, b => { PixelCodec.WriteImage(res, b); return 0; });
            Assert.That(got, Is.EqualTo(want));
            Assert.That(got, Is.Not.EqualTo(image), "the far half is blurred");
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>The published library refines on Vulkan (lavapipe in CI) and agrees with its own CPU backend; tiled equals untiled.</summary>
    [Test]
    public void PublishedLibraryRunsOnVulkan()
    {
        var (code, output) = Paths.Run("python3", $"tests/native/vulkan_check.py \"{Paths.Library}\"");
        TestContext.Out.WriteLine(output);
        if (code != 0 && Environment.GetEnvironmentVariable("DEPTHPLUGINS_SKIP_VULKAN") == "1")
            Assert.Ignore($"no Vulkan here (DEPTHPLUGINS_SKIP_VULKAN=1): {output}");
        Assert.That(code, Is.EqualTo(0), output);
        Assert.That(output, Does.StartWith("OK"));
    }

    /// <summary>Python refines through the .so; the managed engine refines the same pixels in-process; results must be identical.</summary>
    [TestCase("jbf", RefineMethod.JointBilateral, 57, 43, 57, 43)]
    [TestCase("guided", RefineMethod.Guided, 57, 43, 15, 11)]
    [TestCase("jbu", RefineMethod.JointBilateralUpsampling, 57, 43, 15, 11)]
    [TestCase("fdkn", RefineMethod.Fdkn, 57, 43, 15, 11)]
    public void PythonThroughTheLibraryEqualsManagedEngine(string name, RefineMethod method, int w, int h, int dw, int dh)
    {
        string? weights = null;
        if (method == RefineMethod.Fdkn)
        {
            // The authors' weights (GPL, evaluation only) live outside the repository.
            weights = Path.GetFullPath(Path.Combine(Paths.RepoRoot, "..", "shared", "data", "dkn_fdkn_weights", "FDKN_8x.safetensors"));
            if (!File.Exists(weights)) Assert.Ignore($"{weights} is absent (shared evaluation data); FDKN through Python not checked");
            name = "fdkn:" + weights;
        }
        var rng = new Random(7);
        var guide = new byte[w * h * 4];
        rng.NextBytes(guide);
        for (int i = 3; i < guide.Length; i += 4) guide[i] = 255;
        var depth = new float[dw * dh];
        for (int i = 0; i < depth.Length; i++) depth[i] = rng.NextDouble() < 0.05 ? 0f : rng.NextSingle();
        string dir = Directory.CreateTempSubdirectory("dp_py").FullName;
        try
        {
            File.WriteAllBytes(Path.Combine(dir, "g.raw"), guide);
            File.WriteAllBytes(Path.Combine(dir, "d.raw"), MemoryMarshal.AsBytes(depth.AsSpan()).ToArray());
            var (code, output) = Paths.Run("python3", $"examples/python/refine_depth.py \"{Paths.Library}\" {dir}/g.raw {dir}/d.raw {w} {h} {dw} {dh} \"{name}\" {dir}/o.raw");
            Assert.That(code, Is.EqualTo(0), output);
            var got = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(Path.Combine(dir, "o.raw"))).ToArray();

            var guideImg = PixelCodec.WithArray(guide, w, h, PixelFormat.Rgba8, b => PixelCodec.ReadImage(b));
            var depthPlane = new Plane(dw, dh, depth);
            using var engine = new Engine.Engine(new Engine.EngineOptions { Backend = Engine.BackendKind.Cpu });
            var want = engine.Refine(guideImg, depthPlane, new RefineOptions { Method = method, WeightsPath = weights }, Progress.None);
            if (method == RefineMethod.Fdkn)
            {
                // The library is built for baseline x86-64 (no FMA, 128-bit vectors), the test host JIT-compiles for
                // this CPU: FDKN's convolutions round differently, so equal only to float accumulation error.
                double worst = got.Zip(want.Data, (a, b) => Math.Abs((double)a - b)).Max();
                Assert.That(worst, Is.LessThan(1e-5), "library vs managed engine");
            }
            else Assert.That(got, Is.EqualTo(want.Data));
        }
        finally { Directory.Delete(dir, true); }
    }
}

using NUnit.Framework;
using DepthPlugins.Core;
using DepthPlugins.Core.Imaging;
using DepthPlugins.Core.Processing;
using DepthPlugins.Core.Refinement;
using DepthPlugins.Engine;

namespace DepthPlugins.Vulkan.Tests;

/// <summary>Backend choice, device choice, fallback to the CPU, concurrency and the on-disk pipeline cache.</summary>
[NonParallelizable]
public class EngineTests
{
    static readonly RawPathTests.Formats F = new(PixelFormat.Rgba8, AlphaMode.Straight, PixelFormat.GrayF32, PixelFormat.GrayF32, false, true);

    [Test]
    public void VulkanBackendRunsOnTheDevice()
    {
        _ = Gpu.Device; // fails (or skips) with the reason when there is no device
        using var e = new Engine.Engine(new EngineOptions { Backend = BackendKind.Vulkan });
        Assert.That(e.BackendName, Is.EqualTo("vulkan"));
        Assert.That(e.Device, Is.Not.Null);
    }

    [Test]
    public void ListDevicesNamesEachDevice()
    {
        _ = Gpu.Device;
        var (devices, error) = Engine.Engine.ListDevices();
        Assert.That(error, Is.Null);
        Assert.That(devices, Is.Not.Empty);
        for (int i = 0; i < devices.Count; i++)
        {
            Assert.That(devices[i].Index, Is.EqualTo(i));
            Assert.That(devices[i].Name, Is.Not.Empty);
            Assert.That(devices[i].Type, Is.AnyOf("discrete", "integrated", "virtual", "cpu", "other"));
        }
    }

    [Test]
    public void AutoSkipsSoftwareDevicesUnlessChosen()
    {
        _ = Gpu.Device;
        var (devices, _) = Engine.Engine.ListDevices();
        using (var auto = new Engine.Engine(new EngineOptions()))
        {
            bool onlySoftware = devices.All(d => d.Type == "cpu");
            Assert.That(auto.BackendName, Is.EqualTo(onlySoftware ? "cpu" : "vulkan"));
            if (onlySoftware) Assert.That(auto.BackendNote, Does.Contain("software"));
        }
        using (var chosen = new Engine.Engine(new EngineOptions { DeviceIndex = 0 }))
            Assert.That(chosen.BackendName, Is.EqualTo("vulkan"), "a device chosen by index is used even if it is software");
        WithEnv(DeviceChoice.EnvironmentVariable, devices[0].Name, () =>
        {
            using var env = new Engine.Engine(new EngineOptions());
            Assert.That(env.BackendName, Is.EqualTo("vulkan"), "a device chosen through the environment is used");
            Assert.That(env.Device!.Name, Is.EqualTo(devices[0].Name));
        });
    }

    [Test]
    public void BadDeviceChoiceIsAClearError()
    {
        _ = Gpu.Device;
        var e = Assert.Throws<DpException>(() => new Engine.Engine(new EngineOptions { Backend = BackendKind.Vulkan, DeviceIndex = 99 }));
        Assert.That(e!.Status, Is.EqualTo(DpStatus.InvalidArgument));
        Assert.That(e.Message, Does.Contain("99"));
        e = Assert.Throws<DpException>(() => new Engine.Engine(new EngineOptions { Backend = BackendKind.Vulkan, DeviceName = "no-such-gpu" }));
        Assert.That(e!.Message, Does.Contain("no-such-gpu"));
    }

    /// <summary>The loader reads VK_DRIVER_FILES / VK_ICD_FILENAMES at each vkCreateInstance, so pointing them at a missing
    /// file in-process (in the native environment: setenv) leaves it with no driver for the engines created meanwhile.</summary>
    [Test]
    public void NoVulkanDriverFallsBackToCpu()
    {
        const string missing = "/nonexistent/depthplugins-test-icd.json";
        WithEnv("VK_DRIVER_FILES", missing, () => WithEnv("VK_ICD_FILENAMES", missing, () =>
        {
            using (var auto = new Engine.Engine(new EngineOptions { Backend = BackendKind.Auto, DeviceIndex = 0 }))
            {
                Assert.That(auto.BackendName, Is.EqualTo("cpu"));
                Assert.That(auto.BackendNote, Is.Not.Null.And.Contains("Vulkan"));
                var (guide, depth) = Core.Tests.TestData.Scene(20, 10, 1);
                Assert.That(auto.Refine(guide, depth, new RefineOptions(), Progress.None).Width, Is.EqualTo(20));
            }
            var e = Assert.Throws<DpException>(() => new Engine.Engine(new EngineOptions { Backend = BackendKind.Vulkan }));
            Assert.That(e!.Status, Is.EqualTo(DpStatus.Unsupported));
            Assert.That(e.Message, Does.Contain("Vulkan"));
            var (devices, error) = Engine.Engine.ListDevices();
            Assert.That(devices, Is.Empty);
            Assert.That(error, Is.Not.Null);
        }));
        // And the driver is found again afterwards: the override really was what removed it.
        using var again = new Engine.Engine(new EngineOptions { Backend = BackendKind.Vulkan });
        Assert.That(again.BackendName, Is.EqualTo("vulkan"));
    }

    [Test]
    public void OutOfDeviceMemoryFallsBackWhenAsked()
    {
        _ = Gpu.Device;
        var (guide, depth) = RawPathTests.Inputs(F, 64, 48, 64, 48, 9);
        using (guide)
        using (depth)
        using (var viaFallback = new TestBuffer(64, 48, PixelFormat.GrayF32))
        using (var cpu = new TestBuffer(64, 48, PixelFormat.GrayF32))
        {
            var o = RawPathTests.Options(RefineMethod.Guided, F);
            using var strict = new Engine.Engine(new EngineOptions { Backend = BackendKind.Vulkan, DeviceMemoryBudgetBytes = 1024 });
            var e = Assert.Throws<DpException>(() => strict.RefineRaw(guide.Buffer, depth.Buffer, viaFallback.Buffer, o, Progress.None));
            Assert.That(e!.Status, Is.EqualTo(DpStatus.OutOfMemory));

            using var lenient = new Engine.Engine(new EngineOptions { Backend = BackendKind.Vulkan, DeviceMemoryBudgetBytes = 1024, FallbackToCpu = true });
            lenient.RefineRaw(guide.Buffer, depth.Buffer, viaFallback.Buffer, o, Progress.None);
            using var cpuEngine = new Engine.Engine(new EngineOptions { Backend = BackendKind.Cpu });
            cpuEngine.RefineRaw(guide.Buffer, depth.Buffer, cpu.Buffer, o, Progress.None);
            Assert.That(viaFallback.Bytes(), Is.EqualTo(cpu.Bytes()));
        }
    }

    [Test]
    public void ConcurrentCallsOnOneEngineGiveSequentialResults()
    {
        _ = Gpu.Device;
        using var engine = new Engine.Engine(new EngineOptions { Backend = BackendKind.Vulkan, DeviceMemoryBudgetBytes = 512 << 10 });
        var methods = Enum.GetValues<RefineMethod>();
        var inputs = Enumerable.Range(0, 6).Select(i => RawPathTests.Inputs(F, 90, 70, i % 2 == 0 ? 90 : 30, i % 2 == 0 ? 70 : 25, 100 + i)).ToArray();
        try
        {
            byte[] Run(int i)
            {
                using var o = new TestBuffer(90, 70, PixelFormat.GrayF32);
                engine.RefineRaw(inputs[i].Guide.Buffer, inputs[i].Depth.Buffer, o.Buffer, RawPathTests.Options(methods[i % 3], F), Progress.None);
                return o.Bytes();
            }
            var sequential = Enumerable.Range(0, inputs.Length).Select(Run).ToArray();
            var parallel = new byte[inputs.Length][];
            Parallel.For(0, inputs.Length, new ParallelOptions { MaxDegreeOfParallelism = 6 }, i => parallel[i] = Run(i));
            for (int i = 0; i < inputs.Length; i++) Assert.That(parallel[i], Is.EqualTo(sequential[i]), $"call {i}");
        }
        finally
        {
            foreach (var (g, d) in inputs) { g.Dispose(); d.Dispose(); }
        }
    }

    [Test]
    public void PipelineCacheIsSavedUnderXdgCacheHome()
    {
        _ = Gpu.Device;
        var dir = Path.Combine(Path.GetTempPath(), $"dp-cache-{Guid.NewGuid():N}");
        try
        {
            WithEnv("XDG_CACHE_HOME", dir, () =>
            {
                using (var kernels = new VulkanRefineKernels(new VulkanDevice(new DeviceChoice()))) // disposes its buffers, then the device
                {
                    var (guide, depth) = Core.Tests.TestData.Scene(9, 9, 2);
                    kernels.JointBilateral(guide, depth, new JointBilateralParams(1, 1f, 0.1f), new DepthValidity(true), Progress.None);
                }
                var files = Directory.GetFiles(Path.Combine(dir, "depthplugins"), "vulkan-pipelines-*.bin");
                Assert.That(files, Has.Length.EqualTo(1));
                // At least the VkPipelineCacheHeaderVersionOne (lavapipe keeps only that; real drivers add the pipelines).
                var bytes = File.ReadAllBytes(files[0]);
                Assert.That(bytes, Has.Length.GreaterThanOrEqualTo(32));
                Assert.That(BitConverter.ToUInt32(bytes, 4), Is.EqualTo(1), "header version one");
                // A second device starts from the saved cache (its header matches), and a corrupt file is ignored.
                using (new VulkanDevice(new DeviceChoice())) { }
                File.WriteAllBytes(files[0], new byte[] { 1, 2, 3 });
                using (new VulkanDevice(new DeviceChoice())) { }
            });
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    /// <summary>Sets a variable for the body in both the managed and the native environment (the Vulkan loader calls getenv).</summary>
    static void WithEnv(string name, string? value, Action body)
    {
        var old = Environment.GetEnvironmentVariable(name);
        Set(name, value);
        try { body(); }
        finally { Set(name, old); }
    }

    static void Set(string name, string? value)
    {
        Environment.SetEnvironmentVariable(name, value);
        if (value == null) unsetenv(name);
        else setenv(name, value, 1);
    }

    [System.Runtime.InteropServices.DllImport("libc", CharSet = System.Runtime.InteropServices.CharSet.Ansi)]
    static extern int setenv(string name, string value, int overwrite);

    [System.Runtime.InteropServices.DllImport("libc", CharSet = System.Runtime.InteropServices.CharSet.Ansi)]
    static extern int unsetenv(string name);
}

using DepthPlugins.Core;
using DepthPlugins.Core.Imaging;
using DepthPlugins.Core.LensBlur;
using DepthPlugins.Core.Processing;
using DepthPlugins.Core.Refinement;
using DepthPlugins.Inference;
using DepthPlugins.Vulkan;

namespace DepthPlugins.Engine;

/// <summary>
/// Everything one <c>dp_context</c> holds. Thread-safe: operations may run concurrently on one engine
/// (CPU kernels are stateless; the Vulkan kernels serialise their use of the device).
/// </summary>
public sealed class Engine : IDisposable
{
    readonly VulkanRefineKernels? _vulkan;
    readonly VulkanLensBlurKernels? _vulkanLensBlur;

    public Engine(EngineOptions options)
    {
        if (options.Threads < 0) throw DpException.Invalid($"threads {options.Threads} must be ≥ 0 (0 = all cores)");
        if (!Enum.IsDefined(options.Backend)) throw DpException.Invalid($"unknown backend {(int)options.Backend}");
        if (options.DeviceMemoryBudgetBytes <= 0) throw DpException.Invalid($"device memory budget {options.DeviceMemoryBudgetBytes} must be positive");
        if (options.DeviceIndex < -1) throw DpException.Invalid($"device index {options.DeviceIndex} must be ≥ 0, or −1 to choose");
        Options = options;
        Parallelism = new Parallelism(options.Threads);
        Cpu = new CpuRefineKernels(Parallelism);
        if (options.Backend != BackendKind.Cpu)
        {
            try
            {
                var device = new VulkanDevice(new DeviceChoice(options.DeviceIndex, options.DeviceName), allowSoftware: options.Backend == BackendKind.Vulkan);
                _vulkan = new VulkanRefineKernels(device, options.DeviceMemoryBudgetBytes, Parallelism);
                _vulkanLensBlur = new VulkanLensBlurKernels(device, options.DeviceMemoryBudgetBytes);
            }
            catch (DpException e) when (options.Backend == BackendKind.Auto)
            {
                BackendNote = e.Message; // auto: the CPU it is, and `depthplugins info` can say why
            }
        }
        RefineKernels = _vulkan ?? (IRefineKernels)Cpu;
        CpuLensBlur = new CpuLensBlurKernels(Parallelism);
        LensBlurKernels = _vulkanLensBlur ?? (ILensBlurKernels)CpuLensBlur;
    }

    public EngineOptions Options { get; }
    public Parallelism Parallelism { get; }
    public CpuRefineKernels Cpu { get; }
    /// <summary>The kernels refinement runs on (the selected backend).</summary>
    public IRefineKernels RefineKernels { get; }
    /// <summary>The kernels lens blur runs on (the selected backend).</summary>
    public ILensBlurKernels LensBlurKernels { get; }
    public CpuLensBlurKernels CpuLensBlur { get; }
    public string BackendName => RefineKernels.Name;
    /// <summary>The Vulkan device in use, if any.</summary>
    public VulkanDeviceInfo? Device => _vulkan?.Device.Info;
    /// <summary>Why <see cref="BackendKind.Auto"/> fell back to the CPU (null when it did not).</summary>
    public string? BackendNote { get; }

    /// <summary>The Vulkan devices present (index, name, type, driver), and why the list is empty when it is.</summary>
    public static (IReadOnlyList<VulkanDeviceInfo> Devices, string? Error) ListDevices() => VulkanDevice.List();

    public Plane Refine(Image guide, Plane depth, RefineOptions options, Progress progress)
    {
        if (_vulkan == null) return DepthRefiner.Refine(Cpu, guide, depth, options, progress);
        try { return DepthRefiner.Refine(_vulkan, guide, depth, options, progress); }
        catch (DpException e) when (ShouldFallBack(e)) { return DepthRefiner.Refine(Cpu, guide, depth, options, progress); }
    }

    /// <summary>
    /// Refines from caller buffers into a caller buffer (what dp_refine_depth does). On Vulkan the raw bytes go to the device
    /// and every conversion runs there; on the CPU they are read into planes first. <paramref name="depthOut"/> is written
    /// only on success and may alias <paramref name="depthIn"/>.
    /// </summary>
    public void RefineRaw(in PixelBuffer guide, in PixelBuffer depthIn, in PixelBuffer depthOut, RefineOptions options, Progress progress)
    {
        if (_vulkan != null && VulkanRefineKernels.HasRawPath(options.Method))
        {
            try
            {
                _vulkan.RefineRaw(guide, depthIn, depthOut, options, progress);
                return;
            }
            catch (DpException e) when (ShouldFallBack(e)) { }
        }
        // Inputs are copied into managed planes first, so depthOut may alias depthIn.
        var g = PixelCodec.ReadImage(guide);
        var d = PixelCodec.ReadDepth(depthIn);
        var result = Refine(g, d, options, progress);
        PixelCodec.WriteDepth(result, depthOut);
    }

    bool ShouldFallBack(DpException e) => Options.FallbackToCpu && e.Status is DpStatus.Device or DpStatus.OutOfMemory;

    /// <summary>Depth of field from <paramref name="image"/> and <paramref name="depth"/> (which may be smaller); see <see cref="LensBlurRenderer"/>.</summary>
    public Image LensBlur(Image image, Plane depth, LensBlurOptions options, Progress progress)
    {
        if (_vulkanLensBlur == null) return LensBlurRenderer.Render(CpuLensBlur, image, depth, options, progress, Parallelism);
        try { return LensBlurRenderer.Render(_vulkanLensBlur, image, depth, options, progress, Parallelism); }
        catch (DpException e) when (ShouldFallBack(e)) { return LensBlurRenderer.Render(CpuLensBlur, image, depth, options, progress, Parallelism); }
    }

    /// <summary>
    /// Lens blur from caller buffers into a caller buffer (what dp_lens_blur does). On Vulkan, with a depth map of the
    /// image's size, the raw bytes go to the device and every step runs there (<see cref="VulkanLensBlurKernels.LensBlurRaw"/>);
    /// on the CPU, 8-bit RGBA/BGRA buffers are decoded and encoded directly (<see cref="LensBlurRawCpu"/>); otherwise they
    /// are read into planes first. <paramref name="output"/> is written only on success and may alias
    /// <paramref name="image"/>.
    /// </summary>
    public void LensBlurRaw(in PixelBuffer image, in PixelBuffer depth, in PixelBuffer output, LensBlurOptions options, Progress progress)
    {
        if (_vulkanLensBlur != null && depth.Width == image.Width && depth.Height == image.Height)
        {
            try
            {
                _vulkanLensBlur.LensBlurRaw(image, depth, output, options, progress);
                return;
            }
            catch (DpException e) when (ShouldFallBack(e)) { }
        }
        if (LensBlurRawCpu.Supports(image, depth, output))
        {
            LensBlurRawCpu.Render(CpuLensBlur, image, depth, output, options, progress, Parallelism);
            return;
        }
        // Inputs are copied into managed planes first, so output may alias image.
        var picture = PixelCodec.ReadImage(image);
        var depthPlane = PixelCodec.ReadDepth(depth);
        var result = LensBlur(picture, depthPlane, options, progress);
        PixelCodec.WriteImage(result, output);
    }

    /// <summary>Depth models loaded by this engine (one ONNX Runtime session per model file and provider).</summary>
    public DepthModelCache Models { get; } = new();

    /// <summary>
    /// Monocular depth for <paramref name="photo"/> with the model at a path, or a manifest name installed in the
    /// user's model directory (<see cref="ModelCatalog.Resolve"/>). The session is loaded once and reused; refinement
    /// runs on this engine's kernels.
    /// </summary>
    public Plane EstimateDepth(string model, Image photo, DepthOptions options, Progress progress)
    {
        options.Validate();
        DepthEstimator.CheckPhoto(photo); // before a possibly slow model load
        progress.Report(0f);
        var path = ModelCatalog.Resolve(model);
        using var lease = Models.Acquire(path, new SessionSettings(options.Provider, options.DeviceId, Options.Threads));
        progress.Report(0.05f);
        return DepthEstimator.Estimate(lease.Model, photo, options, RefineKernels, progress.Stage(0.05f, 1f));
    }

    public void Dispose()
    {
        Models.Dispose();
        _vulkanLensBlur?.Dispose(); // before the refine kernels, which own the device
        _vulkan?.Dispose();
    }
}

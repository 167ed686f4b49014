using DepthPlugins.Core;
using DepthPlugins.Core.Imaging;
using DepthPlugins.Core.Processing;
using DepthPlugins.Core.Refinement;
using DepthPlugins.Inference;

namespace DepthPlugins.Engine;

/// <summary>
/// Everything one <c>dp_context</c> holds. Thread-safe: operations may run concurrently on one engine
/// (kernels are stateless or lock what they share).
/// </summary>
public sealed class Engine : IDisposable
{
    public Engine(EngineOptions options)
    {
        if (options.Threads < 0) throw DpException.Invalid($"threads {options.Threads} must be ≥ 0 (0 = all cores)");
        if (!Enum.IsDefined(options.Backend)) throw DpException.Invalid($"unknown backend {(int)options.Backend}");
        Options = options;
        Parallelism = new Parallelism(options.Threads);
        Cpu = new CpuRefineKernels(Parallelism);
        if (options.Backend == BackendKind.Vulkan)
            throw new DpException(DpStatus.Unsupported, "the Vulkan backend is not available in this build");
        RefineKernels = Cpu;
    }

    public EngineOptions Options { get; }
    public Parallelism Parallelism { get; }
    public CpuRefineKernels Cpu { get; }
    /// <summary>The kernels refinement runs on (the selected backend).</summary>
    public IRefineKernels RefineKernels { get; }
    public string BackendName => RefineKernels.Name;

    public Plane Refine(Image guide, Plane depth, RefineOptions options, Progress progress)
        => DepthRefiner.Refine(RefineKernels, guide, depth, options, progress);

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

    public void Dispose() => Models.Dispose();
}

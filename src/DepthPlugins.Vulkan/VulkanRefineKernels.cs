using System.Runtime.InteropServices;
using DepthPlugins.Core;
using DepthPlugins.Core.Deformable;
using DepthPlugins.Core.Imaging;
using DepthPlugins.Core.Processing;
using DepthPlugins.Core.Refinement;

namespace DepthPlugins.Vulkan;

/// <summary>
/// The refinement kernels on a Vulkan device: the same definitions as <see cref="CpuRefineKernels"/> (which the tests
/// hold them to), tiled within a device-memory budget. Besides the plane-based <see cref="IRefineKernels"/> methods,
/// <see cref="RefineRaw"/> takes the caller's pixel buffers as they are and does format conversion on the GPU.
/// Thread-safe: operations from several threads run one after another on the device (one budget, one queue). The
/// buffers of the largest recent operation stay allocated (up to the budget) until disposal, so a series of calls
/// does not pay for allocation each time.
/// </summary>
public sealed class VulkanRefineKernels : IRefineKernels, IDisposable
{
    /// <summary>Default device-memory budget per operation (device-local buffers plus staging).</summary>
    public const long DefaultBudgetBytes = 1L << 30;

    readonly object _run = new();
    // Device buffers of the last operation, reused by the next one that fits (kept until Dispose).
    readonly JobCache _jobs = new();

    public VulkanRefineKernels(VulkanDevice device, long budgetBytes = DefaultBudgetBytes)
    {
        if (budgetBytes <= 0) throw DpException.Invalid($"device memory budget {budgetBytes} must be positive");
        Device = device;
        BudgetBytes = budgetBytes;
    }

    public VulkanDevice Device { get; }
    public long BudgetBytes { get; }
    public string Name => "vulkan";

    public Plane JointBilateral(Image guide, Plane depth, JointBilateralParams p, DepthValidity validity, Progress progress)
    {
        if (guide.Width != depth.Width || guide.Height != depth.Height) throw DpException.Invalid("guide and depth sizes differ");
        if (p.Radius < 0 || p.SigmaSpatial <= 0 || p.SigmaRange <= 0) throw DpException.Invalid("joint bilateral: radius ≥ 0 and sigmas > 0 required");
        return RunPlanes(guide, depth, RefineMethod.JointBilateral, p.Radius, p.SigmaSpatial, p.SigmaRange, 0, validity, progress);
    }

    public Plane Guided(Image guide, Plane depth, GuidedParams p, DepthValidity validity, Progress progress)
    {
        if (p.Radius < 0 || !(p.Eps > 0)) throw DpException.Invalid("guided filter: radius ≥ 0 and eps > 0 required");
        CheckNotLarger(guide, depth);
        return RunPlanes(guide, depth, RefineMethod.Guided, p.Radius, 0, 0, p.Eps, validity, progress);
    }

    public Plane Fdkn(FdknModel model, Plane guideLuma, Plane target, Progress progress) => FdknTimed(model, guideLuma, target, progress).Result;

    /// <summary>FDKN on the device (<see cref="FdknJob"/>) with the GPU time of its passes (FilterMs = ComputeMs: every
    /// pass is FDKN's; Tiles = strips).</summary>
    public (Plane Result, GpuTiming Timing) FdknTimed(FdknModel model, Plane guideLuma, Plane target, Progress progress)
    {
        var (guide, padded) = FdknModel.PrepareInputs(guideLuma, target);
        lock (_run) return new FdknJob(Device, model, guide, padded, target.Width, target.Height).Run((ulong)BudgetBytes, progress, _jobs);
    }

    /// <summary>The deformable weighted average on the device (deformable.comp; <see cref="DeformableFilter.Apply"/> on
    /// the CPU), for a whole image whose buffers fit the budget.</summary>
    public Plane Deformable(Plane target, DeformableKernels kernels, DeformableParams p)
    {
        p.Validate();
        if (kernels.Width != target.Width || kernels.Rows != target.Height || kernels.Taps != p.Taps)
            throw DpException.Invalid("deformable kernels do not match the target or the parameters");
        lock (_run) return FdknJob.Deformable(Device, target, kernels, p, (ulong)BudgetBytes, _jobs);
    }

    public Plane JointBilateralUpsample(Image guide, Plane depth, JbuParams p, DepthValidity validity, Progress progress)
    {
        if (p.Radius < 0 || p.SigmaSpatial <= 0 || p.SigmaRange <= 0) throw DpException.Invalid("joint bilateral upsampling: radius ≥ 0 and sigmas > 0 required");
        CheckNotLarger(guide, depth);
        return RunPlanes(guide, depth, RefineMethod.JointBilateralUpsampling, p.Radius, p.SigmaSpatial, p.SigmaRange, 0, validity, progress);
    }

    static void CheckNotLarger(Image guide, Plane depth)
    {
        if (depth.Width > guide.Width || depth.Height > guide.Height)
            throw DpException.Invalid($"depth {depth.Width}x{depth.Height} is larger than the guide {guide.Width}x{guide.Height}");
    }

    /// <summary>The methods <see cref="RefineRaw"/> runs entirely on the device; the others go through the planes path.</summary>
    public static bool HasRawPath(RefineMethod m) => m is RefineMethod.JointBilateral or RefineMethod.Guided or RefineMethod.JointBilateralUpsampling;

    /// <summary>
    /// Refines (and upsamples) straight from caller buffers, as <see cref="DepthRefiner.Refine"/> followed by
    /// <see cref="PixelCodec.WriteDepth"/> would: the host copies the caller's bytes once into staging; decoding,
    /// guide preparation, filtering, unknown-value mapping and encoding run on the device. <paramref name="output"/>
    /// (guide-sized) is written only on success and may alias <paramref name="depth"/>.
    /// </summary>
    public GpuTiming RefineRaw(in PixelBuffer guide, in PixelBuffer depth, in PixelBuffer output, RefineOptions options, Progress progress)
    {
        var o = options.Resolve();
        if (!HasRawPath(o.Method)) throw new DpException(DpStatus.Unsupported, $"refine method {o.Method} has no Vulkan raw-buffer path");
        guide.Validate("guide");
        depth.Validate("depth");
        output.Validate("output");
        if (depth.Width > guide.Width || depth.Height > guide.Height)
            throw DpException.Invalid($"depth {depth.Width}x{depth.Height} is larger than the guide {guide.Width}x{guide.Height}");
        if (output.Width != guide.Width || output.Height != guide.Height)
            throw DpException.Invalid($"output is {output.Width}x{output.Height} but the result is {guide.Width}x{guide.Height}");
        var spec = new RefineSpec([guide], true, o.GreyGuide, depth, output, true, o.Method, o.Radius, o.SigmaSpatial, o.SigmaRange, o.Eps, o.ZeroIsInvalid);
        return Run(spec, progress);
    }

    GpuTiming Run(RefineSpec spec, Progress progress)
    {
        lock (_run) return new RefineJob(Device, spec).Run((ulong)BudgetBytes, progress, _jobs);
    }

    /// <summary>Runs a kernel on prepared planes: each plane is handed to the device as a GrayF32 buffer (no conversion).</summary>
    Plane RunPlanes(Image guide, Plane depth, RefineMethod method, int radius, float ss, float sr, float eps, DepthValidity validity, Progress progress)
    {
        var result = new Plane(guide.Width, guide.Height);
        var arrays = guide.Channels.Select(c => c.Data).Append(depth.Data).Append(result.Data).ToArray();
        var handles = arrays.Select(a => GCHandle.Alloc(a, GCHandleType.Pinned)).ToArray();
        try
        {
            PixelBuffer Buf(int i, int w, int h) => new(handles[i].AddrOfPinnedObject(), w, h, 4L * w, PixelFormat.GrayF32);
            int nc = guide.Channels.Length;
            var planes = Enumerable.Range(0, nc).Select(i => Buf(i, guide.Width, guide.Height)).ToArray();
            // A one-plane guide still goes through the multi-buffer path, so it is never treated as a colour buffer.
            var spec = new RefineSpec(planes, false, false, Buf(nc, depth.Width, depth.Height), Buf(nc + 1, guide.Width, guide.Height), false,
                method, radius, ss, sr, eps, validity.ZeroIsInvalid);
            Run(spec, progress);
            return result;
        }
        finally
        {
            foreach (var h in handles) h.Free();
        }
    }

    public void Dispose()
    {
        lock (_run) _jobs.Dispose();
        Device.Dispose();
    }
}

using DepthPlugins.Core;
using DepthPlugins.Core.Imaging;
using DepthPlugins.Core.LensBlur;
using DepthPlugins.Core.Processing;

namespace DepthPlugins.Vulkan;

/// <summary>
/// The lens-blur compositing of <see cref="CpuLensBlurKernels"/> on a Vulkan device (the tests hold the two together).
/// The whole image lives on the device; per depth layer, back to front, one pass builds the layer-weighted values and
/// their segment prefix sums over the blocks the layer's gathers read (lensblur_prefix.comp), and one pass gathers with
/// the layer's bokeh and composites over the output tiles the layer reaches (lensblur_gather.comp); a last pass divides
/// by the coverage and marks untouched pixels (lensblur_finish.comp). Which tiles and blocks a layer needs comes from
/// <see cref="LayerPresence"/>, so the work follows the layers, not layers × image. Layers of large radius are blurred
/// on a coarser grid (<see cref="LayerKernel"/>): splatted there by the prefix pass, gathered, and interpolated back and
/// composited by lensblur_upsample.comp. <see cref="LensBlurRaw"/> also runs the preparation and the finish on the
/// device, from the caller's bytes to the caller's bytes.
/// Thread-safe: calls run one after another on the device. The device buffers of the largest recent call are kept for
/// the next one until disposal; the device itself belongs to the caller.
/// </summary>
public sealed class VulkanLensBlurKernels(VulkanDevice device, long budgetBytes = VulkanRefineKernels.DefaultBudgetBytes) : ILensBlurKernels, IDisposable
{
    readonly object _run = new();
    readonly JobCache _jobs = new();

    public VulkanDevice Device { get; } = device;
    public long BudgetBytes { get; } = budgetBytes > 0 ? budgetBytes : throw DpException.Invalid($"device memory budget {budgetBytes} must be positive");
    public string Name => "vulkan";

    /// <summary>Device time of the last call, from the device's timestamps (zeros without them): host-to-device copies,
    /// the compute passes, device-to-host copies.</summary>
    public LensBlurGpuTiming LastTiming { get; private set; }

    /// <summary>Compute time of the last call's passes (<see cref="LastTiming"/>).</summary>
    public double LastGpuMs => LastTiming.ComputeMs;

    public LensBlurComposite Composite(LensBlurScene scene, Progress progress)
    {
        lock (_run)
        {
            var job = new LensBlurJob(Device, scene);
            var result = job.Run((ulong)BudgetBytes, progress, _jobs);
            LastTiming = job.Timing;
            return result;
        }
    }

    /// <summary>
    /// A whole lens blur from caller buffers (<see cref="LensBlurRawJob"/>): the result equals <see
    /// cref="PixelCodec.ReadImage"/>, <see cref="LensBlurRenderer.Render"/> with the CPU kernels and <see
    /// cref="PixelCodec.WriteImage"/> up to float rounding. The depth must have the image's size. <paramref name="output"/>
    /// is written only on success and may alias <paramref name="image"/>.
    /// </summary>
    public void LensBlurRaw(in PixelBuffer image, in PixelBuffer depth, in PixelBuffer output, LensBlurOptions options, Progress progress)
    {
        image.Validate("image");
        depth.Validate("depth");
        output.Validate("out");
        if (depth.Width != image.Width || depth.Height != image.Height)
            throw DpException.Invalid($"depth {depth.Width}x{depth.Height} must have the image's size {image.Width}x{image.Height} here");
        if (output.Width != image.Width || output.Height != image.Height)
            throw DpException.Invalid($"out is {output.Width}x{output.Height}; it must have the image's size {image.Width}x{image.Height}");
        options.Validate(image.Width, image.Height);
        lock (_run)
        {
            var job = new LensBlurRawJob(Device, image, depth, output, options);
            job.Run((ulong)BudgetBytes, progress, _jobs);
            LastTiming = job.Timing;
            LastHostTiming = job.HostTiming;
            LastLayers = job.Layers;
        }
    }

    /// <summary>Host work of the last <see cref="LensBlurRaw"/>.</summary>
    public LensBlurHostTiming LastHostTiming { get; private set; }

    /// <summary>Layers of the last <see cref="LensBlurRaw"/>.</summary>
    public int LastLayers { get; private set; }

    public void Dispose()
    {
        lock (_run) _jobs.Dispose();
    }
}

/// <summary>A named range of the arena or staging buffer, aligned for storage-buffer binding.</summary>
sealed class Layout(ulong align)
{
    public readonly Dictionary<string, Slice> Slices = [];
    public ulong Size { get; private set; }

    public Slice Add(string name, ulong bytes)
    {
        var s = new Slice(Size, Math.Max(bytes, 16));
        Slices[name] = s;
        Size = (Size + s.Size + align - 1) / align * align;
        return s;
    }

    /// <summary>Throws when a buffer is larger than the device binds at once.</summary>
    public void CheckRanges(VulkanDevice dev, int w, int h)
    {
        foreach (var (name, sl) in Slices)
            if (sl.Size > dev.MaxStorageBufferRange)
                throw new DpException(DpStatus.OutOfMemory, $"Vulkan: the {w}x{h} image needs a {sl.Size >> 20} MiB '{name}' buffer, more than this device binds at once ({dev.MaxStorageBufferRange >> 20} MiB); use the CPU backend");
    }
}

/// <summary>One lens-blur composite of a prepared scene on the device (the <see cref="ILensBlurKernels"/> path): the
/// scene's planes and layer plan go up, the composite and the untouched mask come back.</summary>
sealed unsafe class LensBlurJob
{
    readonly VulkanDevice _dev;
    readonly LensBlurScene _s;
    readonly int _w, _h, _nc;
    readonly long _n;
    readonly bool _alpha;

    public LensBlurGpuTiming Timing { get; private set; }

    public LensBlurJob(VulkanDevice dev, LensBlurScene scene)
    {
        _dev = dev;
        _s = scene;
        _w = scene.Width;
        _h = scene.Height;
        _n = (long)_w * _h;
        _nc = scene.Colour.Length;
        _alpha = scene.Alpha != null;
        LensBlurPasses.CheckWorkgroups(dev);
    }

    public LensBlurComposite Run(ulong budget, Progress progress, JobCache cache)
    {
        var plan = _s.Layers;
        var kernels = new LayerKernel[plan.Count];
        Parallel.For(0, plan.Count, k => kernels[k] = new LayerKernel(plan.Radius(k), _s.Shape, _s.FullResolution));
        var presence = LayerPresence.Build(plan, Parallelism.Default);
        var tables = LayerTables.Build(presence, kernels, _w, _h);
        progress.Report(0.05f);

        ulong n = (ulong)_n;
        ulong lpCount = 2 * (ulong)tables.MaxPrefixPoints + (ulong)tables.MaxTotals, grid = (ulong)tables.MaxGridPoints;
        var a = new Layout(_dev.StorageAlignment);
        var colour = a.Add("colour", n * 4 * (ulong)_nc);
        var alpha = a.Add("alpha", _alpha ? n * 4 : 4);
        var lower = a.Add("lower", (n + 3) / 4 * 4);
        var upper = a.Add("upper", n * 4);
        var lp = a.Add("lp", lpCount * 16);
        var lpa = a.Add("lpa", _alpha ? lpCount * 4 : 4);
        var tab = a.Add("table", (ulong)tables.Table.Length * 4);
        var acc = a.Add("acc", n * 16);
        var cov = a.Add("cov", n * 8);
        var untouched = a.Add("untouched", n * 4);
        var g = a.Add("g", grid * 16);
        var ga = a.Add("ga", _alpha ? grid * 4 : 4);
        a.CheckRanges(_dev, _w, _h);
        // Staging: the uploads first; the downloads (colour, alpha, untouched) reuse it after the last pass.
        var st = new Layout(16);
        var stColour = st.Add("colour", colour.Size);
        var stAlpha = st.Add("alpha", alpha.Size);
        var stLower = st.Add("lower", lower.Size);
        var stUpper = st.Add("upper", upper.Size);
        var stTable = st.Add("table", tab.Size);
        ulong download = colour.Size + alpha.Size + untouched.Size + 64;
        ulong stagingBytes = Math.Max(st.Size, download);
        if (a.Size > _dev.MaxAllocation || stagingBytes > _dev.MaxAllocation || a.Size + stagingBytes > budget)
            throw new DpException(DpStatus.OutOfMemory, $"Vulkan: lens blur of {_w}x{_h} needs {(a.Size + stagingBytes) >> 20} MiB of device memory, more than the budget of {budget >> 20} MiB; use the CPU backend or raise the budget");

        var job = cache.Rent(_dev, a.Size, stagingBytes);
        try
        {
            byte* stg = job.Staging;
            for (int c = 0; c < _nc; c++)
                _s.Colour[c].Data.AsSpan().CopyTo(new Span<float>(stg + stColour.Offset + (ulong)c * n * 4, (int)_n));
            if (_alpha) _s.Alpha!.Data.AsSpan().CopyTo(new Span<float>(stg + stAlpha.Offset, (int)_n));
            new Span<byte>(stg + stLower.Offset, (int)lower.Size).Clear();
            plan.Lower.AsSpan().CopyTo(new Span<byte>(stg + stLower.Offset, (int)_n));
            plan.UpperWeight.AsSpan().CopyTo(new Span<float>(stg + stUpper.Offset, (int)_n));
            tables.Table.AsSpan().CopyTo(new Span<int>(stg + stTable.Offset, tables.Table.Length));

            var session = new SubmitSession(job);
            session.Begin(() =>
            {
                job.Upload(stColour.Offset, colour, colour.Size);
                job.Upload(stAlpha.Offset, alpha, alpha.Size);
                job.Upload(stLower.Offset, lower, lower.Size);
                job.Upload(stUpper.Offset, upper, upper.Size);
                job.Upload(stTable.Offset, tab, tab.Size);
            });
            var b = new LensBlurPasses.Buffers(colour, alpha, lower, upper, lp, lpa, tab, acc, cov, g, ga);
            LensBlurPasses.Record(session, tables, b, _w, _h, _nc, _alpha, plan.Center, progress, 0.05f, 0.95f);
            Span<byte> pb = stackalloc byte[(int)VulkanDevice.PushConstantBytes];
            // The colour and alpha inputs are not needed any more: the results go into their buffers.
            job.Dispatch("lensblur_finish", [acc, cov, lower, upper, colour, alpha, untouched],
                new Push(pb).Int(_w).Int(_h).Int(_nc).Int(_alpha ? 1 : 0).Int(plan.Center).Bytes, (uint)_w, (uint)_h);
            session.Downloads();
            job.Download(colour, 0, colour.Size);
            job.Download(alpha, colour.Size, alpha.Size);
            job.Download(untouched, colour.Size + alpha.Size, untouched.Size);
            session.End();
            Timing = session.Timing;
            progress.Report(0.97f);

            var outColour = new Plane[_nc];
            for (int c = 0; c < _nc; c++)
            {
                outColour[c] = new Plane(_w, _h);
                new Span<float>(stg + (ulong)c * n * 4, (int)_n).CopyTo(outColour[c].Data);
            }
            Plane? outAlpha = null;
            if (_alpha)
            {
                outAlpha = new Plane(_w, _h);
                new Span<float>(stg + colour.Size, (int)_n).CopyTo(outAlpha.Data);
            }
            var flags = new Span<uint>(stg + colour.Size + alpha.Size, (int)_n);
            var untouchedMask = new bool[_n];
            for (int i = 0; i < untouchedMask.Length; i++) untouchedMask[i] = flags[i] != 0;
            progress.Report(1f);
            return new LensBlurComposite(outColour, outAlpha, untouchedMask);
        }
        catch (DpException e) when (e.Status is DpStatus.Device or DpStatus.OutOfMemory)
        {
            cache.Clear();
            throw;
        }
    }
}

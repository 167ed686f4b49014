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
/// <see cref="LayerPresence"/>, so the work follows the layers, not layers × image.
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

    /// <summary>GPU time of the last <see cref="Composite"/> (all passes, from the device's timestamps; 0 without them).</summary>
    public double LastGpuMs { get; private set; }

    public LensBlurComposite Composite(LensBlurScene scene, Progress progress)
    {
        lock (_run)
        {
            var job = new LensBlurJob(Device, scene);
            var result = job.Run((ulong)BudgetBytes, progress, _jobs);
            LastGpuMs = job.GpuMs;
            return result;
        }
    }

    public void Dispose()
    {
        lock (_run) _jobs.Dispose();
    }
}

/// <summary>One lens-blur composite on the device: buffer layout, the per-layer tables, the passes.</summary>
sealed unsafe class LensBlurJob
{
    const int TileW = 16, TileH = 16, Seg = 64;
    /// <summary>Passes per submit: a submit's descriptor pool holds 64 sets.</summary>
    const int DispatchesPerSubmit = 60;

    readonly VulkanDevice _dev;
    readonly LensBlurScene _s;
    readonly int _w, _h, _nc, _wp, _nseg, _tw, _th, _seg;
    readonly long _n;
    readonly bool _alpha;

    public double GpuMs { get; private set; }

    public LensBlurJob(VulkanDevice dev, LensBlurScene scene)
    {
        _dev = dev;
        _s = scene;
        _w = scene.Width;
        _h = scene.Height;
        _n = (long)_w * _h;
        _nc = scene.Colour.Length;
        _alpha = scene.Alpha != null;
        var (gx, gy) = GpuJob.Workgroup(dev, TileW, TileH);
        var (sx, _) = GpuJob.Workgroup(dev, Seg, 1);
        (_tw, _th, _seg) = ((int)gx, (int)gy, (int)sx);
        if (_tw != TileW || _th != TileH || _seg != Seg)
            throw new DpException(DpStatus.Unsupported, $"Vulkan: lens blur needs {TileW}x{TileH} and {Seg}-wide workgroups, the device allows {_tw}x{_th} and {_seg}");
        _nseg = _w / _seg + 1; // one column to spare: prefix sums up to and including x = w
        _wp = _nseg * _seg;
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
    }

    public LensBlurComposite Run(ulong budget, Progress progress, JobCache cache)
    {
        var plan = _s.Layers;
        var kernels = new BokehKernel[plan.Count];
        Parallel.For(0, plan.Count, k => kernels[k] = new BokehKernel(plan.Radius(k), _s.Shape));
        var presence = LayerPresence.Build(plan, Parallelism.Default);
        var table = BuildTable(kernels, presence, out var layers);
        progress.Report(0.05f);

        ulong n = (ulong)_n, s = (ulong)_h * (ulong)_wp, lpCount = 2 * s + (ulong)_h * (ulong)_nseg;
        var a = new Layout(_dev.StorageAlignment);
        var colour = a.Add("colour", n * 4 * (ulong)_nc);
        var alpha = a.Add("alpha", _alpha ? n * 4 : 4);
        var lower = a.Add("lower", (n + 3) / 4 * 4);
        var upper = a.Add("upper", n * 4);
        var lp = a.Add("lp", lpCount * 16);
        var lpa = a.Add("lpa", _alpha ? lpCount * 4 : 4);
        var tab = a.Add("table", (ulong)table.Length * 4);
        var acc = a.Add("acc", 2 * n * 16);
        var untouched = a.Add("untouched", n * 4);
        foreach (var (name, sl) in a.Slices)
            if (sl.Size > _dev.MaxStorageBufferRange)
                throw new DpException(DpStatus.OutOfMemory, $"Vulkan: the {_w}x{_h} image needs a {sl.Size >> 20} MiB '{name}' buffer, more than this device binds at once ({_dev.MaxStorageBufferRange >> 20} MiB); use the CPU backend");
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
            table.AsSpan().CopyTo(new Span<int>(stg + stTable.Offset, table.Length));
            return Record(job, layers, plan.Center, colour, alpha, lower, upper, lp, lpa, tab, acc, untouched,
                [(stColour.Offset, colour), (stAlpha.Offset, alpha), (stLower.Offset, lower), (stUpper.Offset, upper), (stTable.Offset, tab)], progress);
        }
        catch (DpException e) when (e.Status is DpStatus.Device or DpStatus.OutOfMemory)
        {
            cache.Clear();
            throw;
        }
    }

    /// <summary>One layer's dispatch parameters: kernel rows and lists in the table.</summary>
    readonly record struct LayerWork(int K, int Extent, int RowsOffset, int TileOffset, int TileCount, int BlockOffset, int BlockCount);

    /// <summary>
    /// The int table uploaded once: per layer, its kernel rows (run lo, run hi, run weight bits, first tap, end tap) and
    /// taps (dx, weight bits), the output tiles it reaches (the tile grown by the kernel extent holds some of the layer)
    /// and the prefix blocks those tiles' gathers read.
    /// </summary>
    int[] BuildTable(BokehKernel[] kernels, LayerPresence presence, out List<LayerWork> layers)
    {
        var t = new List<int>();
        layers = [];
        int tilesX = (_w + _tw - 1) / _tw, tilesY = (_h + _th - 1) / _th, bands = tilesY;
        var blockMark = new bool[bands * _nseg];
        for (int k = 0; k < kernels.Length; k++)
        {
            var kern = kernels[k];
            int e = kern.Extent;
            var tiles = new List<int>();
            for (int ty = 0; ty < tilesY; ty++)
                for (int tx = 0; tx < tilesX; tx++)
                    if (presence.Any(k, tx * _tw - e, tx * _tw + _tw - 1 + e, ty * _th - e, ty * _th + _th - 1 + e))
                        tiles.Add(tx | ty << 16);
            if (tiles.Count == 0) continue;
            // Blocks read by those tiles: rows [y0 − e, y1 + e], columns [x0 − e, x1 + e + 1] (a run's end prefix).
            Array.Clear(blockMark);
            var blocks = new List<int>();
            foreach (int tile in tiles)
            {
                int tx = tile & 0xFFFF, ty = tile >> 16;
                int b0 = Math.Max(0, ty * _th - e) / _th, b1 = Math.Min(_h - 1, ty * _th + _th - 1 + e) / _th;
                int s0 = Math.Max(0, tx * _tw - e) / _seg, s1 = Math.Min(_w, tx * _tw + _tw + e) / _seg;
                for (int b = b0; b <= b1; b++)
                    for (int sg = s0; sg <= s1; sg++)
                        if (!blockMark[b * _nseg + sg])
                        {
                            blockMark[b * _nseg + sg] = true;
                            blocks.Add(sg | b << 16);
                        }
            }
            int rows = t.Count;
            int taps = rows + 5 * (2 * e + 1);
            for (int j = 0; j <= 2 * e; j++)
            {
                var (lo, hi, wgt, t0, t1) = kern.GatherRow(j);
                t.Add(lo);
                t.Add(hi);
                t.Add(BitConverter.SingleToInt32Bits(wgt));
                t.Add(taps + 2 * t0);
                t.Add(taps + 2 * t1);
            }
            int nTaps = kern.GatherRow(2 * e).TapEnd;
            for (int i = 0; i < nTaps; i++)
            {
                var (dx, wgt) = kern.GatherTap(i);
                t.Add(dx);
                t.Add(BitConverter.SingleToInt32Bits(wgt));
            }
            int tileOffset = t.Count;
            t.AddRange(tiles);
            int blockOffset = t.Count;
            t.AddRange(blocks);
            layers.Add(new LayerWork(k, e, rows, tileOffset, tiles.Count, blockOffset, blocks.Count));
        }
        return [.. t];
    }

    LensBlurComposite Record(GpuJob job, List<LayerWork> layers, int center, Slice colour, Slice alpha, Slice lower, Slice upper,
        Slice lp, Slice lpa, Slice tab, Slice acc, Slice untouched, (ulong Staging, Slice Dst)[] uploads, Progress progress)
    {
        Span<byte> pb = stackalloc byte[(int)VulkanDevice.PushConstantBytes];
        int hasAlpha = _alpha ? 1 : 0;
        double gpuNs = 0;
        int dispatches = 0;
        bool first = true;
        void Begin()
        {
            job.Begin();
            if (first)
            {
                foreach (var (off, dst) in uploads) job.Upload(off, dst, dst.Size);
                job.FlushUploads();
                first = false;
            }
            // GpuJob reads back all four timestamps of a submit: 0–1 open it, 2–3 close it.
            job.Timestamp(0);
            job.Timestamp(1);
            dispatches = 0;
        }
        void End()
        {
            job.Timestamp(2);
            job.Timestamp(3);
            job.Submit();
            gpuNs += job.ElapsedNs(0, 3);
        }

        Begin();
        job.Dispatch("lensblur_clear", [acc], new Push(pb).Int(_w).Int(_h).Bytes, (uint)_w, (uint)_h);
        job.ComputeBarrier();
        // A dispatch covers at most 65 535 workgroups (the least every device allows): longer lists go in parts.
        const int MaxGroups = 65535;
        for (int li = 0; li < layers.Count; li++)
        {
            var L = layers[li];
            int parts = (L.BlockCount + MaxGroups - 1) / MaxGroups + (L.TileCount + MaxGroups - 1) / MaxGroups;
            if (dispatches + parts > DispatchesPerSubmit)
            {
                End();
                progress.Report(0.05f + 0.9f * li / layers.Count);
                Begin();
            }
            for (int part = 0; part < L.BlockCount; part += MaxGroups)
                job.Dispatch("lensblur_prefix", [colour, alpha, lower, upper, lp, lpa, tab],
                    new Push(pb).Int(_w).Int(_h).Int(_wp).Int(_nseg).Int(L.K).Int(_nc).Int(hasAlpha).Int(L.BlockOffset + part).Bytes,
                    (uint)(Math.Min(MaxGroups, L.BlockCount - part) * _seg), 1, [(uint)_th, (uint)_seg], (uint)_seg, 1);
            job.ComputeBarrier();
            for (int part = 0; part < L.TileCount; part += MaxGroups)
                job.Dispatch("lensblur_gather", [lp, lpa, tab, acc],
                    new Push(pb).Int(_w).Int(_h).Int(_wp).Int(_nseg).Int(_seg).Int(L.Extent).Int(L.RowsOffset).Int(L.TileOffset + part)
                        .Int(hasAlpha).Int(L.K > center ? 1 : 0).Bytes,
                    (uint)(Math.Min(MaxGroups, L.TileCount - part) * _tw), (uint)_th, default, (uint)_tw, (uint)_th);
            job.ComputeBarrier();
            dispatches += parts;
        }
        // The colour and alpha inputs are not needed any more: the results go into their buffers.
        job.Dispatch("lensblur_finish", [acc, lower, upper, colour, alpha, untouched],
            new Push(pb).Int(_w).Int(_h).Int(_nc).Int(hasAlpha).Int(center).Bytes, (uint)_w, (uint)_h);
        ulong n = (ulong)_n;
        job.Download(colour, 0, colour.Size);
        job.Download(alpha, colour.Size, alpha.Size);
        job.Download(untouched, colour.Size + alpha.Size, untouched.Size);
        End();
        progress.Report(0.97f);
        GpuMs = gpuNs / 1e6;

        byte* stg = job.Staging;
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
}

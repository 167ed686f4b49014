using DepthPlugins.Core;
using DepthPlugins.Core.LensBlur;
using DepthPlugins.Core.Processing;

namespace DepthPlugins.Vulkan;

/// <summary>One layer's dispatch parameters: its grid, kernel rows and work lists in the table.</summary>
readonly record struct LayerWork(int K, int Scale, int Extent, int GridW, int GridH, int Wp, int Nseg, int RowsOffset,
    int TileOffset, int TileCount, int BlockOffset, int BlockCount, int UpOffset, int UpCount)
{
    /// <summary>Dispatches this layer records (lists longer than a dispatch allows go in parts).</summary>
    public int Dispatches => Parts(BlockCount) + Parts(TileCount) + Parts(UpCount);

    public static int Parts(int groups) => (groups + LensBlurPasses.MaxGroups - 1) / LensBlurPasses.MaxGroups;
}

/// <summary>
/// The int table a lens-blur composite uploads once, and per layer what its passes cover: its kernel rows (run lo, run
/// hi, run weight bits, first tap, end tap) and taps (dx, weight bits), the tiles of its grid it gathers (a full
/// resolution tile is listed where the tile grown by the layer's reach holds some of the layer; on a coarse grid, the
/// grid tiles those tiles interpolate from), the prefix blocks those gathers read, and on a coarse grid the full
/// resolution tiles it is interpolated to. Built on the host from <see cref="LayerPresence"/>.
/// </summary>
sealed class LayerTables
{
    public required int[] Table { get; init; }
    public required List<LayerWork> Layers { get; init; }
    /// <summary>Largest coarse grid (points), for the gathered-values buffer; 0 without coarse layers.</summary>
    public required long MaxGridPoints { get; init; }
    /// <summary>Largest padded grid (rows × padded row length), for the prefix buffer.</summary>
    public required long MaxPrefixPoints { get; init; }
    public required long MaxTotals { get; init; }

    public static LayerTables Build(LayerPresence presence, LayerKernel[] kernels, int w, int h)
    {
        // The lists of each layer in parallel (a 4K frame has 32 400 tiles to test per layer), then one table.
        var lists = new (int[] Tiles, int[] Blocks, int[] Up, int GridW, int GridH, int Nseg)?[kernels.Length];
        Parallel.For(0, kernels.Length, k => lists[k] = Lists(presence, kernels[k], k, w, h));
        var t = new List<int>();
        var layers = new List<LayerWork>();
        long maxGrid = 0, maxPrefix = 0, maxTotals = 0;
        for (int k = 0; k < kernels.Length; k++)
        {
            if (lists[k] is not { } l) continue;
            var lk = kernels[k];
            var kern = lk.Kernel;
            int s = lk.Scale, e = kern.Extent, wp = l.Nseg * Seg;
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
            t.AddRange(l.Tiles);
            int blockOffset = t.Count;
            t.AddRange(l.Blocks);
            int upOffset = t.Count;
            t.AddRange(l.Up);
            layers.Add(new LayerWork(k, s, e, l.GridW, l.GridH, wp, l.Nseg, rows, tileOffset, l.Tiles.Length, blockOffset, l.Blocks.Length, upOffset, l.Up.Length));
            if (s > 1) maxGrid = Math.Max(maxGrid, (long)l.GridW * l.GridH);
            maxPrefix = Math.Max(maxPrefix, (long)l.GridH * wp);
            maxTotals = Math.Max(maxTotals, (long)l.GridH * l.Nseg);
        }
        return new LayerTables { Table = [.. t], Layers = layers, MaxGridPoints = maxGrid, MaxPrefixPoints = maxPrefix, MaxTotals = maxTotals };
    }

    const int T = LensBlurPasses.Tile, Seg = LensBlurPasses.Seg;

    /// <summary>Layer k's grid tiles, prefix blocks and (coarse grid) full-resolution tiles; null when it reaches no tile.</summary>
    static (int[] Tiles, int[] Blocks, int[] Up, int GridW, int GridH, int Nseg)? Lists(LayerPresence presence, LayerKernel lk, int k, int w, int h)
    {
        int tilesX = (w + T - 1) / T, tilesY = (h + T - 1) / T;
        int s = lk.Scale, e = lk.Kernel.Extent, reach = lk.Reach;
        var reached = new List<int>();
        for (int ty = 0; ty < tilesY; ty++)
        {
            if (!presence.Any(k, -reach, w - 1 + reach, ty * T - reach, ty * T + T - 1 + reach)) continue;
            for (int tx = 0; tx < tilesX; tx++)
                if (presence.Any(k, tx * T - reach, tx * T + T - 1 + reach, ty * T - reach, ty * T + T - 1 + reach))
                    reached.Add(tx | ty << 16);
        }
        if (reached.Count == 0) return null;
        int gw = LayerKernel.CoarseSize(w, s), gh = LayerKernel.CoarseSize(h, s);
        int nseg = gw / Seg + 1; // one column to spare: prefix sums up to and including x = gw
        // Grid tiles: the full-resolution tiles themselves, or on a coarse grid those their pixels interpolate from.
        List<int> tiles;
        if (s == 1) tiles = reached;
        else
        {
            int gtx = (gw + T - 1) / T, gty = (gh + T - 1) / T;
            var mark = new bool[gtx * gty];
            tiles = [];
            foreach (int tile in reached)
            {
                int tx = tile & 0xFFFF, ty = tile >> 16;
                int i0 = LayerKernel.Upsample(tx * T, s).I0, i1 = LayerKernel.Upsample(Math.Min(w, tx * T + T) - 1, s).I0 + 1;
                int j0 = LayerKernel.Upsample(ty * T, s).I0, j1 = LayerKernel.Upsample(Math.Min(h, ty * T + T) - 1, s).I0 + 1;
                for (int b = j0 / T; b <= j1 / T; b++)
                    for (int a = i0 / T; a <= i1 / T; a++)
                        if (!mark[b * gtx + a])
                        {
                            mark[b * gtx + a] = true;
                            tiles.Add(a | b << 16);
                        }
            }
        }
        // Blocks read by those tiles' gathers: rows [y0 − e, y1 + e], columns [x0 − e, x1 + e + 1] (a run's end prefix).
        var blockMark = new bool[((gh + T - 1) / T) * nseg];
        var blocks = new List<int>();
        foreach (int tile in tiles)
        {
            int tx = tile & 0xFFFF, ty = tile >> 16;
            int b0 = Math.Max(0, ty * T - e) / T, b1 = Math.Min(gh - 1, ty * T + T - 1 + e) / T;
            int s0 = Math.Max(0, tx * T - e) / Seg, s1 = Math.Min(gw, tx * T + T + e) / Seg;
            for (int b = b0; b <= b1; b++)
                for (int sg = s0; sg <= s1; sg++)
                    if (!blockMark[b * nseg + sg])
                    {
                        blockMark[b * nseg + sg] = true;
                        blocks.Add(sg | b << 16);
                    }
        }
        return ([.. tiles], [.. blocks], s > 1 ? [.. reached] : [], gw, gh, nseg);
    }
}

/// <summary>
/// Records the composite: clear, then per layer back to front the prefix pass over its blocks, the gather over its grid
/// tiles (compositing at full resolution, storing on a coarse grid) and, on a coarse grid, the interpolation and
/// compositing over its full-resolution tiles. Splits into several submits where one would need more descriptor sets
/// than a submit's pool holds, reporting progress (and honouring cancel) between them.
/// </summary>
static class LensBlurPasses
{
    public const int Tile = 16, Seg = 64;
    /// <summary>A dispatch covers at most 65 535 workgroups (the least every device allows): longer lists go in parts.</summary>
    public const int MaxGroups = 65535;
    /// <summary>Passes per submit: a submit's descriptor pool holds 64 sets (a few are left for the passes around these).</summary>
    public const int DispatchesPerSubmit = 56;

    /// <summary>The device buffers the passes use.</summary>
    public readonly record struct Buffers(Slice Colour, Slice Alpha, Slice Lower, Slice Upper, Slice Lp, Slice Lpa, Slice Table,
        Slice Acc, Slice Cov, Slice G, Slice Ga);

    /// <summary>Checks the device gives the workgroup shapes the shaders are written for.</summary>
    public static void CheckWorkgroups(VulkanDevice dev)
    {
        var (gx, gy) = GpuJob.Workgroup(dev, Tile, Tile);
        var (sx, _) = GpuJob.Workgroup(dev, Seg, 1);
        if (gx != Tile || gy != Tile || sx != Seg)
            throw new DpException(DpStatus.Unsupported, $"Vulkan: lens blur needs {Tile}x{Tile} and {Seg}-wide workgroups, the device allows {gx}x{gy} and {sx}");
    }

    /// <summary>
    /// Records the passes into the submit <paramref name="session"/> has open (its first dispatches may already be in it)
    /// and leaves the last submit open for the caller's finishing passes.
    /// </summary>
    public static void Record(SubmitSession session, LayerTables tables, Buffers b, int w, int h, int nc, bool hasAlpha, int center, Progress progress, float from, float to)
    {
        var job = session.Job;
        Span<byte> pb = stackalloc byte[(int)VulkanDevice.PushConstantBytes];
        int alpha = hasAlpha ? 1 : 0;
        job.Dispatch("lensblur_clear", [b.Acc, b.Cov], new Push(pb).Int(w).Int(h).Bytes, (uint)w, (uint)h);
        job.ComputeBarrier();
        session.Used(1);
        var layers = tables.Layers;
        for (int li = 0; li < layers.Count; li++)
        {
            var L = layers[li];
            if (!session.Fits(L.Dispatches))
            {
                session.Next();
                progress.Report(from + (to - from) * li / layers.Count);
            }
            int nearer = L.K > center ? 1 : 0;
            for (int part = 0; part < L.BlockCount; part += MaxGroups)
                job.Dispatch("lensblur_prefix", [b.Colour, b.Alpha, b.Lower, b.Upper, b.Lp, b.Lpa, b.Table],
                    new Push(pb).Int(w).Int(h).Int(L.Wp).Int(L.Nseg).Int(L.K).Int(nc).Int(alpha).Int(L.BlockOffset + part)
                        .Int(L.Scale).Int(L.GridW).Int(L.GridH).Bytes,
                    (uint)(Math.Min(MaxGroups, L.BlockCount - part) * Seg), 1, [Tile, Seg], Seg, 1);
            job.ComputeBarrier();
            for (int part = 0; part < L.TileCount; part += MaxGroups)
                job.Dispatch("lensblur_gather", [b.Lp, b.Lpa, b.Table, b.Acc, b.Cov, b.G, b.Ga],
                    new Push(pb).Int(L.GridW).Int(L.GridH).Int(L.Wp).Int(L.Nseg).Int(Seg).Int(L.Extent).Int(L.RowsOffset).Int(L.TileOffset + part)
                        .Int(alpha).Int(nearer).Int(L.Scale > 1 ? 1 : 0).Bytes,
                    (uint)(Math.Min(MaxGroups, L.TileCount - part) * Tile), Tile, default, Tile, Tile);
            job.ComputeBarrier();
            if (L.Scale > 1)
            {
                for (int part = 0; part < L.UpCount; part += MaxGroups)
                    job.Dispatch("lensblur_upsample", [b.G, b.Ga, b.Table, b.Acc, b.Cov],
                        new Push(pb).Int(w).Int(h).Int(L.GridW).Int(L.Scale).Int(L.UpOffset + part).Int(alpha).Int(nearer).Bytes,
                        (uint)(Math.Min(MaxGroups, L.UpCount - part) * Tile), Tile, default, Tile, Tile);
                job.ComputeBarrier();
            }
            session.Used(L.Dispatches);
        }
    }
}

/// <summary>
/// A run of submits on one job with timestamps that separate host-to-device copies, compute and device-to-host copies:
/// each submit writes timestamp 0 before its uploads, 1 after them, 2 before its downloads and 3 after them.
/// </summary>
sealed class SubmitSession(GpuJob job)
{
    public GpuJob Job { get; } = job;
    int _dispatches;
    bool _open, _downloading;
    double _uploadNs, _computeNs, _downloadNs;
    public int Submits { get; private set; }

    /// <summary>Opens a submit; <paramref name="uploads"/> records its host-to-device copies.</summary>
    public void Begin(Action? uploads = null)
    {
        Job.Begin();
        Job.Timestamp(0);
        uploads?.Invoke();
        Job.FlushUploads();
        Job.Timestamp(1);
        _dispatches = 0;
        _open = true;
        _downloading = false;
    }

    public bool Fits(int dispatches) => _dispatches + dispatches <= LensBlurPasses.DispatchesPerSubmit;
    public void Used(int dispatches) => _dispatches += dispatches;

    /// <summary>Marks the end of compute in this submit: what follows are device-to-host copies.</summary>
    public void Downloads()
    {
        Job.Timestamp(2);
        _downloading = true;
    }

    /// <summary>Submits and waits.</summary>
    public void End()
    {
        if (!_open) return;
        if (!_downloading) Job.Timestamp(2);
        Job.Timestamp(3);
        Job.Submit();
        _open = false;
        Submits++;
        _uploadNs += Job.ElapsedNs(0, 1);
        _computeNs += Job.ElapsedNs(1, 2);
        _downloadNs += Job.ElapsedNs(2, 3);
    }

    /// <summary>Ends this submit and opens the next.</summary>
    public void Next()
    {
        End();
        Begin();
    }

    public LensBlurGpuTiming Timing => new(_uploadNs / 1e6, _computeNs / 1e6, _downloadNs / 1e6, Submits);
}

/// <summary>Device time of a lens blur, from timestamps: host-to-device copies, compute passes, device-to-host copies.</summary>
public readonly record struct LensBlurGpuTiming(double UploadMs, double ComputeMs, double DownloadMs, int Submits)
{
    public double TotalMs => UploadMs + ComputeMs + DownloadMs;
}

/// <summary>Host time of a raw-buffer lens blur besides waiting for the device: copying the caller's bytes into staging,
/// placing the layers and listing their work, copying the result out.</summary>
public readonly record struct LensBlurHostTiming(double CopyInMs, double PlanMs, double CopyOutMs);

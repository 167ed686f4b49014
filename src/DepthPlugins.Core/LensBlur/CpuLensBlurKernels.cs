using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using DepthPlugins.Core.Imaging;
using DepthPlugins.Core.Processing;
using Plane = DepthPlugins.Core.Imaging.Plane;

namespace DepthPlugins.Core.LensBlur;

/// <summary>
/// Layered scatter-as-gather on the CPU.
/// <para>Every layer k (one CoC radius, see <see cref="LayerPlan"/>) is blurred with its bokeh kernel K_k: the layer's
/// premultiplied colour C, alpha A and occupancy O (the pixel's weight in the layer, 0..1) are gathered with K_k. Because
/// every pixel of a layer spreads the same kernel, scattering equals gathering, and each kernel row is one prefix-sum
/// difference plus its partially covered end pixels (<see cref="BokehKernel"/>): O(r) per pixel, never O(r²).</para>
/// <para>The blurred layers are composited back to front with "over" on occupancy:
/// acc = C_k + (1 − O_k)·acc, T = O_k + (1 − O_k)·T, and the result is acc / T. Nearer layers hide what lies behind
/// them exactly where (and as much as) their blurred silhouettes cover it, so a sharp foreground keeps its edge and a
/// blurred foreground spreads over a sharp background. Dividing by the total coverage T fills the holes that
/// occluders leave in the layers behind them (the hidden background is unknown) with the visible neighbourhood instead
/// of black — no dark fringes — and renormalises the kernel at the image border. For a single layer away from the
/// border T = 1 and the result is exactly the image convolved with the kernel.</para>
/// <para>Work is done per output tile: only layers present within the tile grown by their reach are gathered, from a
/// window of prefix sums built for that tile (float prefix sums over at most a tile plus two kernel extents stay
/// accurate). Layers blurred on a coarse grid (<see cref="LayerKernel"/>) are gathered once per run of tiles along a
/// tile row (a segment), on the segment's footprint on that grid, and each tile interpolates its part.</para>
/// </summary>
public sealed class CpuLensBlurKernels(Parallelism par) : ILensBlurKernels
{
    const int TileW = 128, TileH = 64;
    /// <summary>Most tiles in one segment (a run of tiles along a tile row sharing their coarse-grid gathers). Short
    /// enough that the threads taking segments from the queue finish close together (at 1080p, 8 left a core idle at the
    /// end).</summary>
    const int SegmentTiles = 4;

    public string Name => "cpu";

    public LensBlurComposite Composite(LensBlurScene scene, Progress progress)
    {
        var plan = scene.Layers;
        int w = scene.Width, h = scene.Height;
        if (plan.Width != w || plan.Height != h) throw new DpException(DpStatus.Internal, "layer plan and image differ in size");
        var layers = new LayerKernel[plan.Count];
        Parallel.For(0, plan.Count, par.Options, k => layers[k] = new LayerKernel(plan.Radius(k), scene.Shape, scene.FullResolution));
        var presence = LayerPresence.Build(plan, par);

        // Source channels: premultiplied colour, then alpha (if any); occupancy is the layer weight itself.
        var sources = scene.Alpha == null ? scene.Colour : [.. scene.Colour, scene.Alpha];
        // Every tile writes all its pixels of these.
        var outColour = scene.Colour.Select(_ => Plane.Uninitialized(w, h)).ToArray();
        var outAlpha = scene.Alpha != null ? Plane.Uninitialized(w, h) : null;
        var outs = outAlpha == null ? outColour : [.. outColour, outAlpha];
        var untouched = RecycledArrays.Rent<bool>(w * h);

        int tilesX = (w + TileW - 1) / TileW, tilesY = (h + TileH - 1) / TileH;
        using var ctx = new Context(plan, layers, presence, sources, outs, untouched);
        var size = WorkspaceSize.For(layers);
        // Work items are segments: runs of up to SegmentTiles tiles of one tile row, which share their coarse-grid gathers.
        // Threads take them from a queue: segments differ in cost by the layers they hold.
        int segsPerRow = (tilesX + SegmentTiles - 1) / SegmentTiles;
        Bands.RunQueue(tilesY * segsPerRow, () => new Workspace(sources.Length + 1, size, plan.Count), (ws, item) =>
        {
            int ty = item / segsPerRow, tx0 = item % segsPerRow * SegmentTiles, tx1 = Math.Min(tilesX, tx0 + SegmentTiles);
            var seg = new Segment(tx0 * TileW, Math.Min(w, tx1 * TileW), ty * TileH, Math.Min(TileH, h - ty * TileH));
            PrepareCoarseLayers(ctx, ws, seg);
            for (int tx = tx0; tx < tx1; tx++) RenderTile(ctx, ws, tx * TileW, ty * TileH, Math.Min(TileW, w - tx * TileW), seg.Th);
        }, progress, par);
        return new LensBlurComposite(outColour, outAlpha, untouched);
    }

    /// <summary>A run of tiles along one tile row: columns [X0, X1), rows [Y0, Y0 + Th).</summary>
    readonly record struct Segment(int X0, int X1, int Y0, int Th);

    /// <summary>What every tile reads, with the per-pixel arrays pinned for the vector loops.</summary>
    sealed unsafe class Context : IDisposable
    {
        readonly List<GCHandle> _pins = [];

        public Context(LayerPlan plan, LayerKernel[] layers, LayerPresence presence, Plane[] sources, Plane[] outs, bool[] untouched)
        {
            Plan = plan;
            Layers = layers;
            Presence = presence;
            Sources = sources;
            Outs = outs;
            Lower = (byte*)Pin(plan.Lower);
            Upper = (float*)Pin(plan.UpperWeight);
            Source = new nint[sources.Length];
            for (int i = 0; i < sources.Length; i++) Source[i] = (nint)Pin(sources[i].Data);
            Untouched = (bool*)Pin(untouched);
            Out = new nint[outs.Length];
            for (int i = 0; i < outs.Length; i++) Out[i] = (nint)Pin(outs[i].Data);
            DownWeights = new float[LayerKernel.MaxScale + 1][];
            for (int sc = 2; sc <= LayerKernel.MaxScale; sc *= 2) DownWeights[sc] = LayerKernel.DownsampleWeights(sc);
        }

        void* Pin(Array a)
        {
            var h = GCHandle.Alloc(a, GCHandleType.Pinned);
            _pins.Add(h);
            return (void*)h.AddrOfPinnedObject();
        }

        public LayerPlan Plan { get; }
        public LayerKernel[] Layers { get; }
        public LayerPresence Presence { get; }
        public Plane[] Sources { get; }
        public Plane[] Outs { get; }
        public bool* Untouched { get; }
        public byte* Lower { get; }
        public float* Upper { get; }
        /// <summary>Pinned addresses of the source planes.</summary>
        public nint[] Source { get; }
        /// <summary>Pinned addresses of the output planes.</summary>
        public nint[] Out { get; }
        /// <summary>Per scale s &gt; 1, D's weights along one axis.</summary>
        public float[][] DownWeights { get; }

        public void Dispose()
        {
            foreach (var h in _pins) h.Free();
        }
    }

    /// <summary>A segment's footprint on a coarse grid of scale s: the storage columns and rows its pixels interpolate
    /// between (columns padded to whole gather steps).</summary>
    static int CoarseFootprintW(int s) => (SegmentTiles * TileW / s + 2 + Step - 1) / Step * Step;
    static int CoarseFootprintH(int s) => TileH / s + 2;

    /// <summary>Per-channel buffer sizes a thread needs for the given layers (the largest of any layer).</summary>
    readonly record struct WorkspaceSize(int Stride, int Rows, int FullCols, long GatheredFloats, int CoarseLayers)
    {
        public static WorkspaceSize For(LayerKernel[] layers)
        {
            int stride = 0, rows = 0, fullCols = 0, coarse = 0;
            long gathered = 0;
            foreach (var lk in layers)
            {
                int e = lk.Kernel.Extent, s = lk.Scale;
                if (s == 1)
                {
                    stride = Math.Max(stride, TileW + 2 * e + 1 + Step);
                    rows = Math.Max(rows, TileH + 2 * e);
                }
                else
                {
                    coarse++;
                    int cols = CoarseFootprintW(s) + 2 * e;
                    stride = Math.Max(stride, cols + 1 + Step);
                    rows = Math.Max(rows, CoarseFootprintH(s) + 2 * e);
                    fullCols = Math.Max(fullCols, s * cols + 2 * s);
                    gathered = Math.Max(gathered, (long)CoarseFootprintW(s) * CoarseFootprintH(s));
                }
            }
            return new WorkspaceSize(stride, rows, fullCols, gathered, coarse);
        }
    }

    /// <summary>One coarse layer's gathered footprint for the current segment: origin on its grid, width, which footprint
    /// rows received light, and the values (channel after channel, rows <see cref="Fw"/> apart).</summary>
    sealed unsafe class CoarseFootprint(long floats, int rows)
    {
        public readonly float* Values = (float*)NativeMemory.AlignedAlloc((nuint)(floats * sizeof(float)), 64);
        public readonly bool[] RowHas = new bool[rows];
        public int K = -1, Ia, Ja, Fw, Fh;
        public bool Any;
    }

    /// <summary>Thread-local buffers: a window of L (layer-weighted values) and P (row prefix sums) per channel, the
    /// tile accumulators and the tile's gathered values per channel; for coarse layers, two full-resolution rows of
    /// vertical sums (V), one footprint per coarse layer, and the footprint's rows interpolated to the tile's columns
    /// (H). Native memory: fixed addresses for the vector loops.</summary>
    sealed unsafe class Workspace : IDisposable
    {
        public readonly int Channels, Stride, Rows, FullCols;
        public readonly float* L, P, Acc, T, Near, Gathered, Weight, V, H;
        public readonly int* Span0, Span1, ColI;
        public readonly float* ColF;
        public readonly bool* RowHas;
        /// <summary>Per window row, the first and last column holding layer weight.</summary>
        public readonly int* ColMin, ColMax;
        /// <summary>Per layer, its footprint for the current segment (null: full resolution, or not reaching it).</summary>
        public readonly CoarseFootprint?[] Coarse;
        readonly List<CoarseFootprint> _pool = [];
        readonly long _footFloats;
        readonly void* _block;

        public Workspace(int channels, WorkspaceSize size, int layers)
        {
            Channels = channels;
            Stride = size.Stride;
            Rows = size.Rows;
            FullCols = size.FullCols + Step;
            _footFloats = size.GatheredFloats * channels;
            Coarse = new CoarseFootprint?[layers];
            long window = (long)Stride * Rows;
            long tile = (long)TileW * TileH;
            long footRows = (long)CoarseFootprintH(2) * TileW;
            int weightLen = FullCols;
            long floats = 2 * window * channels + tile * (channels - 1) + 2 * tile + tile * channels + weightLen
                          + 2L * FullCols * channels + footRows * channels + 2L * TileW + 2 * TileH;
            _block = NativeMemory.AlignedAlloc((nuint)(floats * sizeof(float) + 2L * Rows * sizeof(int) + Rows), 64);
            var f = (float*)_block;
            L = f; f += window * channels;
            P = f; f += window * channels;
            Acc = f; f += tile * (channels - 1);
            T = f; f += tile;
            Near = f; f += tile;
            Gathered = f; f += tile * channels;
            V = f; f += 2L * FullCols * channels;
            H = f; f += footRows * channels;
            ColF = f; f += TileW;
            ColI = (int*)f; f += TileW;
            Span0 = (int*)f; f += TileH;
            Span1 = (int*)f; f += TileH;
            Weight = f; f += weightLen;
            ColMin = (int*)f;
            ColMax = ColMin + Rows;
            RowHas = (bool*)(ColMax + Rows);
        }

        /// <summary>Forgets the previous segment's footprints.</summary>
        public void ResetCoarse() => Array.Clear(Coarse);

        /// <summary>A footprint buffer for layer k in this segment (the i-th one handed out since the reset).</summary>
        public CoarseFootprint Footprint(int i, int k)
        {
            while (_pool.Count <= i) _pool.Add(new CoarseFootprint(_footFloats, CoarseFootprintH(2)));
            var fp = _pool[i];
            fp.K = k;
            Coarse[k] = fp;
            return fp;
        }

        public void Dispose()
        {
            NativeMemory.AlignedFree(_block);
            foreach (var fp in _pool) NativeMemory.AlignedFree(fp.Values);
        }
    }

    /// <summary>A window of layer-weighted values (L) and their row prefix sums (P), channel after channel, rows
    /// <see cref="Stride"/> apart; <see cref="RowHas"/> says which rows hold any weight.</summary>
    readonly unsafe struct Window(float* l, float* p, long stride, long channelSize, bool* rowHas)
    {
        public readonly float* LBase = l, PBase = p;
        public readonly long Stride = stride, ChannelSize = channelSize;
        public readonly bool* RowHas = rowHas;
        public float* L(int ch) => LBase + ch * ChannelSize;
        public float* P(int ch) => PBase + ch * ChannelSize;
    }

    /// <summary>
    /// For each layer blurred on a coarse grid that reaches the segment: the coarse window of D(layer-weighted values)
    /// around the segment's footprint on that grid and the gather with the coarse kernel over the footprint (every
    /// channel; the tiles interpolate from it).
    /// </summary>
    static unsafe void PrepareCoarseLayers(Context c, Workspace ws, Segment seg)
    {
        ws.ResetCoarse();
        int used = 0;
        for (int k = 0; k < c.Layers.Length; k++)
        {
            var lk = c.Layers[k];
            if (lk.Scale == 1) continue;
            int reach = lk.Reach, s = lk.Scale, e = lk.Kernel.Extent;
            int y0 = seg.Y0 - reach, y1 = seg.Y0 + seg.Th - 1 + reach;
            if (!c.Presence.Any(k, seg.X0 - reach, seg.X1 - 1 + reach, y0, y1)) continue;
            // Only the run of the segment's tiles the layer reaches.
            int xa = seg.X0, xb = seg.X1;
            while (!c.Presence.Any(k, xa - reach, xa + TileW - 1 + reach, y0, y1)) xa += TileW;
            while (!c.Presence.Any(k, xb - TileW - reach, xb - 1 + reach, y0, y1)) xb = (xb - 1) / TileW * TileW;
            var fp = ws.Footprint(used++, k);
            int segPad = (xb - xa + Step - 1) / Step * Step;
            fp.Ia = LayerKernel.Upsample(xa, s).I0;
            fp.Ja = LayerKernel.Upsample(seg.Y0, s).I0;
            fp.Fw = (LayerKernel.Upsample(xa + segPad - 1, s).I0 + 2 - fp.Ia + Step - 1) / Step * Step;
            fp.Fh = LayerKernel.Upsample(seg.Y0 + seg.Th - 1, s).I0 + 2 - fp.Ja;
            int cols = fp.Fw + 2 * e, rows = fp.Fh + 2 * e;
            var win = new Window(ws.L, ws.P, ws.Stride, (long)ws.Stride * rows, ws.RowHas);
            fp.Any = BuildCoarseWindow(c, ws, win, k, s, fp.Ia - e, fp.Ja - e, cols, rows);
            if (!fp.Any) continue;
            long channel = (long)fp.Fh * fp.Fw;
            // Per footprint row, the columns that can receive light from the window rows under the kernel ([min − 2e,
            // max] of their columns with weight, in whole gather steps); the rest is zero.
            int* span0 = ws.Span0, span1 = ws.Span1;
            for (int fr = 0; fr < fp.Fh; fr++)
            {
                int cmin = int.MaxValue, cmax = -1;
                for (int r = fr; r <= fr + 2 * e; r++)
                    if (ws.RowHas[r])
                    {
                        cmin = Math.Min(cmin, ws.ColMin[r]);
                        cmax = Math.Max(cmax, ws.ColMax[r]);
                    }
                fp.RowHas[fr] = cmax >= 0;
                span0[fr] = cmax < 0 ? 0 : Math.Max(0, cmin - 2 * e) / Step * Step;
                span1[fr] = cmax < 0 ? 0 : Math.Min(fp.Fw, (cmax / Step + 1) * Step);
            }
            for (int ch = 0; ch < ws.Channels; ch++)
                for (int ox = 0; ox < fp.Fw; ox += Step)
                    for (int fr = 0; fr < fp.Fh; fr++)
                    {
                        float* dst = fp.Values + ch * channel + (long)fr * fp.Fw + ox;
                        if (ox >= span0[fr] && ox < span1[fr]) Gather(win, ch, lk.Kernel, fr, ox, dst);
                        else new Span<float>(dst, Step).Clear();
                    }
        }
    }

    static unsafe void RenderTile(Context c, Workspace ws, int x0, int y0, int tw, int th)
    {
        var plan = c.Plan;
        int w = plan.Width;
        int twPad = (tw + Step - 1) / Step * Step;
        int nOut = c.Outs.Length;
        new Span<float>(ws.Acc, TileW * TileH * nOut).Clear();
        new Span<float>(ws.T, TileW * TileH).Clear();
        new Span<float>(ws.Near, TileW * TileH).Clear();

        // The nearest layer that covers everything reaching the tile with weight 1 hides everything behind it: start there.
        int first = 0;
        bool opaqueFirst = false;
        for (int k = plan.Count - 1; k >= 0 && !opaqueFirst; k--)
        {
            int e = c.Layers[k].Reach;
            if (c.Presence.Opaque(k, x0 - e, x0 + tw - 1 + e, y0 - e, y0 + th - 1 + e)) (first, opaqueFirst) = (k, true);
        }
        for (int k = first; k < plan.Count; k++)
        {
            var lk = c.Layers[k];
            int reach = lk.Reach;
            if (!c.Presence.Any(k, x0 - reach, x0 + tw - 1 + reach, y0 - reach, y0 + th - 1 + reach)) continue;
            // An opaque first layer has occupancy exactly 1 (its kernel sums to 1 over weights that are all 1): not gathered.
            bool opaque = opaqueFirst && k == first;
            float* occAll = ws.Gathered + (long)(ws.Channels - 1) * TileH * TileW;
            if (opaque) new Span<float>(occAll, TileW * TileH).Fill(1f);
            int nGather = opaque ? nOut : ws.Channels;
            bool any = lk.Scale == 1
                ? FullResolutionLayer(c, ws, k, lk.Kernel, x0, y0, th, twPad, nGather)
                : CoarseLayer(ws, ws.Coarse[k]!, lk.Scale, x0, y0, th, twPad, nGather);
            if (!any) continue;
            int* span0 = ws.Span0, span1 = ws.Span1;
            bool nearer = k > plan.Center;
            for (int oy = 0; oy < th; oy++)
            {
                int xa = span0[oy], xb = span1[oy];
                if (xa >= xb) continue;
                float* occ = occAll + oy * TileW;
                for (int ch = 0; ch < nOut; ch++)
                    Over(ws.Gathered + ((long)ch * TileH + oy) * TileW, occ, ws.Acc + ((long)ch * TileH + oy) * TileW, xa, xb);
                Over(occ, occ, ws.T + oy * TileW, xa, xb);
                if (nearer)
                {
                    float* n = ws.Near + oy * TileW;
                    for (int x = xa; x < xb; x += Vector<float>.Count) (Vector.Load(n + x) + Vector.Load(occ + x)).Store(n + x);
                }
            }
        }

        for (int oy = 0; oy < th; oy++)
        {
            long row = (long)(y0 + oy) * w + x0;
            float* t = ws.T + oy * TileW;
            float* n = ws.Near + oy * TileW;
            for (int ch = 0; ch < nOut; ch++)
            {
                float* acc = ws.Acc + (long)ch * TileW * TileH + oy * TileW;
                float* dst = (float*)c.Out[ch] + row;
                int x = 0;
                // The same division a vector at a time; where T is 0 the quotient is discarded.
                for (; x + Vector<float>.Count <= tw; x += Vector<float>.Count)
                {
                    var vt = Vector.Load(t + x);
                    Vector.ConditionalSelect(Vector.GreaterThan(vt, Vector<float>.Zero), Vector.Load(acc + x) / vt, Vector<float>.Zero).Store(dst + x);
                }
                for (; x < tw; x++) dst[x] = t[x] > 0 ? acc[x] / t[x] : 0f;
            }
            byte* lower = c.Lower + row;
            float* upper = c.Upper + row;
            bool* untouched = c.Untouched + row;
            byte center = (byte)plan.Center;
            int u = 0;
            // The same test a byte vector at a time: the float comparisons narrowed to byte masks, then 0 or 1.
            int vf = Vector<float>.Count;
            var vCenter = new Vector<byte>(center);
            for (; u + Vector<byte>.Count <= tw; u += Vector<byte>.Count)
            {
                var m = Vector.Equals(Vector.Load(lower + u), vCenter);
                var z0 = Vector.Narrow(ZeroMask(upper + u, n + u), ZeroMask(upper + u + vf, n + u + vf));
                var z1 = Vector.Narrow(ZeroMask(upper + u + 2 * vf, n + u + 2 * vf), ZeroMask(upper + u + 3 * vf, n + u + 3 * vf));
                (m & Vector.AsVectorByte(Vector.Narrow(z0, z1)) & Vector<byte>.One).Store((byte*)untouched + u);
            }
            for (; u < tw; u++) untouched[u] = lower[u] == center && upper[u] == 0f && n[u] == 0f;
        }
    }

    /// <summary>All ones in the lanes where both a and b are 0, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static unsafe Vector<int> ZeroMask(float* a, float* b) =>
        Vector.Equals(Vector.Load(a), Vector<float>.Zero) & Vector.Equals(Vector.Load(b), Vector<float>.Zero);

    /// <summary>
    /// A full-resolution layer over the tile: its window, then the gather of the first <paramref name="nGather"/> channels
    /// into the tile's gathered values, over the columns each output row can receive light in (<see cref="Workspace.Span0"/>
    /// and <see cref="Workspace.Span1"/>; rows it cannot reach keep acc and T as they are). False when the layer has no
    /// weight in the window.
    /// </summary>
    static unsafe bool FullResolutionLayer(Context c, Workspace ws, int k, BokehKernel kernel, int x0, int y0, int th, int twPad, int nGather)
    {
        int e = kernel.Extent;
        int cols = twPad + 2 * e, rows = th + 2 * e;
        var win = new Window(ws.L, ws.P, ws.Stride, (long)ws.Stride * rows, ws.RowHas);
        if (!BuildWindow(c, ws, win, k, x0 - e, y0 - e, cols, rows)) return false;
        // Per output row, the columns this layer can reach from the window rows under the kernel: [min − 2e, max],
        // in whole gather steps.
        int* span0 = ws.Span0, span1 = ws.Span1;
        for (int oy = 0; oy < th; oy++)
        {
            int cmin = int.MaxValue, cmax = -1;
            for (int r = oy; r <= oy + 2 * e; r++)
                if (ws.RowHas[r])
                {
                    cmin = Math.Min(cmin, ws.ColMin[r]);
                    cmax = Math.Max(cmax, ws.ColMax[r]);
                }
            span0[oy] = cmax < 0 ? 0 : Math.Max(0, cmin - 2 * e) / Step * Step;
            span1[oy] = cmax < 0 ? 0 : Math.Min(twPad, (cmax / Step + 1) * Step);
        }
        // Channel by channel, column step by column step, row after row: consecutive rows share all but one kernel
        // row of window data, which then stays in the L1 cache.
        for (int ch = 0; ch < nGather; ch++)
            for (int ox = 0; ox < twPad; ox += Step)
                for (int oy = 0; oy < th; oy++)
                    if (ox >= span0[oy] && ox < span1[oy])
                        Gather(win, ch, kernel, oy, ox, ws.Gathered + ((long)ch * TileH + oy) * TileW + ox);
        return true;
    }

    /// <summary>
    /// A layer blurred on the coarse grid of scale s: bilinear interpolation of the segment's gathered footprint to the
    /// tile's pixels, columns first (per footprint row), then rows (a vector at a time), into the tile's gathered values
    /// for every row that can receive light. False when the layer has no weight near the segment.
    /// </summary>
    static unsafe bool CoarseLayer(Workspace ws, CoarseFootprint fp, int s, int x0, int y0, int th, int twPad, int nGather)
    {
        if (!fp.Any) return false;
        int ja = LayerKernel.Upsample(y0, s).I0;
        int fh = LayerKernel.Upsample(y0 + th - 1, s).I0 + 2 - ja;
        int rowOffset = ja - fp.Ja;
        long gChannel = (long)fp.Fh * fp.Fw, hChannel = (long)CoarseFootprintH(2) * TileW;
        for (int ox = 0; ox < twPad; ox++)
        {
            var (i0, f) = LayerKernel.Upsample(x0 + ox, s);
            ws.ColI[ox] = i0 - fp.Ia;
            ws.ColF[ox] = f;
        }
        float* hbuf = ws.H;
        for (int ch = 0; ch < nGather; ch++)
            for (int fr = 0; fr < fh; fr++)
            {
                if (!fp.RowHas[rowOffset + fr]) continue;
                float* src = fp.Values + ch * gChannel + (long)(rowOffset + fr) * fp.Fw, dst = hbuf + ch * hChannel + (long)fr * TileW;
                if (s == 2 && Sse.IsSupported) Upsample2(src + ws.ColI[0], dst, twPad);
                else
                    for (int ox = 0; ox < twPad; ox++)
                    {
                        float a = src[ws.ColI[ox]];
                        dst[ox] = a + ws.ColF[ox] * (src[ws.ColI[ox] + 1] - a);
                    }
            }
        int* span0 = ws.Span0, span1 = ws.Span1;
        int vf = Vector<float>.Count;
        bool any = false;
        for (int oy = 0; oy < th; oy++)
        {
            var (j0, fy) = LayerKernel.Upsample(y0 + oy, s);
            int fr = j0 - ja;
            bool has0 = fp.RowHas[rowOffset + fr], has1 = fp.RowHas[rowOffset + fr + 1];
            span0[oy] = 0;
            span1[oy] = has0 || has1 ? twPad : 0;
            if (!has0 && !has1) continue;
            any = true;
            var vfy = new Vector<float>(fy);
            for (int ch = 0; ch < nGather; ch++)
            {
                float* a = hbuf + ch * hChannel + (long)fr * TileW, b = a + TileW;
                float* dst = ws.Gathered + ((long)ch * TileH + oy) * TileW;
                // A footprint row without light was not interpolated: it is zero.
                if (!has0) for (int x = 0; x < twPad; x += vf) (vfy * Vector.Load(b + x)).Store(dst + x);
                else if (!has1) for (int x = 0; x < twPad; x += vf) (Vector.Load(a + x) - vfy * Vector.Load(a + x)).Store(dst + x);
                else
                    for (int x = 0; x < twPad; x += vf)
                    {
                        var va = Vector.Load(a + x);
                        (va + vfy * (Vector.Load(b + x) - va)).Store(dst + x);
                    }
            }
        }
        return any;
    }

    /// <summary>The columns step of <see cref="CoarseLayer"/> at scale 2 from an even column, eight pixels at a time: pixel
    /// 2m interpolates a[m], a[m + 1] at 3/4 and pixel 2m + 1 a[m + 1], a[m + 2] at 1/4 (<see cref="LayerKernel.Upsample"/>);
    /// the two are interleaved. The same operations as the scalar loop.</summary>
    static unsafe void Upsample2(float* a, float* dst, int n)
    {
        var f0 = Vector128.Create(0.75f);
        var f1 = Vector128.Create(0.25f);
        for (int m = 0; 2 * m < n; m += 4)
        {
            var a0 = Sse.LoadVector128(a + m);
            var a1 = Sse.LoadVector128(a + m + 1);
            var a2 = Sse.LoadVector128(a + m + 2);
            var even = a0 + f0 * (a1 - a0);
            var odd = a1 + f1 * (a2 - a1);
            Sse.UnpackLow(even, odd).Store(dst + 2 * m);
            Sse.UnpackHigh(even, odd).Store(dst + 2 * m + 4);
        }
    }

    /// <summary>acc = g + (1 − occ)·acc, vectorised.</summary>
    static unsafe void Over(float* g, float* occ, float* acc, int x0, int x1)
    {
        for (int x = x0; x < x1; x += Vector<float>.Count)
            (Vector.Load(g + x) + (Vector<float>.One - Vector.Load(occ + x)) * Vector.Load(acc + x)).Store(acc + x);
    }

    /// <summary>For one layer and window columns: the columns [Ca, Cb) of the presence cells holding the layer in cell row
    /// <see cref="CellRow"/> (−1: none yet).</summary>
    record struct CellSpan(int CellRow, int Ca, int Cb)
    {
        public static CellSpan None => new(-1, 0, 0);
    }

    /// <summary>
    /// Layer k's weight of the image row <paramref name="sy"/> at columns sx0 .. sx0 + cols − 1 into
    /// <paramref name="wbuf"/> (0 outside the image). Returns false when all are 0 (wbuf is then left undefined);
    /// otherwise [first, last] are the columns with weight. The weights are computed a vector at a time; <paramref
    /// name="span"/> carries the presence-cell columns from row to row of one window.
    /// </summary>
    static unsafe bool RowWeights(Context c, int k, int sy, int sx0, int cols, float* wbuf, ref CellSpan span, out int first, out int last)
    {
        int w = c.Plan.Width;
        long rowStart = (long)sy * w;
        first = last = 0;
        // Only from the first to the last cell of this row that holds the layer (LayerPresence): none outside has weight.
        // The same for every row of a cell row.
        const int cell = LayerPresence.Cell;
        if (span.CellRow != sy / cell)
        {
            int a = Math.Max(0, -sx0), b = Math.Min(cols, w - sx0);
            while (a < b)
            {
                int end = Math.Min(b, ((sx0 + a) | (cell - 1)) + 1 - sx0);
                if (c.Presence.Any(k, sx0 + a, sx0 + end - 1, sy, sy)) break;
                a = end;
            }
            while (b > a)
            {
                int start = Math.Max(a, ((sx0 + b - 1) & ~(cell - 1)) - sx0);
                if (c.Presence.Any(k, sx0 + start, sx0 + b - 1, sy, sy)) break;
                b = start;
            }
            span = new CellSpan(sy / cell, a, b);
        }
        int ca = span.Ca, cb = span.Cb;
        if (ca >= cb) return false;
        byte* lower = c.Lower + rowStart + sx0;
        float* upper = c.Upper + rowStart + sx0;
        int vf = Vector<float>.Count, vb = Vector<byte>.Count;
        var kLo = new Vector<uint>((uint)k);
        var kUp = new Vector<uint>((uint)(k - 1));
        var anyV = Vector<float>.Zero;
        int col = ca;
        for (; col + vb <= cb; col += vb)
        {
            // Layer indices widened byte → uint, four float vectors' worth at a time.
            Vector.Widen(Vector.Load(lower + col), out Vector<ushort> b0, out Vector<ushort> b1);
            Vector.Widen(b0, out Vector<uint> i0, out Vector<uint> i1);
            Vector.Widen(b1, out Vector<uint> i2, out Vector<uint> i3);
            anyV |= LayerWeight(i0, Vector.Load(upper + col), kLo, kUp, wbuf + col);
            anyV |= LayerWeight(i1, Vector.Load(upper + col + vf), kLo, kUp, wbuf + col + vf);
            anyV |= LayerWeight(i2, Vector.Load(upper + col + 2 * vf), kLo, kUp, wbuf + col + 2 * vf);
            anyV |= LayerWeight(i3, Vector.Load(upper + col + 3 * vf), kLo, kUp, wbuf + col + 3 * vf);
        }
        bool has = anyV != Vector<float>.Zero;
        for (; col < cb; col++)
        {
            int lo = lower[col];
            float t = upper[col];
            float wt = lo == k ? 1f - t : lo + 1 == k ? t : 0f;
            wbuf[col] = wt;
            has |= wt != 0f;
        }
        if (!has) return false;
        first = ca;
        last = cb - 1;
        while (wbuf[first] == 0f) first++;
        while (wbuf[last] == 0f) last--;
        new Span<float>(wbuf, ca).Clear();
        new Span<float>(wbuf + cb, cols - cb).Clear();
        return true;
    }

    /// <summary>
    /// Fills the window whose top-left source pixel is (sx0, sy0) with layer k's weighted values (L) and their row prefix
    /// sums (P[i] = Σ L[&lt;i]) for every channel; the last channel is the occupancy. Returns false when the layer has no
    /// weight anywhere in the window.
    /// </summary>
    static unsafe bool BuildWindow(Context c, Workspace ws, Window win, int k, int sx0, int sy0, int cols, int rows)
    {
        int w = c.Plan.Width, h = c.Plan.Height;
        int nSrc = c.Sources.Length;
        bool any = false;
        int vf = Vector<float>.Count;
        var span = CellSpan.None;
        for (int r = 0; r < rows; r++)
        {
            int sy = sy0 + r;
            win.RowHas[r] = false;
            if (sy < 0 || sy >= h) continue;
            // The weights are the occupancy channel's values.
            float* wbuf = win.L(nSrc) + r * win.Stride;
            if (!RowWeights(c, k, sy, sx0, cols, wbuf, ref span, out int first, out int last)) continue;
            win.RowHas[r] = true;
            any = true;
            ws.ColMin[r] = first;
            ws.ColMax[r] = last;
            long rowStart = (long)sy * w;
            for (int ch = 0; ch <= nSrc; ch++)
            {
                float* l = win.L(ch) + r * win.Stride;
                if (ch < nSrc)
                {
                    // Zero outside the columns with weight.
                    float* src = (float*)c.Source[ch] + rowStart + sx0;
                    new Span<float>(l, first).Clear();
                    new Span<float>(l + last + 1, cols - last - 1).Clear();
                    int x = first;
                    for (; x + vf <= last + 1; x += vf) (Vector.Load(wbuf + x) * Vector.Load(src + x)).Store(l + x);
                    for (; x <= last; x++) l[x] = wbuf[x] * src[x];
                }
                PrefixSum(l, win.P(ch) + r * win.Stride, cols, first, last);
            }
        }
        return any;
    }

    /// <summary>
    /// The coarse-grid version of <see cref="BuildWindow"/> for a layer at scale s: window storage indices ci0 .. ci0 +
    /// cols − 1 by cj0 .. cj0 + rows − 1, each the D-weighted sum (<see cref="LayerKernel"/>) of layer k's weighted
    /// values over its 2s × 2s full-resolution pixels. Rows first: each full-resolution row's weighted values are added,
    /// a vector at a time, to the two coarse rows whose tents cover it (V, two rows in turn); then the tent along each
    /// finished row at the coarse columns (<see cref="TentAndPrefix"/>), and the row's prefix sums.
    /// </summary>
    static unsafe bool BuildCoarseWindow(Context c, Workspace ws, Window win, int k, int s, int ci0, int cj0, int cols, int rows)
    {
        int w = c.Plan.Width, h = c.Plan.Height;
        int nSrc = c.Sources.Length, nch = nSrc + 1;
        float[] a = c.DownWeights[s];
        int fx0 = LayerKernel.DownsampleStart(ci0, s);
        int fcols = s * cols + 2 * s;
        long vStride = ws.FullCols, vSet = vStride * nch;
        float* wbuf = ws.Weight, cur = ws.V, next = ws.V + vSet;
        int vf = Vector<float>.Count;
        bool any = false, hasCur = false, hasNext = false;
        var span = CellSpan.None;
        new Span<float>(cur, (int)vSet).Clear();
        new Span<float>(next, (int)vSet).Clear();
        // Adds full-resolution row sy to V row `first` with weight a[q] and, if q ≥ s, to V row `second` with a[q − s].
        bool AddRow(int sy, float* firstRow, int q, float* secondRow)
        {
            if (sy < 0 || sy >= h) return false;
            if (!RowWeights(c, k, sy, fx0, fcols, wbuf, ref span, out int first, out int last)) return false;
            long rowStart = (long)sy * w;
            var a1 = new Vector<float>(a[q]);
            var a2 = new Vector<float>(secondRow != null ? a[q - s] : 0f);
            float s1 = a[q], s2 = secondRow != null ? a[q - s] : 0f;
            for (int ch = 0; ch < nch; ch++)
            {
                float* v1 = firstRow + ch * vStride, v2 = secondRow + ch * vStride;
                float* src = ch < nSrc ? (float*)c.Source[ch] + rowStart + fx0 : null;
                // Columns without weight add nothing.
                int x = first;
                for (; x + vf <= last + 1; x += vf)
                {
                    var val = src != null ? Vector.Load(wbuf + x) * Vector.Load(src + x) : Vector.Load(wbuf + x);
                    (Vector.Load(v1 + x) + a1 * val).Store(v1 + x);
                    if (secondRow != null) (Vector.Load(v2 + x) + a2 * val).Store(v2 + x);
                }
                for (; x <= last; x++)
                {
                    float val = src != null ? wbuf[x] * src[x] : wbuf[x];
                    v1[x] += s1 * val;
                    if (secondRow != null) v2[x] += s2 * val;
                }
            }
            return true;
        }
        // The first half of window row 0's tent (its second half is shared with row 1).
        int fy0 = LayerKernel.DownsampleStart(cj0, s);
        for (int q = 0; q < s; q++) hasCur |= AddRow(fy0 + q, cur, q, null);
        for (int r = 0; r < rows; r++)
        {
            // The second half of row r's tent is the first half of row r + 1's.
            int fy = LayerKernel.DownsampleStart(cj0 + r, s);
            for (int q = s; q < 2 * s; q++)
                if (AddRow(fy + q, cur, q, next)) hasCur = hasNext = true;
            win.RowHas[r] = false;
            if (hasCur)
            {
                for (int ch = 0; ch < nch; ch++)
                    TentAndPrefix(cur + ch * vStride, a, s, win.L(ch) + r * win.Stride, win.P(ch) + r * win.Stride, cols);
                // Columns with weight: from the occupancy (the last channel).
                float* occ = win.L(nch - 1) + r * win.Stride;
                int first = 0, last = cols - 1;
                while (first < cols && occ[first] == 0f) first++;
                while (last > first && occ[last] == 0f) last--;
                win.RowHas[r] = first < cols;
                ws.ColMin[r] = first;
                ws.ColMax[r] = last;
                any |= first < cols;
            }
            // Row r + 1 takes over the partial sums; the old row is cleared for r + 2.
            var done = cur;
            cur = next;
            next = done;
            new Span<float>(next, (int)vSet).Clear();
            hasCur = hasNext;
            hasNext = false;
        }
        return any;
    }

    /// <summary>A coarse window row from its row of vertical sums v: l[i] = Σ_q a[q]·v[s·i + q] (D's tent along the row,
    /// evaluated at the coarse columns only), and its prefix sums p (<see cref="PrefixSum"/>). At scale 2 four coarse
    /// columns at a time, v's even and odd columns split by shuffles; the same operations in the same order as the
    /// scalar loop.</summary>
    static unsafe void TentAndPrefix(float* v, float[] a, int s, float* l, float* p, int n)
    {
        int i = 0;
        if (s == 2 && Sse.IsSupported)
        {
            Vector128<float> a0 = Vector128.Create(a[0]), a1 = Vector128.Create(a[1]), a2 = Vector128.Create(a[2]), a3 = Vector128.Create(a[3]);
            for (; i + 4 <= n; i += 4)
            {
                float* q = v + 2 * i;
                Vector128<float> x0 = Sse.LoadVector128(q), x1 = Sse.LoadVector128(q + 4), y0 = Sse.LoadVector128(q + 2), y1 = Sse.LoadVector128(q + 6);
                var sum = a0 * Sse.Shuffle(x0, x1, 0b10_00_10_00); // v[2i], v[2i + 2], v[2i + 4], v[2i + 6]
                sum += a1 * Sse.Shuffle(x0, x1, 0b11_01_11_01);    // v[2i + 1], …
                sum += a2 * Sse.Shuffle(y0, y1, 0b10_00_10_00);    // v[2i + 2], …
                sum += a3 * Sse.Shuffle(y0, y1, 0b11_01_11_01);    // v[2i + 3], …
                sum.Store(l + i);
            }
        }
        for (; i < n; i++)
        {
            float* q = v + s * i;
            float sum = a[0] * q[0];
            for (int k = 1; k < 2 * s; k++) sum += a[k] * q[k];
            l[i] = sum;
        }
        PrefixSum(l, p, n);
    }

    /// <summary>Stores layer k's weight of a vector of pixels (1 − t where the pixel's lower layer is k, t where it is
    /// k − 1, else 0) and returns it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static unsafe Vector<float> LayerWeight(Vector<uint> lower, Vector<float> t, Vector<uint> k, Vector<uint> kMinus1, float* dst)
    {
        var wt = Vector.ConditionalSelect(Vector.Equals(lower, k).As<uint, float>(), Vector<float>.One - t,
                 Vector.ConditionalSelect(Vector.Equals(lower, kMinus1).As<uint, float>(), t, Vector<float>.Zero));
        wt.Store(dst);
        return wt;
    }

    /// <summary>p[0] = 0, p[i + 1] = p[i] + l[i] for i &lt; n. Four values per step, whose partial sums do not wait on the
    /// running total, keep the dependency chain to one addition per four values.</summary>
    static unsafe void PrefixSum(float* l, float* p, int n) => PrefixSum(l, p, n, 0, n - 1);

    /// <summary><see cref="PrefixSum(float*, float*, int)"/> of an l that is 0 outside [first, last]: the steps run only
    /// over the four-value blocks that hold [first, last] (the same blocks, so the same sums), p is 0 before them and
    /// constant after.</summary>
    static unsafe void PrefixSum(float* l, float* p, int n, int first, int last)
    {
        int i = first & ~3, end = Math.Min(n, (last + 4) & ~3);
        new Span<float>(p, i + 1).Clear();
        float s = 0f;
        for (; i + 4 <= end; i += 4)
        {
            float a = l[i], b = a + l[i + 1], c = b + l[i + 2], d = c + l[i + 3];
            p[i + 1] = s + a;
            p[i + 2] = s + b;
            p[i + 3] = s + c;
            s += d;
            p[i + 4] = s;
        }
        for (; i < end; i++)
        {
            s += l[i];
            p[i + 1] = s;
        }
        new Span<float>(p + end + 1, n - end).Fill(s);
    }

    /// <summary>Output pixels per gather step: eight vectors, so each tap's coefficient and offset are loaded once for
    /// 64 pixels (32 where vectors hold four floats). Divides <see cref="TileW"/>.</summary>
    static int Step => 8 * Vector<float>.Count;

    /// <summary>One gather step: <see cref="Step"/> output pixels of row oy from column ox, one channel: Σ over kernel
    /// rows of the prefix-difference taps and the single-pixel taps. Multiply and add stay separate (no fused
    /// multiply-add), so every vector width and instruction set gives bit-identical results.</summary>
    static unsafe void Gather(Window win, int ch, BokehKernel kernel, int oy, int ox, float* dst)
    {
        int e = kernel.Extent, v = Vector<float>.Count;
        long stride = win.Stride;
        float* lBase = win.L(ch) + e + oy * stride + ox;
        float* pBase = win.P(ch) + e + oy * stride + ox;
        bool* rowHas = win.RowHas + oy;
        Vector<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        fixed (int* lStart = kernel.LStart, pStart = kernel.PStart, lDx = kernel.LDx, pHi = kernel.PHi, pLo = kernel.PLo)
        fixed (float* lCoef = kernel.LCoef, pCoef = kernel.PCoef)
            for (int j = 0; j <= 2 * e; j++)
            {
                if (!rowHas[j]) continue;
                float* lr = lBase + j * stride;
                for (int t = lStart[j], tEnd = lStart[j + 1]; t < tEnd; t++)
                {
                    var cf = new Vector<float>(lCoef[t]);
                    float* q = lr + lDx[t];
                    a0 += cf * Vector.Load(q);
                    a1 += cf * Vector.Load(q + v);
                    a2 += cf * Vector.Load(q + 2 * v);
                    a3 += cf * Vector.Load(q + 3 * v);
                    a4 += cf * Vector.Load(q + 4 * v);
                    a5 += cf * Vector.Load(q + 5 * v);
                    a6 += cf * Vector.Load(q + 6 * v);
                    a7 += cf * Vector.Load(q + 7 * v);
                }
                float* pr = pBase + j * stride;
                for (int t = pStart[j], tEnd = pStart[j + 1]; t < tEnd; t++)
                {
                    var cf = new Vector<float>(pCoef[t]);
                    float* hi = pr + pHi[t], lo = pr + pLo[t];
                    a0 += cf * (Vector.Load(hi) - Vector.Load(lo));
                    a1 += cf * (Vector.Load(hi + v) - Vector.Load(lo + v));
                    a2 += cf * (Vector.Load(hi + 2 * v) - Vector.Load(lo + 2 * v));
                    a3 += cf * (Vector.Load(hi + 3 * v) - Vector.Load(lo + 3 * v));
                    a4 += cf * (Vector.Load(hi + 4 * v) - Vector.Load(lo + 4 * v));
                    a5 += cf * (Vector.Load(hi + 5 * v) - Vector.Load(lo + 5 * v));
                    a6 += cf * (Vector.Load(hi + 6 * v) - Vector.Load(lo + 6 * v));
                    a7 += cf * (Vector.Load(hi + 7 * v) - Vector.Load(lo + 7 * v));
                }
            }
        a0.Store(dst); a1.Store(dst + v); a2.Store(dst + 2 * v); a3.Store(dst + 3 * v);
        a4.Store(dst + 4 * v); a5.Store(dst + 5 * v); a6.Store(dst + 6 * v); a7.Store(dst + 7 * v);
    }

}

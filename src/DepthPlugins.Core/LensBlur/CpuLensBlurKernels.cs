using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
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
/// <para>Work is done per output tile: only layers present within the tile grown by their kernel extent are gathered,
/// from a window of prefix sums built for that tile (float prefix sums over at most a tile plus two kernel extents stay
/// accurate).</para>
/// </summary>
public sealed class CpuLensBlurKernels(Parallelism par) : ILensBlurKernels
{
    const int TileW = 128, TileH = 64;

    public string Name => "cpu";

    public LensBlurComposite Composite(LensBlurScene scene, Progress progress)
    {
        var plan = scene.Layers;
        int w = scene.Width, h = scene.Height;
        if (plan.Width != w || plan.Height != h) throw new DpException(DpStatus.Internal, "layer plan and image differ in size");
        var kernels = new BokehKernel[plan.Count];
        Parallel.For(0, plan.Count, par.Options, k => kernels[k] = new BokehKernel(plan.Radius(k), scene.Shape));
        var presence = LayerPresence.Build(plan, par);
        int maxExtent = kernels.Max(k => k.Extent);

        // Source channels: premultiplied colour, then alpha (if any); occupancy is the layer weight itself.
        var sources = scene.Alpha == null ? scene.Colour : [.. scene.Colour, scene.Alpha];
        var outColour = scene.Colour.Select(_ => new Plane(w, h)).ToArray();
        var outAlpha = scene.Alpha != null ? new Plane(w, h) : null;
        var outs = outAlpha == null ? outColour : [.. outColour, outAlpha];
        var untouched = new bool[(long)w * h];

        int tilesX = (w + TileW - 1) / TileW, tilesY = (h + TileH - 1) / TileH;
        using var ctx = new Context(plan, kernels, presence, sources, outs, untouched);
        // Bands of consecutive tiles (row-major), not of tile rows: tiles differ in cost by the layers they hold, and
        // mixing tiles of several rows in a band evens out the parallel waves.
        Bands.Run(tilesX * tilesY, (t0, t1) =>
        {
            using var ws = new Workspace(sources.Length + 1, maxExtent);
            for (int t = t0; t < t1; t++)
            {
                int tx = t % tilesX, ty = t / tilesX;
                RenderTile(ctx, ws, tx * TileW, ty * TileH, Math.Min(TileW, w - tx * TileW), Math.Min(TileH, h - ty * TileH));
            }
        }, progress, par, minRowsPerBand: 1);
        return new LensBlurComposite(outColour, outAlpha, untouched);
    }

    /// <summary>What every tile reads, with the per-pixel arrays pinned for the vector loops.</summary>
    sealed unsafe class Context : IDisposable
    {
        readonly List<GCHandle> _pins = [];

        public Context(LayerPlan plan, BokehKernel[] kernels, LayerPresence presence, Plane[] sources, Plane[] outs, bool[] untouched)
        {
            Plan = plan;
            Kernels = kernels;
            Presence = presence;
            Sources = sources;
            Outs = outs;
            Untouched = untouched;
            Lower = (byte*)Pin(plan.Lower);
            Upper = (float*)Pin(plan.UpperWeight);
            Source = new nint[sources.Length];
            for (int i = 0; i < sources.Length; i++) Source[i] = (nint)Pin(sources[i].Data);
        }

        void* Pin(Array a)
        {
            var h = GCHandle.Alloc(a, GCHandleType.Pinned);
            _pins.Add(h);
            return (void*)h.AddrOfPinnedObject();
        }

        public LayerPlan Plan { get; }
        public BokehKernel[] Kernels { get; }
        public LayerPresence Presence { get; }
        public Plane[] Sources { get; }
        public Plane[] Outs { get; }
        public bool[] Untouched { get; }
        public byte* Lower { get; }
        public float* Upper { get; }
        /// <summary>Pinned addresses of the source planes.</summary>
        public nint[] Source { get; }

        public void Dispose()
        {
            foreach (var h in _pins) h.Free();
        }
    }

    /// <summary>Thread-local buffers: a window of L (layer-weighted values) and P (row prefix sums) per channel, the
    /// tile accumulators and the tile's gathered values per channel. Native memory: fixed addresses for the vector loops.</summary>
    sealed unsafe class Workspace : IDisposable
    {
        public readonly int Channels, Stride, Rows;
        public readonly float* L, P, Acc, T, Near, Gathered, Weight;
        public readonly int* Span0, Span1;
        public readonly bool* RowHas;
        /// <summary>Per window row, the first and last column holding layer weight.</summary>
        public readonly int* ColMin, ColMax;
        readonly void* _block;

        public Workspace(int channels, int maxExtent)
        {
            Channels = channels;
            Stride = TileW + 2 * maxExtent + 1 + Step;
            Rows = TileH + 2 * maxExtent;
            long window = (long)Stride * Rows;
            long tile = (long)TileW * TileH;
            long floats = 2 * window * channels + tile * (channels - 1) + 2 * tile + tile * channels + Stride + 2 * TileH;
            _block = NativeMemory.AlignedAlloc((nuint)(floats * sizeof(float) + 2L * Rows * sizeof(int) + Rows), 64);
            var f = (float*)_block;
            L = f; f += window * channels;
            P = f; f += window * channels;
            Acc = f; f += tile * (channels - 1);
            T = f; f += tile;
            Near = f; f += tile;
            Gathered = f; f += tile * channels;
            Span0 = (int*)f; f += TileH;
            Span1 = (int*)f; f += TileH;
            Weight = f; f += Stride;
            ColMin = (int*)f;
            ColMax = ColMin + Rows;
            RowHas = (bool*)(ColMax + Rows);
        }

        public float* LChannel(int c) => L + (long)c * Stride * Rows;
        public float* PChannel(int c) => P + (long)c * Stride * Rows;

        public void Dispose() => NativeMemory.AlignedFree(_block);
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

        // The nearest layer that covers the whole tile's window with weight 1 hides everything behind it: start there.
        int first = 0;
        bool opaqueFirst = false;
        for (int k = plan.Count - 1; k >= 0 && !opaqueFirst; k--)
        {
            int e = c.Kernels[k].Extent;
            if (c.Presence.Opaque(k, x0 - e, x0 + tw - 1 + e, y0 - e, y0 + th - 1 + e)) (first, opaqueFirst) = (k, true);
        }
        for (int k = first; k < plan.Count; k++)
        {
            var kernel = c.Kernels[k];
            int e = kernel.Extent;
            if (!c.Presence.Any(k, x0 - e, x0 + tw - 1 + e, y0 - e, y0 + th - 1 + e)) continue;
            if (!BuildWindow(c, ws, k, x0 - e, y0 - e, twPad + 2 * e, th + 2 * e)) continue;
            // Per output row, the columns this layer can reach from the window rows under the kernel: [min − 2e, max],
            // in whole gather steps; rows it cannot reach keep acc and T as they are.
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
            // An opaque first layer has occupancy exactly 1 (its kernel sums to 1 over weights that are all 1): not gathered.
            bool opaque = opaqueFirst && k == first;
            float* occAll = ws.Gathered + (long)(ws.Channels - 1) * TileH * TileW;
            if (opaque) new Span<float>(occAll, TileW * TileH).Fill(1f);
            for (int ch = 0; ch < (opaque ? nOut : ws.Channels); ch++)
                for (int ox = 0; ox < twPad; ox += Step)
                    for (int oy = 0; oy < th; oy++)
                        if (ox >= span0[oy] && ox < span1[oy])
                            Gather(ws, ch, kernel, oy, ox, ws.Gathered + ((long)ch * TileH + oy) * TileW + ox);
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
                    for (int x = xa; x < xb; x++) n[x] += occ[x];
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
                var dst = c.Outs[ch].Data;
                for (int x = 0; x < tw; x++) dst[row + x] = t[x] > 0 ? acc[x] / t[x] : 0f;
            }
            for (int x = 0; x < tw; x++)
            {
                long i = row + x;
                c.Untouched[i] = plan.Lower[i] == plan.Center && plan.UpperWeight[i] == 0f && n[x] == 0f;
            }
        }
    }

    /// <summary>acc = g + (1 − occ)·acc, vectorised.</summary>
    static unsafe void Over(float* g, float* occ, float* acc, int x0, int x1)
    {
        for (int x = x0; x < x1; x += Vector<float>.Count)
            (Vector.Load(g + x) + (Vector<float>.One - Vector.Load(occ + x)) * Vector.Load(acc + x)).Store(acc + x);
    }

    /// <summary>
    /// Fills the window whose top-left source pixel is (sx0, sy0) with layer k's weighted values (L) and their row prefix
    /// sums (P[i] = Σ L[&lt;i]) for every channel; the last channel is the occupancy. Returns false when the layer has no
    /// weight anywhere in the window. The weights and L are computed a vector at a time.
    /// </summary>
    static unsafe bool BuildWindow(Context c, Workspace ws, int k, int sx0, int sy0, int cols, int rows)
    {
        var plan = c.Plan;
        int w = plan.Width, h = plan.Height;
        int nSrc = c.Sources.Length;
        bool any = false;
        float* wbuf = ws.Weight;
        int vf = Vector<float>.Count, vb = Vector<byte>.Count;
        var kLo = new Vector<uint>((uint)k);
        var kUp = new Vector<uint>((uint)(k - 1));
        for (int r = 0; r < rows; r++)
        {
            int sy = sy0 + r;
            ws.RowHas[r] = false;
            if (sy < 0 || sy >= h) continue;
            long rowStart = (long)sy * w;
            // Columns [ca, cb) of the window lie inside the image; the rest is zero.
            int ca = Math.Max(0, -sx0), cb = Math.Min(cols, w - sx0);
            byte* lower = c.Lower + rowStart + sx0;
            float* upper = c.Upper + rowStart + sx0;
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
            if (!has) continue;
            ws.RowHas[r] = true;
            any = true;
            int first = ca, last = cb - 1;
            while (wbuf[first] == 0f) first++;
            while (wbuf[last] == 0f) last--;
            ws.ColMin[r] = first;
            ws.ColMax[r] = last;
            new Span<float>(wbuf, ca).Clear();
            new Span<float>(wbuf + cb, cols - cb).Clear();
            for (int ch = 0; ch <= nSrc; ch++)
            {
                float* l = ws.LChannel(ch) + (long)r * ws.Stride;
                float* src = ch < nSrc ? (float*)c.Source[ch] + rowStart + sx0 : null;
                if (src == null) new Span<float>(wbuf, cols).CopyTo(new Span<float>(l, cols));
                else
                {
                    new Span<float>(l, ca).Clear();
                    new Span<float>(l + cb, cols - cb).Clear();
                    int x = ca;
                    for (; x + vf <= cb; x += vf) (Vector.Load(wbuf + x) * Vector.Load(src + x)).Store(l + x);
                    for (; x < cb; x++) l[x] = wbuf[x] * src[x];
                }
                PrefixSum(l, ws.PChannel(ch) + (long)r * ws.Stride, cols);
            }
        }
        return any;
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
    static unsafe void PrefixSum(float* l, float* p, int n)
    {
        float s = 0f;
        p[0] = 0f;
        int i = 0;
        for (; i + 4 <= n; i += 4)
        {
            float a = l[i], b = a + l[i + 1], c = b + l[i + 2], d = c + l[i + 3];
            p[i + 1] = s + a;
            p[i + 2] = s + b;
            p[i + 3] = s + c;
            s += d;
            p[i + 4] = s;
        }
        for (; i < n; i++)
        {
            s += l[i];
            p[i + 1] = s;
        }
    }

    /// <summary>Output pixels per gather step: eight vectors, so each tap's coefficient and offset are loaded once for
    /// 64 pixels (32 where vectors hold four floats). Divides <see cref="TileW"/>.</summary>
    static int Step => 8 * Vector<float>.Count;

    /// <summary>One gather step: <see cref="Step"/> output pixels of row oy from column ox, one channel: Σ over kernel
    /// rows of the prefix-difference taps and the single-pixel taps. Multiply and add stay separate (no fused
    /// multiply-add), so every vector width and instruction set gives bit-identical results.</summary>
    static unsafe void Gather(Workspace ws, int ch, BokehKernel kernel, int oy, int ox, float* dst)
    {
        int e = kernel.Extent, v = Vector<float>.Count;
        long stride = ws.Stride;
        float* lBase = ws.LChannel(ch) + e + oy * stride + ox;
        float* pBase = ws.PChannel(ch) + e + oy * stride + ox;
        bool* rowHas = ws.RowHas + oy;
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

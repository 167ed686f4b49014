using System.Numerics;
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
    const int TileW = 128, TileH = 64, Cell = 16, MaskWords = 4; // 4 × 64 bits ≥ LayerPlan.MaxLayers

    public string Name => "cpu";

    public LensBlurComposite Composite(LensBlurScene scene, Progress progress)
    {
        var plan = scene.Layers;
        int w = scene.Width, h = scene.Height;
        if (plan.Width != w || plan.Height != h) throw new DpException(DpStatus.Internal, "layer plan and image differ in size");
        var kernels = new BokehKernel[plan.Count];
        Parallel.For(0, plan.Count, par.Options, k => kernels[k] = new BokehKernel(plan.Radius(k), scene.Shape));
        var presence = Presence(plan);
        int maxExtent = kernels.Max(k => k.Extent);

        // Source channels: premultiplied colour, then alpha (if any); occupancy is the layer weight itself.
        var sources = scene.Alpha == null ? scene.Colour : [.. scene.Colour, scene.Alpha];
        var outColour = scene.Colour.Select(_ => new Plane(w, h)).ToArray();
        var outAlpha = scene.Alpha != null ? new Plane(w, h) : null;
        var outs = outAlpha == null ? outColour : [.. outColour, outAlpha];
        var untouched = new bool[(long)w * h];

        int tilesX = (w + TileW - 1) / TileW, tilesY = (h + TileH - 1) / TileH;
        var ctx = new Context(plan, kernels, presence, sources, outs, untouched, (w + Cell - 1) / Cell, (h + Cell - 1) / Cell);
        Bands.Run(tilesY, (t0, t1) =>
        {
            using var ws = new Workspace(sources.Length + 1, maxExtent);
            for (int ty = t0; ty < t1; ty++)
                for (int tx = 0; tx < tilesX; tx++)
                    RenderTile(ctx, ws, tx * TileW, ty * TileH, Math.Min(TileW, w - tx * TileW), Math.Min(TileH, h - ty * TileH));
        }, progress, par, minRowsPerBand: 1);
        return new LensBlurComposite(outColour, outAlpha, untouched);
    }

    sealed record Context(LayerPlan Plan, BokehKernel[] Kernels, ulong[] Presence, Plane[] Sources, Plane[] Outs, bool[] Untouched, int CellsX, int CellsY);

    /// <summary>Per 16×16 cell, a bit per layer that has any weight there.</summary>
    ulong[] Presence(LayerPlan plan)
    {
        int w = plan.Width, h = plan.Height;
        int cx = (w + Cell - 1) / Cell, cy = (h + Cell - 1) / Cell;
        var bits = new ulong[(long)cx * cy * MaskWords];
        Parallel.For(0, cy, par.Options, j =>
        {
            for (int y = j * Cell; y < Math.Min(h, (j + 1) * Cell); y++)
                for (int x = 0; x < w; x++)
                {
                    long i = (long)y * w + x;
                    long cell = ((long)j * cx + x / Cell) * MaskWords;
                    int k = plan.Lower[i];
                    float t = plan.UpperWeight[i];
                    if (t < 1f) bits[cell + (k >> 6)] |= 1UL << (k & 63);
                    if (t > 0f) bits[cell + ((k + 1) >> 6)] |= 1UL << ((k + 1) & 63);
                }
        });
        return bits;
    }

    static bool Present(Context c, int k, int x0, int x1, int y0, int y1)
    {
        int cx0 = Math.Max(0, x0) / Cell, cx1 = Math.Min(c.Plan.Width - 1, x1) / Cell;
        int cy0 = Math.Max(0, y0) / Cell, cy1 = Math.Min(c.Plan.Height - 1, y1) / Cell;
        ulong bit = 1UL << (k & 63);
        int word = k >> 6;
        for (int cy = cy0; cy <= cy1; cy++)
            for (int cx = cx0; cx <= cx1; cx++)
                if ((c.Presence[((long)cy * c.CellsX + cx) * MaskWords + word] & bit) != 0) return true;
        return false;
    }

    /// <summary>Thread-local buffers: a window of L (layer-weighted values) and P (row prefix sums) per channel, the
    /// tile accumulators and one row of gathered values. Native memory: fixed addresses for the vector loops.</summary>
    sealed unsafe class Workspace : IDisposable
    {
        public readonly int Channels, Stride, Rows;
        public readonly float* L, P, Acc, T, Near, Row, OccRow, Weight;
        public readonly bool* RowHas;
        readonly void* _block;

        public Workspace(int channels, int maxExtent)
        {
            Channels = channels;
            int v = Vector<float>.Count;
            Stride = TileW + 2 * maxExtent + 1 + 4 * v;
            Rows = TileH + 2 * maxExtent;
            long window = (long)Stride * Rows;
            long tile = (long)TileW * TileH;
            long floats = 2 * window * channels + tile * (channels - 1) + 2 * tile + 2L * TileW + Stride;
            _block = NativeMemory.AlignedAlloc((nuint)(floats * sizeof(float) + Rows), 64);
            var f = (float*)_block;
            L = f; f += window * channels;
            P = f; f += window * channels;
            Acc = f; f += tile * (channels - 1);
            T = f; f += tile;
            Near = f; f += tile;
            Row = f; f += TileW;
            OccRow = f; f += TileW;
            Weight = f; f += Stride;
            RowHas = (bool*)f;
        }

        public float* LChannel(int c) => L + (long)c * Stride * Rows;
        public float* PChannel(int c) => P + (long)c * Stride * Rows;

        public void Dispose() => NativeMemory.AlignedFree(_block);
    }

    static unsafe void RenderTile(Context c, Workspace ws, int x0, int y0, int tw, int th)
    {
        var plan = c.Plan;
        int w = plan.Width;
        int v = Vector<float>.Count;
        int twPad = (tw + 4 * v - 1) / (4 * v) * (4 * v);
        int nOut = c.Outs.Length;
        new Span<float>(ws.Acc, TileW * TileH * nOut).Clear();
        new Span<float>(ws.T, TileW * TileH).Clear();
        new Span<float>(ws.Near, TileW * TileH).Clear();

        for (int k = 0; k < plan.Count; k++)
        {
            var kernel = c.Kernels[k];
            int e = kernel.Extent;
            if (!Present(c, k, x0 - e, x0 + tw - 1 + e, y0 - e, y0 + th - 1 + e)) continue;
            if (!BuildWindow(c, ws, k, x0 - e, y0 - e, twPad + 2 * e, th + 2 * e)) continue;
            bool nearer = k > plan.Center;
            for (int oy = 0; oy < th; oy++)
            {
                // Occupancy first: it decides how much of what lies behind stays visible.
                Gather(ws, ws.Channels - 1, kernel, oy, twPad, ws.OccRow);
                float* occ = ws.OccRow;
                for (int ch = 0; ch < nOut; ch++)
                {
                    Gather(ws, ch, kernel, oy, twPad, ws.Row);
                    float* acc = ws.Acc + (long)ch * TileW * TileH + oy * TileW;
                    Over(ws.Row, occ, acc, twPad);
                }
                float* t = ws.T + oy * TileW;
                Over(occ, occ, t, twPad);
                if (nearer)
                {
                    float* n = ws.Near + oy * TileW;
                    for (int x = 0; x < twPad; x++) n[x] += occ[x];
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
    static unsafe void Over(float* g, float* occ, float* acc, int n)
    {
        int v = Vector<float>.Count;
        var one = Vector<float>.One;
        for (int x = 0; x < n; x += v)
        {
            var a = Vector.Load(acc + x);
            Vector.Store(Vector.MultiplyAddEstimate(one - Vector.Load(occ + x), a, Vector.Load(g + x)), acc + x);
        }
    }

    /// <summary>
    /// Fills the window whose top-left source pixel is (sx0, sy0) with layer k's weighted values (L) and their row prefix
    /// sums (P[i] = Σ L[&lt;i]) for every channel; the last channel is the occupancy. Returns false when the layer has no
    /// weight anywhere in the window.
    /// </summary>
    static unsafe bool BuildWindow(Context c, Workspace ws, int k, int sx0, int sy0, int cols, int rows)
    {
        var plan = c.Plan;
        int w = plan.Width, h = plan.Height;
        int nSrc = c.Sources.Length;
        bool any = false;
        float* wbuf = ws.Weight;
        for (int r = 0; r < rows; r++)
        {
            int sy = sy0 + r;
            ws.RowHas[r] = false;
            if (sy < 0 || sy >= h) continue;
            bool has = false;
            long rowStart = (long)sy * w;
            for (int col = 0; col < cols; col++)
            {
                int sx = sx0 + col;
                float wt = 0f;
                if (sx >= 0 && sx < w)
                {
                    long i = rowStart + sx;
                    int lo = plan.Lower[i];
                    float t = plan.UpperWeight[i];
                    wt = lo == k ? 1f - t : lo + 1 == k ? t : 0f;
                }
                wbuf[col] = wt;
                has |= wt != 0f;
            }
            if (!has) continue;
            ws.RowHas[r] = true;
            any = true;
            for (int ch = 0; ch <= nSrc; ch++)
            {
                float* l = ws.LChannel(ch) + (long)r * ws.Stride;
                float* p = ws.PChannel(ch) + (long)r * ws.Stride;
                var src = ch < nSrc ? c.Sources[ch].Data : null;
                double sum = 0;
                p[0] = 0f;
                for (int col = 0; col < cols; col++)
                {
                    float wt = wbuf[col];
                    float val = wt == 0f ? 0f : src == null ? wt : wt * src[rowStart + sx0 + col];
                    l[col] = val;
                    sum += val;
                    p[col + 1] = (float)sum;
                }
            }
        }
        return any;
    }

    /// <summary>One output row of the tile for one channel: Σ over kernel rows of the prefix-difference taps and the
    /// single-pixel taps, four vectors of pixels at a time.</summary>
    static unsafe void Gather(Workspace ws, int ch, BokehKernel kernel, int oy, int twPad, float* dst)
    {
        int v = Vector<float>.Count;
        int e = kernel.Extent;
        float* lBase = ws.LChannel(ch) + e;
        float* pBase = ws.PChannel(ch) + e;
        int[] lStart = kernel.LStart, pStart = kernel.PStart, lDx = kernel.LDx, pHi = kernel.PHi, pLo = kernel.PLo;
        float[] lCoef = kernel.LCoef, pCoef = kernel.PCoef;
        for (int ox = 0; ox < twPad; ox += 4 * v)
        {
            Vector<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (int j = 0; j <= 2 * e; j++)
            {
                int r = oy + j; // window row of kernel row dy = j − e
                if (!ws.RowHas[r]) continue;
                long rowOff = (long)r * ws.Stride + ox;
                float* lr = lBase + rowOff;
                for (int t = lStart[j]; t < lStart[j + 1]; t++)
                {
                    var cf = new Vector<float>(lCoef[t]);
                    float* q = lr + lDx[t];
                    a0 = Vector.MultiplyAddEstimate(cf, Vector.Load(q), a0);
                    a1 = Vector.MultiplyAddEstimate(cf, Vector.Load(q + v), a1);
                    a2 = Vector.MultiplyAddEstimate(cf, Vector.Load(q + 2 * v), a2);
                    a3 = Vector.MultiplyAddEstimate(cf, Vector.Load(q + 3 * v), a3);
                }
                float* pr = pBase + rowOff;
                for (int t = pStart[j]; t < pStart[j + 1]; t++)
                {
                    var cf = new Vector<float>(pCoef[t]);
                    float* hi = pr + pHi[t], lo = pr + pLo[t];
                    a0 = Vector.MultiplyAddEstimate(cf, Vector.Load(hi) - Vector.Load(lo), a0);
                    a1 = Vector.MultiplyAddEstimate(cf, Vector.Load(hi + v) - Vector.Load(lo + v), a1);
                    a2 = Vector.MultiplyAddEstimate(cf, Vector.Load(hi + 2 * v) - Vector.Load(lo + 2 * v), a2);
                    a3 = Vector.MultiplyAddEstimate(cf, Vector.Load(hi + 3 * v) - Vector.Load(lo + 3 * v), a3);
                }
            }
            Vector.Store(a0, dst + ox);
            Vector.Store(a1, dst + ox + v);
            Vector.Store(a2, dst + ox + 2 * v);
            Vector.Store(a3, dst + ox + 3 * v);
        }
    }
}

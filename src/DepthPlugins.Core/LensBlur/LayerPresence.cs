using DepthPlugins.Core.Processing;

namespace DepthPlugins.Core.LensBlur;

/// <summary>
/// Which layers hold pixels where, at the granularity of 16×16 cells: lets a backend skip, per output tile, every layer
/// that cannot reach it. Per layer a summed-area table over the cells answers "any pixel of layer k in this rectangle?"
/// in O(1); per cell the layer that holds all its pixels with weight 1 (if one does) answers "is this rectangle wholly
/// layer k?".
/// </summary>
public sealed unsafe class LayerPresence
{
    public const int Cell = 16;
    /// <summary>A cell not wholly in one layer (LayerPlan.MaxLayers &lt; 255, so no layer has this index).</summary>
    public const byte Mixed = 255;

    readonly int[][] _counts; // per layer, (CellsX + 1) × (CellsY + 1) summed-area table of "cell holds layer k"
    readonly byte[] _pure;

    public int CellsX { get; }
    public int CellsY { get; }
    public int Width { get; }
    public int Height { get; }

    LayerPresence(int w, int h, int cx, int cy, int[][] counts, byte[] pure)
    {
        Width = w;
        Height = h;
        CellsX = cx;
        CellsY = cy;
        _counts = counts;
        _pure = pure;
    }

    public static LayerPresence Build(LayerPlan plan, Parallelism par)
    {
        int w = plan.Width, h = plan.Height, n = plan.Count;
        int cx = (w + Cell - 1) / Cell, cy = (h + Cell - 1) / Cell;
        int words = Words(n);
        var bits = new uint[(long)cx * cy * words];
        var pure = new byte[(long)cx * cy];
        Parallel.For(0, cy, par.Options, j =>
        {
            fixed (byte* lowerAll = plan.Lower)
            fixed (float* upperAll = plan.UpperWeight)
            fixed (uint* bitsAll = bits)
                for (int c = 0; c < cx; c++)
                {
                    int x0 = c * Cell, x1 = Math.Min(w, x0 + Cell);
                    uint* cb = bitsAll + ((long)j * cx + c) * words;
                    int first = lowerAll[(long)j * Cell * w + x0];
                    bool isPure = true;
                    // What a pixel adds depends only on its layer and whether its weight t is 0, 1 or between: a pixel
                    // like the previous one adds nothing (smooth depth gives long runs of them).
                    int last = -1;
                    for (int y = j * Cell; y < Math.Min(h, (j + 1) * Cell); y++)
                    {
                        byte* lower = lowerAll + (long)y * w;
                        float* upper = upperAll + (long)y * w;
                        for (int x = x0; x < x1; x++)
                        {
                            int k = lower[x];
                            float t = upper[x];
                            int key = k << 2 | (t > 0f ? 1 : 0) | (t < 1f ? 2 : 0);
                            if (key == last) continue;
                            last = key;
                            if (t < 1f) cb[k >> 5] |= 1u << (k & 31);
                            if (t > 0f) cb[(k + 1) >> 5] |= 1u << ((k + 1) & 31);
                            if (t != 0f || k != first) isPure = false;
                        }
                    }
                    pure[(long)j * cx + c] = isPure ? (byte)first : Mixed;
                }
        });
        return FromCells(w, h, n, bits, pure, par);
    }

    /// <summary>32-bit words of layer bits per cell for <paramref name="layers"/> layers.</summary>
    public static int Words(int layers) => (layers + 31) / 32;

    /// <summary>
    /// From per-cell facts another backend collected: <paramref name="bits"/> holds, per 16×16 cell (row-major), <see
    /// cref="Words"/> words with bit k set where some pixel of the cell has weight in layer k; <paramref name="pure"/> per
    /// cell the layer holding every pixel of it with weight 1, or 255.
    /// </summary>
    public static LayerPresence FromCells(int w, int h, int layers, uint[] bits, byte[] pure, Parallelism par)
    {
        int cx = (w + Cell - 1) / Cell, cy = (h + Cell - 1) / Cell, words = Words(layers);
        if (bits.LongLength != (long)cx * cy * words || pure.LongLength != (long)cx * cy)
            throw new DpException(DpStatus.Internal, "layer presence: cell arrays of the wrong size");
        var counts = new int[layers][];
        Parallel.For(0, layers, par.Options, k =>
        {
            var s = new int[(cx + 1) * (cy + 1)];
            for (int j = 0; j < cy; j++)
            {
                int row = 0;
                for (int i = 0; i < cx; i++)
                {
                    row += (int)((bits[((long)j * cx + i) * words + (k >> 5)] >> (k & 31)) & 1);
                    s[(j + 1) * (cx + 1) + i + 1] = s[j * (cx + 1) + i + 1] + row;
                }
            }
            counts[k] = s;
        });
        return new LayerPresence(w, h, cx, cy, counts, pure);
    }

    /// <summary>Whether layer k has weight in any pixel of [x0, x1] × [y0, y1] (inclusive, clipped to the image; checked
    /// by whole cells, so possibly a false "yes" near the rectangle's edge, never a false "no").</summary>
    public bool Any(int k, int x0, int x1, int y0, int y1)
    {
        int cx0 = Math.Max(0, x0) / Cell, cx1 = Math.Min(Width - 1, x1) / Cell;
        int cy0 = Math.Max(0, y0) / Cell, cy1 = Math.Min(Height - 1, y1) / Cell;
        if (cx0 > cx1 || cy0 > cy1) return false;
        var s = _counts[k];
        int stride = CellsX + 1;
        return s[(cy1 + 1) * stride + cx1 + 1] - s[cy0 * stride + cx1 + 1] - s[(cy1 + 1) * stride + cx0] + s[cy0 * stride + cx0] > 0;
    }

    /// <summary>Whether layer k holds every pixel of [x0, x1] × [y0, y1] with weight 1 (checked by whole cells, so possibly
    /// a false "no") and the rectangle lies inside the image. Then the layer's blurred occupancy over everything whose
    /// kernel stays inside that rectangle is exactly 1: it hides every layer behind it.</summary>
    public bool Opaque(int k, int x0, int x1, int y0, int y1)
    {
        if (x0 < 0 || y0 < 0 || x1 >= Width || y1 >= Height) return false;
        for (int cy = y0 / Cell; cy <= y1 / Cell; cy++)
            for (int cx = x0 / Cell; cx <= x1 / Cell; cx++)
                if (_pure[(long)cy * CellsX + cx] != k) return false;
        return true;
    }
}

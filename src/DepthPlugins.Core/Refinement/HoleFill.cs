using DepthPlugins.Core.Imaging;

namespace DepthPlugins.Core.Refinement;

/// <summary>
/// Fills unknown depth by push-pull (Gortler et al. 1996): each coarser level averages the known pixels of 2×2 blocks,
/// the coarsest levels are filled first, and every unknown pixel takes the bilinear interpolation of the level above.
/// Known pixels are never changed; the fill is smooth and O(pixels). Used where a method cannot skip unknown samples
/// itself (FDKN's network sees every pixel).
/// </summary>
public static class HoleFill
{
    /// <summary>A copy of <paramref name="depth"/> with every unknown pixel filled, and the mask of the pixels that were
    /// unknown. With no known pixel at all nothing can be filled: the copy keeps the unknown values.</summary>
    public static (Plane Filled, bool[] WasUnknown) PushPull(Plane depth, DepthValidity validity)
    {
        var filled = depth.Clone();
        var unknown = new bool[depth.Data.Length];
        var known = new float[depth.Data.Length];
        bool any = false, all = true;
        for (int i = 0; i < known.Length; i++)
        {
            bool k = validity.IsValid(depth.Data[i]);
            unknown[i] = !k;
            known[i] = k ? 1f : 0f;
            any |= k;
            all &= k;
        }
        if (any && !all) Fill(filled.Data, known, depth.Width, depth.Height);
        return (filled, unknown);
    }

    /// <summary>Fills d where m = 0, given that some m = 1.</summary>
    static void Fill(float[] d, float[] m, int w, int h)
    {
        if (w == 1 && h == 1) return;
        int cw = (w + 1) / 2, ch = (h + 1) / 2;
        var cd = new float[cw * ch];
        var cm = new float[cw * ch];
        bool holes = false;
        for (int y = 0; y < ch; y++)
            for (int x = 0; x < cw; x++)
            {
                double s = 0, n = 0;
                for (int dy = 0; dy < 2; dy++)
                    for (int dx = 0; dx < 2; dx++)
                    {
                        int fx = 2 * x + dx, fy = 2 * y + dy;
                        if (fx >= w || fy >= h || m[fy * w + fx] == 0) continue;
                        s += d[fy * w + fx];
                        n++;
                    }
                cd[y * cw + x] = n > 0 ? (float)(s / n) : 0f;
                cm[y * cw + x] = n > 0 ? 1f : 0f;
                holes |= n == 0;
            }
        if (holes) Fill(cd, cm, cw, ch);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                if (m[y * w + x] != 0) continue;
                // Bilinear in the coarse level at this pixel's centre, clamped at the borders.
                double u = Math.Clamp((x + 0.5) / 2 - 0.5, 0, cw - 1), v = Math.Clamp((y + 0.5) / 2 - 0.5, 0, ch - 1);
                int x0 = (int)u, y0 = (int)v, x1 = Math.Min(x0 + 1, cw - 1), y1 = Math.Min(y0 + 1, ch - 1);
                double fx = u - x0, fy = v - y0;
                d[y * w + x] = (float)((cd[y0 * cw + x0] * (1 - fx) + cd[y0 * cw + x1] * fx) * (1 - fy)
                                       + (cd[y1 * cw + x0] * (1 - fx) + cd[y1 * cw + x1] * fx) * fy);
            }
    }
}

using DepthPlugins.Core.Processing;

namespace DepthPlugins.Core.Refinement;

/// <summary>
/// Sum over a (2r+1)² window clipped to the image, O(1) per pixel whatever the radius: a vertical running sum of
/// whole rows, then a horizontal running sum per row. Accumulators are double so long sweeps do not drift.
/// </summary>
public static class BoxFilter
{
    public static float[] Sum(float[] src, int w, int h, int r, Parallelism par)
    {
        var vert = new float[src.Length];
        int threads = Math.Max(1, Math.Min(par.Threads, w / 64 + 1));
        // Vertical pass: columns split into strips, each strip slides a window of rows.
        Parallel.For(0, threads, par.Options, s =>
        {
            int x0 = (int)((long)w * s / threads), x1 = (int)((long)w * (s + 1) / threads);
            int n = x1 - x0;
            var acc = new double[n];
            for (int y = 0; y <= Math.Min(r, h - 1); y++) AddRow(acc, src, (long)y * w + x0, 1);
            for (int y = 0; y < h; y++)
            {
                long o = (long)y * w + x0;
                for (int i = 0; i < n; i++) vert[o + i] = (float)acc[i];
                int add = y + r + 1, sub = y - r;
                if (add < h) AddRow(acc, src, (long)add * w + x0, 1);
                if (sub >= 0) AddRow(acc, src, (long)sub * w + x0, -1);
            }
        });
        var dst = new float[src.Length];
        Parallel.For(0, h, par.Options, y =>
        {
            long o = (long)y * w;
            double acc = 0;
            for (int x = 0; x <= Math.Min(r, w - 1); x++) acc += vert[o + x];
            for (int x = 0; x < w; x++)
            {
                dst[o + x] = (float)acc;
                int add = x + r + 1, sub = x - r;
                if (add < w) acc += vert[o + add];
                if (sub >= 0) acc -= vert[o + sub];
            }
        });
        return dst;
    }

    static void AddRow(double[] acc, float[] src, long offset, int sign)
    {
        for (int i = 0; i < acc.Length; i++) acc[i] += sign * src[offset + i];
    }

    /// <summary>Number of pixels in each clipped window (the divisor for means at the borders).</summary>
    public static float[] Count(int w, int h, int r)
    {
        var c = new float[(long)w * h];
        for (int y = 0; y < h; y++)
        {
            int ny = Math.Min(h - 1, y + r) - Math.Max(0, y - r) + 1;
            for (int x = 0; x < w; x++)
            {
                int nx = Math.Min(w - 1, x + r) - Math.Max(0, x - r) + 1;
                c[(long)y * w + x] = nx * ny;
            }
        }
        return c;
    }
}

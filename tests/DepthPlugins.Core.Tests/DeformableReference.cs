namespace DepthPlugins.Core.Tests;

/// <summary>
/// Float64 references for the deformable operator and FDKN, written the way DKN's authors compute it (unfold the
/// window, normalise the sampling grid to −1..1 and sample it with aligned corners), with no code shared with the library.
/// </summary>
static class DeformableReference
{
    /// <summary>
    /// weights[t][y, x], offsets[2t (+1)][y, x]; tap t = k·i + j has grid point (x: c + i, y: c + j), c = (d − 1)/2.
    /// residual: out = target + Σ (w − mean w)·s; otherwise out = Σ w·s / Σ w.
    /// </summary>
    public static double[,] Filter(double[,] target, double[][,] weights, double[][,] offsets, int k, int d, bool residual)
    {
        int h = target.GetLength(0), w = target.GetLength(1), c = (d - 1) / 2;
        var o = new double[h, w];
        var window = new double[d, d];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                // The unfolded d×d window around (x, y), zero-padded beyond the image.
                for (int v = 0; v < d; v++)
                    for (int u = 0; u < d; u++)
                    {
                        int iy = y - c + v, ix = x - c + u;
                        window[v, u] = iy >= 0 && iy < h && ix >= 0 && ix < w ? target[iy, ix] : 0;
                    }
                var wt = new double[k * k];
                double sum = 0;
                for (int t = 0; t < k * k; t++) { wt[t] = weights[t][y, x]; sum += wt[t]; }
                for (int t = 0; t < k * k; t++) wt[t] = residual ? wt[t] - sum / (k * k) : wt[t] / sum;
                double acc = 0;
                for (int i = 0; i < k; i++)
                    for (int j = 0; j < k; j++)
                    {
                        int t = k * i + j;
                        double gx = c + i + offsets[2 * t][y, x], gy = c + j + offsets[2 * t + 1][y, x];
                        // grid_sample: normalised coordinate n = g/d·2 − 1, pixel = (n + 1)/2·(d − 1) with aligned corners.
                        double nx = gx / d * 2 - 1, ny = gy / d * 2 - 1;
                        acc += wt[t] * BilinearZeros(window, (nx + 1) / 2 * (d - 1), (ny + 1) / 2 * (d - 1));
                    }
                o[y, x] = residual ? target[y, x] + acc : acc;
            }
        return o;
    }

    static double BilinearZeros(double[,] img, double px, double py)
    {
        int n = img.GetLength(0);
        double fx0 = Math.Floor(px), fy0 = Math.Floor(py);
        double ax = px - fx0, ay = py - fy0;
        double r = 0;
        for (int dy = 0; dy <= 1; dy++)
            for (int dx = 0; dx <= 1; dx++)
            {
                double cx = fx0 + dx, cy = fy0 + dy;
                if (cx < 0 || cy < 0 || cx > n - 1 || cy > n - 1) continue;
                r += img[(int)cy, (int)cx] * (dx == 1 ? ax : 1 - ax) * (dy == 1 ? ay : 1 - ay);
            }
        return r;
    }
}

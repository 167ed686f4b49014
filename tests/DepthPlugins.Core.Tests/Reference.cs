namespace DepthPlugins.Core.Tests;

/// <summary>
/// Plain float64 reference implementations, written from the papers' definitions with obvious loops and no
/// shared code with the library: the oracles the fast versions must match.
/// </summary>
static class Reference
{
    static bool Known(double d, bool zeroInvalid) => !double.IsNaN(d) && !double.IsInfinity(d) && !(zeroInvalid && d == 0);

    /// <summary>Joint bilateral filter: Σ w d / Σ w over the clipped square window, unknown depth excluded.</summary>
    public static double[,] JointBilateral(double[][,] guide, double[,] depth, int r, double ss, double sr, bool zeroInvalid)
    {
        int h = depth.GetLength(0), w = depth.GetLength(1);
        var o = new double[h, w];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                double num = 0, den = 0;
                for (int qy = y - r; qy <= y + r; qy++)
                    for (int qx = x - r; qx <= x + r; qx++)
                    {
                        if (qy < 0 || qy >= h || qx < 0 || qx >= w) continue;
                        if (!Known(depth[qy, qx], zeroInvalid)) continue;
                        double dc = 0;
                        foreach (var g in guide) dc += (g[y, x] - g[qy, qx]) * (g[y, x] - g[qy, qx]);
                        double wt = Math.Exp(-((qx - x) * (qx - x) + (qy - y) * (qy - y)) / (2 * ss * ss)) * Math.Exp(-dc / (2 * sr * sr));
                        num += wt * depth[qy, qx];
                        den += wt;
                    }
                o[y, x] = den > 0 ? num / den : double.NaN;
            }
        return o;
    }

    /// <summary>
    /// Guided filter (He et al.) with a k-channel guide, statistics over the known pixels of each clipped window;
    /// the per-pixel k×k system is solved by Gaussian elimination with partial pivoting.
    /// </summary>
    public static double[,] Guided(double[][,] guide, double[,] depth, int r, double eps, bool zeroInvalid)
    {
        int h = depth.GetLength(0), w = depth.GetLength(1), k = guide.Length;
        var a = new double[h, w, k];
        var b = new double[h, w];
        var has = new bool[h, w];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int n = 0;
                var mI = new double[k];
                double mp = 0;
                for (int qy = Math.Max(0, y - r); qy <= Math.Min(h - 1, y + r); qy++)
                    for (int qx = Math.Max(0, x - r); qx <= Math.Min(w - 1, x + r); qx++)
                    {
                        if (!Known(depth[qy, qx], zeroInvalid)) continue;
                        n++;
                        mp += depth[qy, qx];
                        for (int c = 0; c < k; c++) mI[c] += guide[c][qy, qx];
                    }
                if (n == 0) continue;
                mp /= n;
                for (int c = 0; c < k; c++) mI[c] /= n;
                var S = new double[k, k + 1];
                for (int qy = Math.Max(0, y - r); qy <= Math.Min(h - 1, y + r); qy++)
                    for (int qx = Math.Max(0, x - r); qx <= Math.Min(w - 1, x + r); qx++)
                    {
                        if (!Known(depth[qy, qx], zeroInvalid)) continue;
                        for (int c = 0; c < k; c++)
                        {
                            double dc = guide[c][qy, qx] - mI[c];
                            for (int c2 = 0; c2 < k; c2++) S[c, c2] += dc * (guide[c2][qy, qx] - mI[c2]) / n;
                            S[c, k] += dc * (depth[qy, qx] - mp) / n;
                        }
                    }
                for (int c = 0; c < k; c++) S[c, c] += eps;
                var sol = SolveGauss(S, k);
                double bb = mp;
                for (int c = 0; c < k; c++) { a[y, x, c] = sol[c]; bb -= sol[c] * mI[c]; }
                b[y, x] = bb;
                has[y, x] = true;
            }
        var o = new double[h, w];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int n = 0;
                var ma = new double[k];
                double mb = 0;
                for (int qy = Math.Max(0, y - r); qy <= Math.Min(h - 1, y + r); qy++)
                    for (int qx = Math.Max(0, x - r); qx <= Math.Min(w - 1, x + r); qx++)
                    {
                        if (!has[qy, qx]) continue;
                        n++;
                        mb += b[qy, qx];
                        for (int c = 0; c < k; c++) ma[c] += a[qy, qx, c];
                    }
                if (n == 0) { o[y, x] = double.NaN; continue; }
                double q = mb / n;
                for (int c = 0; c < k; c++) q += ma[c] / n * guide[c][y, x];
                o[y, x] = q;
            }
        return o;
    }

    static double[] SolveGauss(double[,] m, int k)
    {
        for (int col = 0; col < k; col++)
        {
            int piv = col;
            for (int row = col + 1; row < k; row++) if (Math.Abs(m[row, col]) > Math.Abs(m[piv, col])) piv = row;
            for (int j = 0; j <= k; j++) (m[col, j], m[piv, j]) = (m[piv, j], m[col, j]);
            for (int row = col + 1; row < k; row++)
            {
                double f = m[row, col] / m[col, col];
                for (int j = col; j <= k; j++) m[row, j] -= f * m[col, j];
            }
        }
        var x = new double[k];
        for (int row = k - 1; row >= 0; row--)
        {
            double s = m[row, k];
            for (int j = row + 1; j < k; j++) s -= m[row, j] * x[j];
            x[row] = s / m[row, row];
        }
        return x;
    }

    /// <summary>
    /// Joint bilateral upsampling (Kopf et al. 2007): output pixel (x, y) at low-res position
    /// ((x+½)·w/W − ½, (y+½)·h/H − ½); low-res samples within r of its rounded position; range term against the
    /// guide averaged over the sample's footprint (<paramref name="lowGuide"/>, supplied by the test).
    /// </summary>
    public static double[,] Jbu(double[][,] guide, double[][,] lowGuide, double[,] depth, int r, double ss, double sr, bool zeroInvalid)
    {
        int H = guide[0].GetLength(0), W = guide[0].GetLength(1), h = depth.GetLength(0), w = depth.GetLength(1);
        var o = new double[H, W];
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
            {
                double u = (x + 0.5) * w / W - 0.5, v = (y + 0.5) * h / H - 0.5;
                int cx = (int)Math.Round(u, MidpointRounding.ToEven), cy = (int)Math.Round(v, MidpointRounding.ToEven);
                double num = 0, den = 0;
                for (int j = cy - r; j <= cy + r; j++)
                    for (int i = cx - r; i <= cx + r; i++)
                    {
                        if (j < 0 || j >= h || i < 0 || i >= w || !Known(depth[j, i], zeroInvalid)) continue;
                        double dc = 0;
                        for (int c = 0; c < guide.Length; c++) dc += Math.Pow(guide[c][y, x] - lowGuide[c][j, i], 2);
                        double wt = Math.Exp(-((i - u) * (i - u) + (j - v) * (j - v)) / (2 * ss * ss) - dc / (2 * sr * sr));
                        num += wt * depth[j, i];
                        den += wt;
                    }
                o[y, x] = den > 0 ? num / den : double.NaN;
            }
        return o;
    }
}

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

/// <summary>
/// FDKN forward pass in float64, from the paper and the weight file's description: batch norm applied as written
/// (not folded), plain loop convolutions, PyTorch's pixel_shuffle rule for depth-to-space, then
/// <see cref="DeformableReference.Filter"/>. Sizes not divisible by 4 are padded by repeating the last row/column and
/// cropped back (the library's documented choice).
/// </summary>
static class FdknReference
{
    public static double[,] Run(IReadOnlyDictionary<string, TestTensor> t, double[,] guide, double[,] target)
    {
        int h = target.GetLength(0), w = target.GetLength(1);
        int h4 = (h + 3) / 4 * 4, w4 = (w + 3) / 4 * 4;
        var g = Pad(guide, h4, w4);
        var d = Pad(target, h4, w4);
        var (wi, oi) = Branch(t, "ImageKernel", SpaceToDepth(g));
        var (wd, od) = Branch(t, "DepthKernel", SpaceToDepth(d));
        int hq = h4 / 4, wq = w4 / 4;
        var weights = new double[9][,];
        var offsets = new double[18][,];
        for (int c = 0; c < 9; c++) weights[c] = new double[h4, w4];
        for (int c = 0; c < 18; c++) offsets[c] = new double[h4, w4];
        for (int y = 0; y < hq; y++)
            for (int x = 0; x < wq; x++)
                for (int i = 0; i < 4; i++)
                    for (int j = 0; j < 4; j++)
                    {
                        for (int c = 0; c < 9; c++)
                            weights[c][4 * y + i, 4 * x + j] = Sigmoid(wi[c * 16 + i * 4 + j][y, x]) * Sigmoid(wd[c * 16 + i * 4 + j][y, x]);
                        for (int c = 0; c < 18; c++)
                            offsets[c][4 * y + i, 4 * x + j] = oi[c * 16 + i * 4 + j][y, x] * od[c * 16 + i * 4 + j][y, x];
                    }
        var full = DeformableReference.Filter(d, weights, offsets, 3, 15, residual: true);
        var o = new double[h, w];
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) o[y, x] = full[y, x];
        return o;
    }

    static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));

    static double[,] Pad(double[,] a, int h4, int w4)
    {
        int h = a.GetLength(0), w = a.GetLength(1);
        var r = new double[h4, w4];
        for (int y = 0; y < h4; y++) for (int x = 0; x < w4; x++) r[y, x] = a[Math.Min(y, h - 1), Math.Min(x, w - 1)];
        return r;
    }

    /// <summary>Channel 4i + j holds pixel (4y + i, 4x + j), as the authors' resample_data concatenates x[:, :, i::4, j::4].</summary>
    static double[][,] SpaceToDepth(double[,] a)
    {
        int hq = a.GetLength(0) / 4, wq = a.GetLength(1) / 4;
        var r = new double[16][,];
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++)
            {
                var c = r[4 * i + j] = new double[hq, wq];
                for (int y = 0; y < hq; y++) for (int x = 0; x < wq; x++) c[y, x] = a[4 * y + i, 4 * x + j];
            }
        return r;
    }

    static (double[][,] Weights, double[][,] Offsets) Branch(IReadOnlyDictionary<string, TestTensor> t, string p, double[][,] x)
    {
        for (int n = 1; n <= 6; n++)
        {
            x = Conv(x, t[$"{p}.conv{n}.weight"], t[$"{p}.conv{n}.bias"]);
            if (n % 2 == 1)
            {
                var (gamma, beta, mean, variance) = (t[$"{p}.conv{n}_bn.weight"].Data, t[$"{p}.conv{n}_bn.bias"].Data,
                    t[$"{p}.conv{n}_bn.running_mean"].Data, t[$"{p}.conv{n}_bn.running_var"].Data);
                for (int c = 0; c < x.Length; c++)
                    foreach (var (y, xx) in Pixels(x[c])) x[c][y, xx] = (x[c][y, xx] - mean[c]) / Math.Sqrt(variance[c] + 1e-5) * gamma[c] + beta[c];
            }
            foreach (var c in x) foreach (var (y, xx) in Pixels(c)) c[y, xx] = Math.Max(0, c[y, xx]);
        }
        return (Conv(x, t[$"{p}.conv_weight.weight"], t[$"{p}.conv_weight.bias"]), Conv(x, t[$"{p}.conv_offset.weight"], t[$"{p}.conv_offset.bias"]));
    }

    static IEnumerable<(int, int)> Pixels(double[,] a)
    {
        for (int y = 0; y < a.GetLength(0); y++) for (int x = 0; x < a.GetLength(1); x++) yield return (y, x);
    }

    /// <summary>Zero-padded "same" convolution, weights [out][in][k][k] (cross-correlation, as PyTorch's Conv2d).</summary>
    public static double[][,] Conv(double[][,] x, TestTensor weight, TestTensor bias)
    {
        int cout = (int)weight.Shape[0], cin = (int)weight.Shape[1], k = (int)weight.Shape[2], r = k / 2;
        int h = x[0].GetLength(0), w = x[0].GetLength(1);
        var o = new double[cout][,];
        for (int co = 0; co < cout; co++)
        {
            var oc = o[co] = new double[h, w];
            for (int y = 0; y < h; y++)
                for (int xx = 0; xx < w; xx++)
                {
                    double s = bias.Data[co];
                    for (int ci = 0; ci < cin; ci++)
                        for (int ky = 0; ky < k; ky++)
                            for (int kx = 0; kx < k; kx++)
                            {
                                int iy = y + ky - r, ix = xx + kx - r;
                                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                                s += weight.Data[((co * cin + ci) * k + ky) * k + kx] * x[ci][iy, ix];
                            }
                    oc[y, xx] = s;
                }
        }
        return o;
    }
}

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
        var (ma, mb) = GuidedMeanCoefficients(guide, depth, r, eps, zeroInvalid);
        var o = new double[h, w];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                double q = mb[y, x];
                for (int c = 0; c < k; c++) q += ma[y, x, c] * guide[c][y, x];
                o[y, x] = q; // NaN where no window had coefficients (mb is NaN there)
            }
        return o;
    }

    /// <summary>
    /// The guided filter's averaged coefficients: for each pixel, a (k values) and b of every clipped window, fitted over
    /// that window's known pixels, averaged over the windows covering the pixel that held a known pixel: (ā[y, x, c], b̄[y, x]);
    /// all NaN where no covering window held one.
    /// </summary>
    public static (double[,,] MeanA, double[,] MeanB) GuidedMeanCoefficients(double[][,] guide, double[,] depth, int r, double eps, bool zeroInvalid)
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
        var meanA = new double[h, w, k];
        var meanB = new double[h, w];
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
                meanB[y, x] = n > 0 ? mb / n : double.NaN;
                for (int c = 0; c < k; c++) meanA[y, x, c] = n > 0 ? ma[c] / n : double.NaN;
            }
        return (meanA, meanB);
    }

    /// <summary>
    /// Guided-filter upsampling (He and Sun's fast guided filter used for upsampling) of a w×h depth to the W×H guide:
    /// 1. the guide is area-averaged onto the depth's grid (<see cref="AreaMean"/>);
    /// 2. the radius R (full-resolution pixels) becomes r = max(1, round(R / s)) low-resolution pixels, s = max(W/w, H/h),
    ///    rounded half to even;
    /// 3. ā, b̄ of the guided filter with radius r at low resolution (<see cref="GuidedMeanCoefficients"/>, unknown depth
    ///    left out of every window);
    /// 4. ā, b̄ enlarged to W×H bilinearly at pixel centres: output (X, Y) sits at u = (X+½)·w/W − ½, v = (Y+½)·h/H − ½
    ///    between the four nearest low-resolution pixels, weights (1 − |u − i|)(1 − |v − j|); pixels outside the grid and
    ///    pixels whose ā, b̄ are unknown are left out and the rest renormalised;
    /// 5. q = b̄ + Σ_c ā_c·I_c with the full-resolution guide I. Unknown (NaN) where no pixel with a positive weight is left.
    /// A depth of the guide's size is plain <see cref="Guided"/> with radius R.
    /// </summary>
    public static double[,] GuidedUpsampled(double[][,] guide, double[,] depth, int R, double eps, bool zeroInvalid)
    {
        int H = guide[0].GetLength(0), W = guide[0].GetLength(1), h = depth.GetLength(0), w = depth.GetLength(1), k = guide.Length;
        if (W == w && H == h) return Guided(guide, depth, R, eps, zeroInvalid);
        var low = guide.Select(g => AreaMean(g, w, h)).ToArray();
        double s = Math.Max((double)W / w, (double)H / h);
        int r = Math.Max(1, (int)Math.Round(R / s, MidpointRounding.ToEven));
        var (ma, mb) = GuidedMeanCoefficients(low, depth, r, eps, zeroInvalid);
        var o = new double[H, W];
        for (int Y = 0; Y < H; Y++)
            for (int X = 0; X < W; X++)
            {
                double u = (X + 0.5) * w / W - 0.5, v = (Y + 0.5) * h / H - 0.5;
                int i0 = (int)Math.Floor(u), j0 = (int)Math.Floor(v);
                double den = 0, b = 0;
                var a = new double[k];
                for (int j = j0; j <= j0 + 1; j++)
                    for (int i = i0; i <= i0 + 1; i++)
                    {
                        if (i < 0 || i >= w || j < 0 || j >= h || double.IsNaN(mb[j, i])) continue;
                        double wt = (1 - Math.Abs(u - i)) * (1 - Math.Abs(v - j));
                        den += wt;
                        b += wt * mb[j, i];
                        for (int c = 0; c < k; c++) a[c] += wt * ma[j, i, c];
                    }
                if (den <= 0) { o[Y, X] = double.NaN; continue; }
                double q = b / den;
                for (int c = 0; c < k; c++) q += a[c] / den * guide[c][Y, X];
                o[Y, X] = q;
            }
        return o;
    }

    /// <summary>Mean of a [H, W] array over each low-res pixel's footprint [i·W/w, (i+1)·W/w) × [j·H/h, (j+1)·H/h), by fractional overlap.</summary>
    public static double[,] AreaMean(double[,] g, int w, int h)
    {
        int H = g.GetLength(0), W = g.GetLength(1);
        var o = new double[h, w];
        for (int j = 0; j < h; j++)
            for (int i = 0; i < w; i++)
            {
                double x0 = (double)i * W / w, x1 = (double)(i + 1) * W / w, y0 = (double)j * H / h, y1 = (double)(j + 1) * H / h;
                double sum = 0, area = 0;
                for (int y = (int)Math.Floor(y0); y < Math.Min(H, Math.Ceiling(y1)); y++)
                    for (int x = (int)Math.Floor(x0); x < Math.Min(W, Math.Ceiling(x1)); x++)
                    {
                        double ox = Math.Min(x1, x + 1) - Math.Max(x0, x), oy = Math.Min(y1, y + 1) - Math.Max(y0, y);
                        if (ox <= 0 || oy <= 0) continue;
                        sum += ox * oy * g[y, x];
                        area += ox * oy;
                    }
                o[j, i] = sum / area;
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

    /// <summary>Keys' cubic convolution kernel, a = −0.5.</summary>
    static double Keys(double t)
    {
        t = Math.Abs(t);
        return t < 1 ? 1.5 * t * t * t - 2.5 * t * t + 1 : t < 2 ? -0.5 * t * t * t + 2.5 * t * t - 4 * t + 2 : 0;
    }

    /// <summary>
    /// PIL-style separable bicubic resize of a [h, w] array to [H, W] (antialiased when shrinking: the kernel is stretched
    /// by the scale). With <paramref name="skipNonFinite"/>, non-finite samples are left out and the rest renormalised
    /// (0 where nothing is left); written as the 2-D double sum Σx Σy wx·wy·v / Σ wx·wy.
    /// </summary>
    public static double[,] Resize(double[,] src, int W, int H, bool skipNonFinite)
    {
        int h = src.GetLength(0), w = src.GetLength(1);
        var wx = Taps(w, W);
        var wy = Taps(h, H);
        var o = new double[H, W];
        for (int Y = 0; Y < H; Y++)
            for (int X = 0; X < W; X++)
            {
                double num = 0, den = 0;
                foreach (var (y, ky) in wy[Y])
                    foreach (var (x, kx) in wx[X])
                    {
                        double v = src[y, x];
                        if (skipNonFinite && !double.IsFinite(v)) continue;
                        num += ky * kx * v;
                        den += ky * kx;
                    }
                o[Y, X] = skipNonFinite ? (den > 1e-6 ? num / den : 0) : num;
            }
        return o;
    }

    static List<(int, double)>[] Taps(int inSize, int outSize)
    {
        double scale = (double)inSize / outSize, stretch = Math.Max(1, scale), support = 2 * stretch;
        var r = new List<(int, double)>[outSize];
        for (int i = 0; i < outSize; i++)
        {
            double c = (i + 0.5) * scale, sum = 0;
            var l = new List<(int, double)>();
            for (int x = 0; x < inSize; x++)
            {
                double k = Keys((x + 0.5 - c) / stretch);
                if (k == 0) continue;
                l.Add((x, k));
                sum += k;
            }
            r[i] = l.Select(t => (t.Item1, t.Item2 / sum)).ToList();
        }
        return r;
    }

    /// <summary>
    /// Cascade upsampling, written from its definition: bicubic start over known samples (unknown where their weight ≤ 0.3); stages of radius
    /// R = start, start/2, …, 1, each a joint bilateral filter over the taps (i·R/2, j·R/2), |i|,|j| ≤ 2 (for R = 1:
    /// (i, j), |i|,|j| ≤ 1) inside the image, weight exp(−(dx²+dy²)/2R²)·exp(max(−‖ΔI‖²/2σr², −60)), unknown taps
    /// skipped; between stages x += enlarge(soft(low − shrink(x), 3σn)) on known low-resolution samples, with
    /// σn = (the element at index n/2 of the sorted |a − b − c + d|/2 over 2×2 blocks of known samples) / 0.6745.
    /// </summary>
    public static double[,] Cascade(double[][,] guide, double[,] depth, int startRadius, double sr, bool zeroInvalid)
    {
        int H = guide[0].GetLength(0), W = guide[0].GetLength(1), h = depth.GetLength(0), w = depth.GetLength(1);
        var vals = new double[h, w];
        var mask = new double[h, w];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                if (Known(depth[y, x], zeroInvalid)) { vals[y, x] = depth[y, x]; mask[y, x] = 1; }
        var blocks = new List<double>();
        for (int y = 0; y + 1 < h; y += 2)
            for (int x = 0; x + 1 < w; x += 2)
                if (mask[y, x] + mask[y, x + 1] + mask[y + 1, x] + mask[y + 1, x + 1] == 4)
                    blocks.Add(Math.Abs(vals[y, x] - vals[y, x + 1] - vals[y + 1, x] + vals[y + 1, x + 1]) / 2);
        blocks.Sort();
        double tau = blocks.Count > 0 ? 3 * blocks[blocks.Count / 2] / 0.6745 : 0;

        var num = Resize(vals, W, H, false);
        var den = Resize(mask, W, H, false);
        var cur = new double[H, W];
        for (int y = 0; y < H; y++) for (int x = 0; x < W; x++) cur[y, x] = den[y, x] > 0.3 ? num[y, x] / den[y, x] : double.NaN;

        var radii = new List<int>();
        for (int r = startRadius; r >= 1; r /= 2) radii.Add(r);
        for (int k = 0; k < radii.Count; k++)
        {
            int R = radii[k], step = R >= 2 ? R / 2 : 1, n = R >= 2 ? 2 : 1;
            var next = new double[H, W];
            for (int y = 0; y < H; y++)
                for (int x = 0; x < W; x++)
                {
                    double nm = 0, dn = 0;
                    for (int j = -n; j <= n; j++)
                        for (int i = -n; i <= n; i++)
                        {
                            int qx = x + i * step, qy = y + j * step;
                            if (qx < 0 || qy < 0 || qx >= W || qy >= H || double.IsNaN(cur[qy, qx])) continue;
                            double dc = 0;
                            foreach (var g in guide) dc += (g[qy, qx] - g[y, x]) * (g[qy, qx] - g[y, x]);
                            double wt = Math.Exp(-((i * step) * (i * step) + (j * step) * (j * step)) / (2.0 * R * R))
                                        * Math.Exp(Math.Max(-dc / (2 * sr * sr), -60));
                            nm += wt * cur[qy, qx];
                            dn += wt;
                        }
                    next[y, x] = dn > 0 ? nm / dn : double.NaN;
                }
            cur = next;
            if (k + 1 == radii.Count) break;
            var shrunk = Resize(cur, w, h, true);
            var res = new double[h, w];
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    if (mask[y, x] == 0) continue;
                    double e = vals[y, x] - shrunk[y, x];
                    res[y, x] = Math.Sign(e) * Math.Max(Math.Abs(e) - tau, 0);
                }
            var up = Resize(res, W, H, false);
            for (int y = 0; y < H; y++) for (int x = 0; x < W; x++) cur[y, x] += up[y, x];
        }
        return cur;
    }
}

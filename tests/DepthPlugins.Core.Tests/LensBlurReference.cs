namespace DepthPlugins.Core.Tests;

/// <summary>
/// A slow, plainly written float64 lens-blur renderer: the oracle for the fast layered renderer. It shares no code with
/// the library and follows the model's definition literally:
/// <list type="bullet">
/// <item>the bokeh of CoC radius r is the aperture shape (disk, or regular polygon of circumradius r with a vertex up at
/// rotation 0) rasterised by point sampling each pixel on a fine grid, normalised to sum 1;</item>
/// <item>every pixel scatters its premultiplied colour, its alpha and its occupancy (1) through the bokeh of its own
/// radius;</item>
/// <item>pixels with the same signed CoC form one group (their scatters add); groups are composited back to front
/// (ascending signed CoC) with "over" on occupancy, and the sum is divided by the total coverage.</item>
/// </list>
/// </summary>
static class LensBlurReference
{
    /// <summary>Samples per pixel side when rasterising the aperture.</summary>
    public const int Supersampling = 64;

    static readonly Dictionary<(double, int, double), double[,]> Cache = new();

    /// <summary>Kernel [dy + e, dx + e] with e = GetLength(0) / 2.</summary>
    public static double[,] Kernel(double r, int blades, double rotationDeg)
    {
        lock (Cache)
            if (Cache.TryGetValue((r, blades, rotationDeg), out var cached)) return cached;
        int e = (int)Math.Ceiling(r) + 1;
        int n = 2 * e + 1;
        var k = new double[n, n];
        double sum = 0;
        int s = Supersampling;
        for (int j = 0; j < n; j++)
            for (int i = 0; i < n; i++)
            {
                int count = 0;
                for (int sy = 0; sy < s; sy++)
                    for (int sx = 0; sx < s; sx++)
                    {
                        double px = i - e - 0.5 + (sx + 0.5) / s;
                        double py = j - e - 0.5 + (sy + 0.5) / s;
                        if (InsideAperture(px, py, r, blades, rotationDeg)) count++;
                    }
                k[j, i] = count;
                sum += count;
            }
        if (sum == 0)
        {
            k[e, e] = 1;
            sum = 1;
        }
        for (int j = 0; j < n; j++) for (int i = 0; i < n; i++) k[j, i] /= sum;
        lock (Cache) Cache[(r, blades, rotationDeg)] = k;
        return k;
    }

    /// <summary>Point (x right, y down) inside the disk of radius r, or inside the regular polygon: its distance along
    /// every edge's outward normal is at most the apothem r·cos(π/N). Edge normals point halfway between vertices, and the
    /// first vertex is at 90° + rotation counter-clockwise from +x (y up).</summary>
    public static bool InsideAperture(double x, double y, double r, int blades, double rotationDeg)
    {
        if (blades == 0) return x * x + y * y <= r * r;
        double apothem = r * Math.Cos(Math.PI / blades);
        double yUp = -y;
        for (int k = 0; k < blades; k++)
        {
            double a = (rotationDeg + 90 + 180.0 / blades + 360.0 * k / blades) * Math.PI / 180;
            if (x * Math.Cos(a) + yUp * Math.Sin(a) > apothem) return false;
        }
        return true;
    }

    /// <summary>Plain 2-D convolution with zero outside the image (no renormalisation), for interior comparisons.</summary>
    public static double[,] Convolve(double[,] img, double[,] k)
    {
        int h = img.GetLength(0), w = img.GetLength(1), e = k.GetLength(0) / 2;
        var o = new double[h, w];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                double acc = 0;
                for (int dy = -e; dy <= e; dy++)
                    for (int dx = -e; dx <= e; dx++)
                    {
                        int sx = x - dx, sy = y - dy;
                        if (sx < 0 || sy < 0 || sx >= w || sy >= h) continue;
                        acc += k[dy + e, dx + e] * img[sy, sx];
                    }
                o[y, x] = acc;
            }
        return o;
    }

    /// <summary>The grid a group of CoC radius r is scattered on in the default (not full-resolution) mode: the largest
    /// power of two s ≤ 8 with r / s ≥ 8 (the library's rule, restated: docs/lens-blur.md, "Large radii").</summary>
    public static int CoarseScale(double r)
    {
        int s = 1;
        while (s < 8 && r / (2 * s) >= 8) s *= 2;
        return s;
    }

    /// <summary>
    /// Renders straight linear colour <paramref name="colour"/> (planes [y, x]) with optional straight alpha and signed CoC
    /// radii per pixel. Returns straight colour planes and alpha (1 where the input has none).
    /// With <paramref name="coarse"/>, a group whose radius r has <see cref="CoarseScale"/> s &gt; 1 scatters through the
    /// coarse model instead of the exact bokeh: its values are splatted onto a grid s times coarser with bilinear (tent)
    /// weights divided by s², scattered there with the bokeh of radius r / s, and interpolated back bilinearly. The grid's
    /// points sit at full-resolution coordinates s·i + s/2 − 1/2 for every integer i whose tent touches the image.
    /// </summary>
    public static (double[][,] Colour, double[,] Alpha) Render(double[][,] colour, double[,]? alpha, double[,] coc, int blades, double rotationDeg, bool coarse = false)
    {
        int h = coc.GetLength(0), w = coc.GetLength(1), nc = colour.Length;
        var groups = new SortedSet<double>();
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) groups.Add(coc[y, x]);
        var acc = new double[nc + 1][,];
        for (int c = 0; c <= nc; c++) acc[c] = new double[h, w];
        var total = new double[h, w];
        foreach (double s in groups) // ascending signed CoC = back to front
        {
            var sum = new double[nc + 1][,];
            for (int c = 0; c <= nc; c++) sum[c] = new double[h, w];
            var occ = new double[h, w];
            int sc = coarse ? CoarseScale(Math.Abs(s)) : 1;
            if (sc == 1) ScatterExact(colour, alpha, coc, s, blades, rotationDeg, sum, occ);
            else ScatterCoarse(colour, alpha, coc, s, sc, blades, rotationDeg, sum, occ);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    for (int c = 0; c <= nc; c++) acc[c][y, x] = sum[c][y, x] + (1 - occ[y, x]) * acc[c][y, x];
                    total[y, x] = occ[y, x] + (1 - occ[y, x]) * total[y, x];
                }
        }
        var outC = new double[nc][,];
        for (int c = 0; c < nc; c++) outC[c] = new double[h, w];
        var outA = new double[h, w];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                double t = total[y, x];
                double a = acc[nc][y, x] / t;
                outA[y, x] = a;
                for (int c = 0; c < nc; c++) outC[c][y, x] = a > 0 ? acc[c][y, x] / t / a : 0;
            }
        return (outC, outA);
    }

    /// <summary>Every pixel of the group scatters premultiplied colour, alpha and 1 through the exact bokeh.</summary>
    static void ScatterExact(double[][,] colour, double[,]? alpha, double[,] coc, double s, int blades, double rotationDeg, double[][,] sum, double[,] occ)
    {
        int h = coc.GetLength(0), w = coc.GetLength(1), nc = colour.Length;
        var k = Kernel(Math.Abs(s), blades, rotationDeg);
        int e = k.GetLength(0) / 2;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                if (coc[y, x] != s) continue;
                double a = alpha?[y, x] ?? 1.0;
                for (int dy = -e; dy <= e; dy++)
                    for (int dx = -e; dx <= e; dx++)
                    {
                        int qx = x + dx, qy = y + dy;
                        if (qx < 0 || qy < 0 || qx >= w || qy >= h) continue;
                        double kw = k[dy + e, dx + e];
                        if (kw == 0) continue;
                        for (int c = 0; c < nc; c++) sum[c][qy, qx] += kw * a * colour[c][y, x];
                        sum[nc][qy, qx] += kw * a;
                        occ[qy, qx] += kw;
                    }
            }
    }

    /// <summary>The coarse model of <see cref="Render"/>: splat, scatter at radius r / sc, interpolate.</summary>
    static void ScatterCoarse(double[][,] colour, double[,]? alpha, double[,] coc, double s, int sc, int blades, double rotationDeg, double[][,] sum, double[,] occ)
    {
        int h = coc.GetLength(0), w = coc.GetLength(1), nc = colour.Length;
        // Grid points i with centre g(i) = sc·i + sc/2 − 1/2 whose tent (half-width sc) reaches a pixel: i from iMin to iMax.
        double Centre(int i) => sc * i + sc / 2.0 - 0.5;
        double Tent(double d) => Math.Max(0, 1 - Math.Abs(d) / sc);
        int iMin = (int)Math.Floor((0 - sc / 2.0 + 0.5 - sc) / sc), iMax = (int)Math.Ceiling((w - 1 - sc / 2.0 + 0.5 + sc) / sc);
        int jMin = (int)Math.Floor((0 - sc / 2.0 + 0.5 - sc) / sc), jMax = (int)Math.Ceiling((h - 1 - sc / 2.0 + 0.5 + sc) / sc);
        int gw = iMax - iMin + 1, gh = jMax - jMin + 1;
        // Splat: the group's values (premultiplied colour, alpha, occupancy 1) onto the grid.
        var grid = new double[nc + 2][,];
        for (int c = 0; c < nc + 2; c++) grid[c] = new double[gh, gw];
        // The grid points whose tent can touch coordinate v (the tent is zero at the others).
        int Near(double v) => (int)Math.Floor((v + 0.5 - sc / 2.0) / sc);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                if (coc[y, x] != s) continue;
                double a = alpha?[y, x] ?? 1.0;
                for (int j = Near(y) - 1; j <= Near(y) + 2; j++)
                    for (int i = Near(x) - 1; i <= Near(x) + 2; i++)
                    {
                        double t = Tent(x - Centre(i)) * Tent(y - Centre(j)) / (sc * sc);
                        if (t == 0) continue;
                        for (int c = 0; c < nc; c++) grid[c][j - jMin, i - iMin] += t * a * colour[c][y, x];
                        grid[nc][j - jMin, i - iMin] += t * a;
                        grid[nc + 1][j - jMin, i - iMin] += t;
                    }
            }
        // Scatter on the grid with the bokeh of radius r / sc (nothing leaves the grid: it covers every point a pixel interpolates from).
        var k = Kernel(Math.Abs(s) / sc, blades, rotationDeg);
        int e = k.GetLength(0) / 2;
        var blurred = new double[nc + 2][,];
        for (int c = 0; c < nc + 2; c++) blurred[c] = new double[gh, gw];
        for (int j = 0; j < gh; j++)
            for (int i = 0; i < gw; i++)
                for (int c = 0; c < nc + 2; c++)
                {
                    double v = grid[c][j, i];
                    if (v == 0) continue;
                    for (int dy = -e; dy <= e; dy++)
                        for (int dx = -e; dx <= e; dx++)
                        {
                            int qi = i + dx, qj = j + dy;
                            if (qi < 0 || qj < 0 || qi >= gw || qj >= gh) continue;
                            blurred[c][qj, qi] += k[dy + e, dx + e] * v;
                        }
                }
        // Interpolate back to the pixels.
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int j = Near(y) - 1; j <= Near(y) + 2; j++)
                {
                    double ty = Tent(y - Centre(j));
                    if (ty == 0) continue;
                    for (int i = Near(x) - 1; i <= Near(x) + 2; i++)
                    {
                        double t = ty * Tent(x - Centre(i));
                        if (t == 0) continue;
                        for (int c = 0; c <= nc; c++) sum[c][y, x] += t * blurred[c][j - jMin, i - iMin];
                        occ[y, x] += t * blurred[nc + 1][j - jMin, i - iMin];
                    }
                }
    }
}

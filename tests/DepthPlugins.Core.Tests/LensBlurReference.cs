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

    /// <summary>
    /// Renders straight linear colour <paramref name="colour"/> (planes [y, x]) with optional straight alpha and signed CoC
    /// radii per pixel. Returns straight colour planes and alpha (1 where the input has none).
    /// </summary>
    public static (double[][,] Colour, double[,] Alpha) Render(double[][,] colour, double[,]? alpha, double[,] coc, int blades, double rotationDeg)
    {
        int h = coc.GetLength(0), w = coc.GetLength(1), nc = colour.Length;
        var groups = new SortedSet<double>();
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) groups.Add(coc[y, x]);
        var acc = new double[nc + 1][,];
        for (int c = 0; c <= nc; c++) acc[c] = new double[h, w];
        var total = new double[h, w];
        foreach (double s in groups) // ascending signed CoC = back to front
        {
            var k = Kernel(Math.Abs(s), blades, rotationDeg);
            int e = k.GetLength(0) / 2;
            var sum = new double[nc + 1][,];
            for (int c = 0; c <= nc; c++) sum[c] = new double[h, w];
            var occ = new double[h, w];
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
}

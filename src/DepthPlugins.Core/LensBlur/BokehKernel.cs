namespace DepthPlugins.Core.LensBlur;

/// <summary>The aperture: a disk (<see cref="Blades"/> = 0) or a regular polygon with that many blades, rotated by
/// <see cref="RotationDegrees"/> counter-clockwise on screen (at 0 a vertex points straight up).</summary>
public readonly record struct ApertureShape(int Blades, float RotationDegrees)
{
    public static ApertureShape Disk => new(0, 0f);
    public bool IsDisk => Blades == 0;
}

/// <summary>
/// The bokeh of one CoC radius r: for every pixel offset (dx, dy) the exact area of the aperture shape (circumradius r,
/// centred on the pixel centre) that falls inside that pixel, divided by the total, so the weights sum to 1 (energy is
/// preserved). At r ≤ 0.5 the shape lies inside the centre pixel and the kernel is the identity.
/// For the gather each kernel row is split into the run of fully covered pixels, summed as a difference of two row
/// prefix sums (two taps however long the run), and the partially covered pixels on its two ends, one tap each:
/// about 2 + 3 taps per row for a disk, so O(r) work per output pixel instead of O(r²).
/// </summary>
public sealed class BokehKernel
{
    /// <summary>Largest |dx| or |dy| with a nonzero weight.</summary>
    public int Extent { get; }
    public double Radius { get; }
    public ApertureShape Shape { get; }

    /// <summary>Normalised weights by scatter offset: a pixel spreads weight [dy + Extent, dx + Extent] to (x + dx, y + dy).</summary>
    public double[,] Weights { get; }

    /// <summary>Gather taps of source row y + dy are [PStart[dy + Extent], PStart[dy + Extent + 1]) in the prefix-tap arrays
    /// and likewise LStart for the single-pixel taps.</summary>
    internal readonly int[] PStart, LStart;
    /// <summary>Run taps: coef × (P[x + hi] − P[x + lo]), where P[i] is the sum of the row's pixels before i. The difference
    /// is taken first, so a run over zeros is exactly zero.</summary>
    internal readonly int[] PHi, PLo;
    internal readonly float[] PCoef;
    /// <summary>Single-pixel taps: coef × L[x + dx].</summary>
    internal readonly int[] LDx;
    internal readonly float[] LCoef;

    public BokehKernel(double radius, ApertureShape shape)
    {
        if (!(radius >= 0) || radius > LensBlurOptions.MaxRadius) throw DpException.Invalid($"kernel radius {radius} out of range");
        Radius = radius;
        Shape = shape;
        int e = Math.Max(0, (int)Math.Ceiling(radius + 0.5) - 1);
        Extent = e;
        int n = 2 * e + 1;
        var area = new double[n, n];
        double total = 0;
        var poly = shape.IsDisk ? null : Polygon(radius, shape);
        for (int j = 0; j < n; j++)
            for (int i = 0; i < n; i++)
            {
                double x0 = i - e - 0.5, y0 = j - e - 0.5;
                double a = poly == null ? DiskArea(radius, x0, x0 + 1, y0, y0 + 1) : PolygonArea(poly, x0, x0 + 1, y0, y0 + 1);
                area[j, i] = a;
                total += a;
            }
        if (!(total > 0))
        {
            // r = 0: a point. The identity.
            Array.Clear(area);
            area[e, e] = 1;
            total = 1;
        }
        Weights = new double[n, n];
        for (int j = 0; j < n; j++) for (int i = 0; i < n; i++) Weights[j, i] = area[j, i] / total;
        // A pixel scatters its bokeh to offsets d, so the gather at x reads the source at x − d: the taps are the kernel
        // mirrored through the centre (matters for odd blade counts).
        var gather = new double[n, n];
        for (int j = 0; j < n; j++) for (int i = 0; i < n; i++) gather[j, i] = area[n - 1 - j, n - 1 - i];
        area = gather;
        var phi = new List<int>(); var plo = new List<int>(); var pc = new List<float>();
        var ldx = new List<int>(); var lc = new List<float>();
        PStart = new int[n + 1];
        LStart = new int[n + 1];
        for (int j = 0; j < n; j++)
        {
            PStart[j] = phi.Count;
            LStart[j] = ldx.Count;
            // The fully covered pixels of a convex shape's row are contiguous.
            int i0 = -1, i1 = -2;
            for (int i = 0; i < n; i++)
            {
                if (area[j, i] >= 1 - 1e-12)
                {
                    if (i0 < 0) i0 = i;
                    i1 = i;
                }
            }
            bool run = i1 - i0 + 1 >= 3; // shorter runs are cheaper as single taps
            for (int i = 0; i < n; i++)
            {
                if (area[j, i] <= 0) continue;
                if (run && i >= i0 && i <= i1) continue;
                ldx.Add(i - e);
                lc.Add((float)(area[j, i] / total));
            }
            if (run)
            {
                phi.Add(i1 - e + 1);
                plo.Add(i0 - e);
                pc.Add((float)(1.0 / total));
            }
        }
        PStart[n] = phi.Count;
        LStart[n] = ldx.Count;
        PHi = [.. phi]; PLo = [.. plo]; PCoef = [.. pc];
        LDx = [.. ldx]; LCoef = [.. lc];
    }

    /// <summary>For other backends: the gather taps of kernel row <paramref name="row"/> (0 .. 2·Extent; it reads source row
    /// y + row − Extent): the run of fully covered pixels [x + RunLo, x + RunHi) with its per-pixel weight (empty when
    /// RunLo == RunHi), and the single-pixel taps [TapStart, TapEnd) of <see cref="GatherTap"/>. Summed in this order
    /// (single taps, then the run) as the CPU does.</summary>
    public (int RunLo, int RunHi, float RunWeight, int TapStart, int TapEnd) GatherRow(int row)
    {
        bool run = PStart[row + 1] > PStart[row];
        int p = PStart[row];
        return (run ? PLo[p] : 0, run ? PHi[p] : 0, run ? PCoef[p] : 0f, LStart[row], LStart[row + 1]);
    }

    /// <summary>Single-pixel tap t: source column offset and weight.</summary>
    public (int Dx, float Weight) GatherTap(int t) => (LDx[t], LCoef[t]);

    /// <summary>Memory reads per output pixel and channel.</summary>
    public int TapCount => 2 * PHi.Length + LDx.Length;

    /// <summary>Vertices of the regular polygon, in pixel offsets with y pointing down.</summary>
    internal static (double X, double Y)[] Polygon(double r, ApertureShape shape)
    {
        var v = new (double, double)[shape.Blades];
        double rot = shape.RotationDegrees * Math.PI / 180;
        for (int k = 0; k < v.Length; k++)
        {
            double a = rot + Math.PI / 2 + 2 * Math.PI * k / v.Length;
            v[k] = (r * Math.Cos(a), -r * Math.Sin(a));
        }
        return v;
    }

    /// <summary>Area of the disk of radius r at the origin inside [x0,x1]×[y0,y1]: ∫ overlap of [y0,y1] with the
    /// chord [−g(u), g(u)], g = √(r²−u²), split where the chord ends cross y0 or y1 so each piece has a closed form.</summary>
    internal static double DiskArea(double r, double x0, double x1, double y0, double y1)
    {
        double a = Math.Max(x0, -r), b = Math.Min(x1, r);
        if (a >= b) return 0;
        Span<double> pts = stackalloc double[6];
        int n = 0;
        pts[n++] = a;
        pts[n++] = b;
        foreach (double y in (ReadOnlySpan<double>)[y0, y1])
        {
            if (Math.Abs(y) >= r) continue;
            double u = Math.Sqrt(r * r - y * y);
            if (u > a && u < b) pts[n++] = u;
            if (-u > a && -u < b) pts[n++] = -u;
        }
        var p = pts[..n];
        p.Sort();
        double area = 0;
        for (int k = 0; k + 1 < n; k++)
        {
            double u0 = p[k], u1 = p[k + 1];
            if (u1 <= u0) continue;
            double m = 0.5 * (u0 + u1), g = Math.Sqrt(Math.Max(0, r * r - m * m));
            double top = Math.Min(y1, g), bottom = Math.Max(y0, -g);
            if (top <= bottom) continue;
            double iTop = y1 <= g ? y1 * (u1 - u0) : G(r, u1) - G(r, u0);
            double iBottom = y0 >= -g ? y0 * (u1 - u0) : -(G(r, u1) - G(r, u0));
            area += iTop - iBottom;
        }
        return Math.Max(0, area);
    }

    /// <summary>∫₀ᵘ √(r²−t²) dt.</summary>
    static double G(double r, double u)
    {
        double s = Math.Clamp(u / r, -1, 1);
        return 0.5 * (u * Math.Sqrt(Math.Max(0, r * r - u * u)) + r * r * Math.Asin(s));
    }

    /// <summary>Area of a convex polygon inside [x0,x1]×[y0,y1]: pixels with all four corners inside are full, pixels
    /// beyond the circumradius are empty, the rest are clipped against the four sides (Sutherland–Hodgman) and measured
    /// with the shoelace formula.</summary>
    internal static double PolygonArea((double X, double Y)[] poly, double x0, double x1, double y0, double y1)
    {
        double cx = Math.Max(Math.Abs(x0), Math.Abs(x1)), cy = Math.Max(Math.Abs(y0), Math.Abs(y1));
        double nx = Math.Min(Math.Abs(x0), Math.Abs(x1)) * (x0 * x1 > 0 ? 1 : 0), ny = Math.Min(Math.Abs(y0), Math.Abs(y1)) * (y0 * y1 > 0 ? 1 : 0);
        double r2 = poly[0].X * poly[0].X + poly[0].Y * poly[0].Y;
        if (nx * nx + ny * ny >= r2) return 0; // nearest point of the pixel is outside the circumcircle
        if (cx * cx + cy * cy < r2 && Inside(poly, x0, y0) && Inside(poly, x1, y0) && Inside(poly, x0, y1) && Inside(poly, x1, y1))
            return (x1 - x0) * (y1 - y0);
        Span<double> ax = stackalloc double[poly.Length + 8], ay = stackalloc double[poly.Length + 8];
        Span<double> bx = stackalloc double[poly.Length + 8], by = stackalloc double[poly.Length + 8];
        int n = poly.Length;
        for (int k = 0; k < n; k++) (ax[k], ay[k]) = poly[k];
        n = ClipAxis(ax, ay, n, bx, by, x0, true, false);
        n = ClipAxis(bx, by, n, ax, ay, x1, true, true);
        n = ClipAxis(ax, ay, n, bx, by, y0, false, false);
        n = ClipAxis(bx, by, n, ax, ay, y1, false, true);
        if (n < 3) return 0;
        double s = 0;
        for (int k = 0; k < n; k++)
        {
            int k1 = k + 1 == n ? 0 : k + 1;
            s += ax[k] * ay[k1] - ax[k1] * ay[k];
        }
        return Math.Abs(s) / 2;
    }

    /// <summary>Whether (x, y) is inside or on the convex polygon (either winding).</summary>
    static bool Inside((double X, double Y)[] poly, double x, double y)
    {
        int sign = 0;
        for (int k = 0; k < poly.Length; k++)
        {
            var (px, py) = poly[k];
            var (qx, qy) = poly[(k + 1) % poly.Length];
            double c = (qx - px) * (y - py) - (qy - py) * (x - px);
            int s = c > 0 ? 1 : c < 0 ? -1 : 0;
            if (s == 0) continue;
            if (sign == 0) sign = s;
            else if (s != sign) return false;
        }
        return true;
    }

    /// <summary>One Sutherland–Hodgman step: keeps the part of polygon (sx, sy)[0..n) with coordinate ≥ bound
    /// (or ≤ bound when <paramref name="upper"/>), along x or y; writes to (dx, dy) and returns the new vertex count.</summary>
    static int ClipAxis(Span<double> sx, Span<double> sy, int n, Span<double> dx, Span<double> dy, double bound, bool alongX, bool upper)
    {
        int m = 0;
        for (int k = 0; k < n; k++)
        {
            int k1 = k + 1 == n ? 0 : k + 1;
            double p = alongX ? sx[k] : sy[k], q = alongX ? sx[k1] : sy[k1];
            bool pin = upper ? p <= bound : p >= bound, qin = upper ? q <= bound : q >= bound;
            if (pin) { dx[m] = sx[k]; dy[m] = sy[k]; m++; }
            if (pin != qin)
            {
                double t = (bound - p) / (q - p);
                dx[m] = sx[k] + t * (sx[k1] - sx[k]);
                dy[m] = sy[k] + t * (sy[k1] - sy[k]);
                m++;
            }
        }
        return m;
    }
}

using DepthPlugins.Core.Imaging;
using DepthPlugins.Core.Processing;

namespace DepthPlugins.Core.Refinement;

public readonly record struct GuidedParams(int Radius, float Eps);

/// <summary>
/// Guided filter (He, Sun, Tang, TPAMI 2013) with a grey or colour guide, O(1) per pixel through box sums.
/// Unknown depth is handled as a weighted filter: every window statistic is taken over known pixels only, and
/// windows without a known pixel contribute no coefficients. With no unknowns this is exactly He's filter
/// (window means divided by the clipped window's pixel count).
/// When the depth is smaller than the guide, the coefficients are computed at the depth's resolution and
/// bilinearly upsampled (He and Sun's fast guided filter used for upsampling): q = ā(x)·I(x) + b̄(x) at full size.
/// </summary>
public static class GuidedFilter
{
    public static Plane Apply(Image guide, Plane depth, GuidedParams p, DepthValidity validity, Progress progress, Parallelism par)
    {
        if (p.Radius < 0 || !(p.Eps > 0)) throw DpException.Invalid("guided filter: radius ≥ 0 and eps > 0 required");
        Image lowGuide = guide;
        int radius = p.Radius;
        bool upsample = depth.Width != guide.Width || depth.Height != guide.Height;
        if (upsample)
        {
            lowGuide = new Image(guide.Channels.Select(c => Resampler.AreaAverage(c, depth.Width, depth.Height)).ToArray());
            double scale = Math.Max((double)guide.Width / depth.Width, (double)guide.Height / depth.Height);
            radius = Math.Max(1, (int)Math.Round(p.Radius / scale));
        }
        var (a, b, v) = Coefficients(lowGuide, depth, radius, p.Eps, validity, progress.Stage(0f, 0.7f), par);
        var mean = MeanCoefficients(a, b, v, depth.Width, depth.Height, radius, par);
        progress.Report(0.85f);
        if (upsample)
        {
            // Coefficients are smooth: bilinear upsampling of them keeps the guide's edges (they enter through I).
            for (int i = 0; i < mean.Length; i++)
                mean[i] = Resampler.Resize(mean[i], guide.Width, guide.Height, ResampleFilter.Bilinear, float.IsFinite);
        }
        var o = new Plane(guide.Width, guide.Height);
        var chans = guide.Channels;
        int nc = chans.Length;
        Parallel.For(0, guide.Height, par.Options, y =>
        {
            long row = (long)y * guide.Width;
            for (int x = 0; x < guide.Width; x++)
            {
                long i = row + x;
                float q = mean[nc].Data[i];
                for (int c = 0; c < nc; c++) q += mean[c].Data[i] * chans[c].Data[i];
                o.Data[i] = q;
            }
        });
        progress.Report(1f);
        return o;
    }

    /// <summary>Per-pixel linear coefficients a (one per guide channel) and b of the window centred there, and whether
    /// the window held any known depth (v).</summary>
    static (float[][] A, float[] B, float[] V) Coefficients(Image guide, Plane depth, int r, float eps, DepthValidity validity, Progress progress, Parallelism par)
    {
        int w = depth.Width, h = depth.Height;
        long n = (long)w * h;
        var (pd, m) = validity.Split(depth);
        var I = guide.Channels.Select(c => c.Data).ToArray();
        int nc = I.Length;
        float[] Box(float[] x) => BoxFilter.Sum(x, w, h, r, par);
        float[] Product(params float[][] fs)
        {
            var o = new float[n];
            for (long i = 0; i < n; i++)
            {
                float v = 1f;
                foreach (var f in fs) v *= f[i];
                o[i] = v;
            }
            return o;
        }
        var sM = Box(m);
        var sP = Box(pd); // pd is already zero where unknown
        var sI = new float[nc][];
        var sIp = new float[nc][];
        for (int c = 0; c < nc; c++)
        {
            sI[c] = Box(Product(m, I[c]));
            sIp[c] = Box(Product(pd, I[c]));
            progress.Report((c + 1f) / (2f * nc));
        }
        // Second moments of the guide: the upper triangle of the 3×3 covariance (or the variance for a grey guide).
        var sII = new float[nc, nc][];
        for (int c = 0; c < nc; c++)
            for (int c2 = c; c2 < nc; c2++)
                sII[c, c2] = sII[c2, c] = Box(Product(m, I[c], I[c2]));
        progress.Report(0.8f);

        var a = new float[nc][];
        for (int c = 0; c < nc; c++) a[c] = new float[n];
        var b = new float[n];
        var v = new float[n];
        Parallel.For(0, h, par.Options, y =>
        {
            Span<double> mi = stackalloc double[3];
            Span<double> cov = stackalloc double[3];
            Span<double> s = stackalloc double[9];
            Span<double> sol = stackalloc double[3];
            for (long i = (long)y * w, end = i + w; i < end; i++)
            {
                double cnt = sM[i];
                if (cnt < 0.5) continue; // no known depth in the window: a = b = 0, v = 0
                double mp = sP[i] / cnt;
                for (int c = 0; c < nc; c++)
                {
                    mi[c] = sI[c][i] / cnt;
                    cov[c] = sIp[c][i] / cnt - mi[c] * mp;
                }
                for (int c = 0; c < nc; c++)
                    for (int c2 = 0; c2 < nc; c2++)
                        s[c * 3 + c2] = sII[c, c2][i] / cnt - mi[c] * mi[c2] + (c == c2 ? eps : 0);
                double bb = mp;
                if (nc == 1)
                {
                    double aa = cov[0] / s[0];
                    a[0][i] = (float)aa;
                    bb -= aa * mi[0];
                }
                else
                {
                    Solve3(s, cov, sol);
                    for (int c = 0; c < 3; c++)
                    {
                        a[c][i] = (float)sol[c];
                        bb -= sol[c] * mi[c];
                    }
                }
                b[i] = (float)bb;
                v[i] = 1f;
            }
        });
        return (a, b, v);
    }

    /// <summary>Averages a and b over the windows that cover each pixel (only windows with coefficients count).
    /// Returns planes [ā_0 .. ā_{nc−1}, b̄]; NaN where no window had coefficients.</summary>
    static Plane[] MeanCoefficients(float[][] a, float[] b, float[] v, int w, int h, int r, Parallelism par)
    {
        var sV = BoxFilter.Sum(v, w, h, r, par);
        var res = new Plane[a.Length + 1];
        for (int c = 0; c <= a.Length; c++)
        {
            var s = BoxFilter.Sum(c < a.Length ? a[c] : b, w, h, r, par); // a, b are 0 where v = 0
            var o = new float[s.Length];
            for (long i = 0; i < s.Length; i++) o[i] = sV[i] > 0.5f ? s[i] / sV[i] : float.NaN;
            res[c] = new Plane(w, h, o);
        }
        return res;
    }

    /// <summary>Solves the symmetric positive-definite 3×3 system S x = y by Cramer's rule (S = Σ + εU is well conditioned).</summary>
    internal static void Solve3(ReadOnlySpan<double> s, ReadOnlySpan<double> y, Span<double> x)
    {
        double a = s[0], b = s[1], c = s[2], d = s[4], e = s[5], f = s[8];
        // Cofactors of the symmetric matrix [[a b c][b d e][c e f]].
        double A = d * f - e * e, B = c * e - b * f, C = b * e - c * d;
        double D = a * f - c * c, E = b * c - a * e, F = a * d - b * b;
        double det = a * A + b * B + c * C;
        double inv = 1.0 / det;
        x[0] = (A * y[0] + B * y[1] + C * y[2]) * inv;
        x[1] = (B * y[0] + D * y[1] + E * y[2]) * inv;
        x[2] = (C * y[0] + E * y[1] + F * y[2]) * inv;
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
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
/// Box sums are sliding windows over rows (column sums updated by one row in, one row out; then a running sum along
/// the row), all statistics of a pixel interleaved so one pass carries them together; accumulators are double.
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
        var coef = Coefficients(lowGuide, depth, radius, p.Eps, validity, progress.Stage(0f, 0.6f), par);
        int nc = guide.Channels.Length;
        if (!upsample)
        {
            // Same size: average the coefficients and apply them in one pass.
            var q = new Plane(guide.Width, guide.Height);
            MeanCoefficients(coef, nc, depth.Width, depth.Height, radius, guide.Channels, q, null, progress.Stage(0.6f, 1f), par);
            return q;
        }
        var mean = new Plane[nc + 1];
        for (int c = 0; c <= nc; c++) mean[c] = new Plane(depth.Width, depth.Height);
        MeanCoefficients(coef, nc, depth.Width, depth.Height, radius, lowGuide.Channels, null, mean, progress.Stage(0.6f, 0.85f), par);
        // Coefficients are smooth: bilinear upsampling of them keeps the guide's edges (they enter through I). Where no
        // window had coefficients the output is unknown (NaN), not 0, which may be a valid depth.
        for (int i = 0; i < mean.Length; i++)
            mean[i] = Resampler.Resize(mean[i], guide.Width, guide.Height, ResampleFilter.Bilinear, float.IsFinite, float.NaN);
        var o = new Plane(guide.Width, guide.Height);
        var chans = guide.Channels;
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
    /// the window held any known depth (v): planes [a_0 .. a_{nc−1}, b, v]; a = b = v = 0 where it held none.</summary>
    static float[][] Coefficients(Image guide, Plane depth, int r, float eps, DepthValidity validity, Progress progress, Parallelism par)
    {
        int w = depth.Width, h = depth.Height;
        var I = guide.Channels.Select(c => c.Data).ToArray();
        int nc = I.Length;
        var d = depth.Data;
        float[] I0 = I[0], I1 = I[nc > 1 ? 1 : 0], I2 = I[nc > 1 ? 2 : 0];
        // Statistics per pixel, interleaved: m, p, m·I_c, p·I_c, m·I_c·I_c' (upper triangle); padded to whole vectors.
        int K = nc == 1 ? 8 : 16;
        var res = new float[nc + 2][];
        for (int c = 0; c < res.Length; c++) res[c] = new float[(long)w * h];

        // Column sums += statistics of row yIn − statistics of row yOut (either may be −1: none). A pixel's statistics
        // are K/4 vectors, zero when its depth is unknown.
        void Slide(int yIn, int yOut, double[] col)
        {
            ref var c = ref Unsafe.As<double, Vector256<double>>(ref MemoryMarshal.GetArrayDataReference(col));
            for (int x = 0; x < w; x++)
            {
                Vector256<double> v0 = default, v1 = default, v2 = default, v3 = default;
                if (yIn >= 0) Stats((long)yIn * w + x, 1, ref v0, ref v1, ref v2, ref v3);
                if (yOut >= 0) Stats((long)yOut * w + x, -1, ref v0, ref v1, ref v2, ref v3);
                if (nc == 1)
                {
                    Unsafe.Add(ref c, 2 * x) += v0;
                    Unsafe.Add(ref c, 2 * x + 1) += v1;
                    continue;
                }
                ref var cx = ref Unsafe.Add(ref c, 4 * x);
                cx += v0;
                Unsafe.Add(ref cx, 1) += v1;
                Unsafe.Add(ref cx, 2) += v2;
                Unsafe.Add(ref cx, 3) += v3;
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        void Stats(long i, double sign, ref Vector256<double> v0, ref Vector256<double> v1, ref Vector256<double> v2, ref Vector256<double> v3)
        {
            float dv = d[i];
            if (!validity.IsValid(dv)) return;
            double p = dv;
            var sg = Vector256.Create(sign);
            if (nc == 1)
            {
                double g = I0[i];
                v0 += Vector256.Create(1, p, g, p * g) * sg;
                v1 += Vector256.Create(g * g, 0, 0, 0) * sg;
                return;
            }
            double r0 = I0[i], g0 = I1[i], b0 = I2[i];
            v0 += Vector256.Create(1, p, r0, g0) * sg;
            v1 += Vector256.Create(b0, p, p, p) * Vector256.Create(sign, r0 * sign, g0 * sign, b0 * sign);
            v2 += Vector256.Create(r0, r0, r0, g0) * Vector256.Create(r0, g0, b0, g0) * sg;
            v3 += Vector256.Create(g0, b0, 0, 0) * Vector256.Create(b0, b0, 0, 0) * sg;
        }

        void Solve(int y, ReadOnlySpan<double> sums)
        {
            long row = (long)y * w;
            for (int x = 0; x < w; x++)
            {
                var S = sums.Slice(x * K, K);
                long i = row + x;
                double cnt = S[0];
                if (cnt < 0.5) continue; // no known depth in the window: a = b = 0, v = 0
                double inv = 1.0 / cnt;
                double mp = S[1] * inv;
                double bb = mp;
                if (nc == 1)
                {
                    double mi = S[2] * inv;
                    double aa = (S[3] * inv - mi * mp) / (S[4] * inv - mi * mi + eps);
                    res[0][i] = (float)aa;
                    bb -= aa * mi;
                }
                else
                {
                    double m0 = S[2] * inv, m1 = S[3] * inv, m2 = S[4] * inv;
                    double c0 = S[5] * inv - m0 * mp, c1 = S[6] * inv - m1 * mp, c2 = S[7] * inv - m2 * mp;
                    // Σ + εU = [[a b c][b d e][c e f]], solved by Cramer's rule with its cofactors.
                    double a = S[8] * inv - m0 * m0 + eps, b = S[9] * inv - m0 * m1, c = S[10] * inv - m0 * m2;
                    double dd = S[11] * inv - m1 * m1 + eps, e = S[12] * inv - m1 * m2, f = S[13] * inv - m2 * m2 + eps;
                    double A = dd * f - e * e, B = c * e - b * f, C = b * e - c * dd;
                    double D = a * f - c * c, E = b * c - a * e, F = a * dd - b * b;
                    double id = 1.0 / (a * A + b * B + c * C);
                    double a0 = (A * c0 + B * c1 + C * c2) * id;
                    double a1 = (B * c0 + D * c1 + E * c2) * id;
                    double a2 = (C * c0 + E * c1 + F * c2) * id;
                    res[0][i] = (float)a0;
                    res[1][i] = (float)a1;
                    res[2][i] = (float)a2;
                    bb -= a0 * m0 + a1 * m1 + a2 * m2;
                }
                res[nc][i] = (float)bb;
                res[nc + 1][i] = 1f;
            }
        }

        Bands.Run(h, (y0, y1) => SlidingSums(w, h, r, K, y0, y1, Slide, Solve), progress, par, MinBandRows(r));
        return res;
    }

    /// <summary>Averages a and b over the windows that cover each pixel (only windows with coefficients count): into
    /// <paramref name="mean"/> (planes [ā_0 .. ā_{nc−1}, b̄], NaN where no window had coefficients), or, with
    /// <paramref name="result"/>, straight to q = b̄ + Σ ā_c·I_c.</summary>
    static void MeanCoefficients(float[][] coef, int nc, int w, int h, int r, Plane[] guide, Plane? result, Plane[]? mean, Progress progress, Parallelism par)
    {
        int K = nc == 1 ? 4 : 8; // a_c.., b, v, padding

        float[] a0 = coef[0], a1 = coef[nc > 1 ? 1 : 0], a2 = coef[nc > 1 ? 2 : 0], bc = coef[nc], vc = coef[nc + 1];

        // The coefficients of one pixel as K/4 vectors: (a_0, a_1, a_2, b), (v, 0, 0, 0) or (a, b, v, 0). a, b are 0 where v = 0.
        Vector256<double> First(long i) => nc == 1 ? Vector256.Create(a0[i], bc[i], vc[i], 0) : Vector256.Create(a0[i], a1[i], a2[i], bc[i]);
        Vector256<double> Second(long i) => Vector256.Create(vc[i], 0, 0, 0);

        void Slide(int yIn, int yOut, double[] col)
        {
            ref var c = ref Unsafe.As<double, Vector256<double>>(ref MemoryMarshal.GetArrayDataReference(col));
            for (int x = 0; x < w; x++)
            {
                long i = (long)yIn * w + x, o = (long)yOut * w + x;
                var f = yIn >= 0 ? First(i) : default;
                if (yOut >= 0) f -= First(o);
                if (nc == 1)
                {
                    Unsafe.Add(ref c, x) += f;
                    continue;
                }
                var g = yIn >= 0 ? Second(i) : default;
                if (yOut >= 0) g -= Second(o);
                Unsafe.Add(ref c, 2 * x) += f;
                Unsafe.Add(ref c, 2 * x + 1) += g;
            }
        }

        void Emit(int y, ReadOnlySpan<double> sums)
        {
            long row = (long)y * w;
            for (int x = 0; x < w; x++)
            {
                var S = sums.Slice(x * K, K);
                long i = row + x;
                double sv = S[nc + 1];
                double inv = sv > 0.5 ? 1.0 / sv : double.NaN; // NaN where no window had coefficients
                if (result != null)
                {
                    float q = (float)(S[nc] * inv);
                    for (int c = 0; c < nc; c++) q += (float)(S[c] * inv) * guide[c].Data[i];
                    result.Data[i] = q;
                }
                else
                    for (int c = 0; c <= nc; c++) mean![c].Data[i] = (float)(S[c] * inv);
            }
        }

        Bands.Run(h, (y0, y1) => SlidingSums(w, h, r, K, y0, y1, Slide, Emit), progress, par, MinBandRows(r));
    }

    /// <summary>Bands long enough that starting each band's column sums (2r + 1 rows) costs little.</summary>
    static int MinBandRows(int r) => Math.Max(4, 8 * (2 * r + 1));

    delegate void RowSlide(int yIn, int yOut, double[] columnSums);
    delegate void RowSums(int y, ReadOnlySpan<double> sums);

    /// <summary>
    /// For rows [y0, y1): the sums of K interleaved per-pixel quantities (column sums col[x·K + k], which
    /// <paramref name="slide"/> moves down by adding one row's quantities and removing another's) over the (2r+1)² window clipped to the w×h image, handed to <paramref name="sink"/> row by row.
    /// Column sums slide down (one row added, one removed), then a running sum slides along the row; K is a multiple
    /// of 4 so each pixel's statistics move as whole 256-bit vectors.
    /// </summary>
    static void SlidingSums(int w, int h, int r, int K, int y0, int y1, RowSlide slide, RowSums sink)
    {
        var col = new double[w * K];
        var sums = new double[w * K];
        for (int y = Math.Max(0, y0 - r); y <= Math.Min(h - 1, y0 + r); y++) slide(y, -1, col);
        int vecs = K / 4;
        for (int y = y0; y < y1; y++)
        {
            HorizontalSums(col, sums, w, r, vecs);
            sink(y, sums);
            if (y + 1 >= y1) break;
            slide(y + r + 1 < h ? y + r + 1 : -1, y - r >= 0 ? y - r : -1, col);
        }
    }

    /// <summary>Running sums along the row of the column sums (each pixel's K values as <paramref name="vecs"/> vectors,
    /// 1, 2 or 4), clipped at both ends. The vectors' running sums are independent chains kept in locals.</summary>
    static void HorizontalSums(double[] col, double[] sums, int w, int r, int vecs)
    {
        ref var c = ref Unsafe.As<double, Vector256<double>>(ref MemoryMarshal.GetArrayDataReference(col));
        ref var s = ref Unsafe.As<double, Vector256<double>>(ref MemoryMarshal.GetArrayDataReference(sums));
        Vector256<double> a0 = default, a1 = default, a2 = default, a3 = default;
        for (int x = 0; x <= Math.Min(r, w - 1); x++)
        {
            ref var v = ref Unsafe.Add(ref c, x * vecs);
            a0 += v;
            if (vecs > 1) a1 += Unsafe.Add(ref v, 1);
            if (vecs > 2)
            {
                a2 += Unsafe.Add(ref v, 2);
                a3 += Unsafe.Add(ref v, 3);
            }
        }
        for (int x = 0; x < w; x++)
        {
            ref var o = ref Unsafe.Add(ref s, x * vecs);
            o = a0;
            if (vecs > 1) Unsafe.Add(ref o, 1) = a1;
            if (vecs > 2)
            {
                Unsafe.Add(ref o, 2) = a2;
                Unsafe.Add(ref o, 3) = a3;
            }
            int add = x + r + 1, sub = x - r;
            if (add < w)
            {
                ref var v = ref Unsafe.Add(ref c, add * vecs);
                a0 += v;
                if (vecs > 1) a1 += Unsafe.Add(ref v, 1);
                if (vecs > 2)
                {
                    a2 += Unsafe.Add(ref v, 2);
                    a3 += Unsafe.Add(ref v, 3);
                }
            }
            if (sub >= 0)
            {
                ref var v = ref Unsafe.Add(ref c, sub * vecs);
                a0 -= v;
                if (vecs > 1) a1 -= Unsafe.Add(ref v, 1);
                if (vecs > 2)
                {
                    a2 -= Unsafe.Add(ref v, 2);
                    a3 -= Unsafe.Add(ref v, 3);
                }
            }
        }
    }
}

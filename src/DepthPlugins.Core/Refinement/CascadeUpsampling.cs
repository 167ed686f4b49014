using System.Runtime.Intrinsics;
using DepthPlugins.Core.Imaging;
using DepthPlugins.Core.Processing;

namespace DepthPlugins.Core.Refinement;

/// <param name="StartRadius">Radius of the first (widest) stage in full-resolution pixels; 0 = the smallest power of two
/// ≥ 2·s for upsampling factor s (16 at ×8).</param>
/// <param name="SigmaRange">Colour sigma of every stage, on the 0..1 sRGB scale.</param>
public readonly record struct CascadeParams(int StartRadius, float SigmaRange);

/// <summary>
/// Cascade upsampling: coarse-to-fine joint bilateral passes with back-projection onto the low-resolution input.
/// <list type="number">
/// <item>x = bicubic enlargement of the depth (over known samples only; unknown where they carry under 30 % of the weight).</item>
/// <item>For radii R = StartRadius, R/2, …, 1: x ← joint bilateral filter of x with 5×5 taps spaced R/2 apart
/// (3×3 taps 1 apart at R = 1), spatial sigma R, colour sigma σr. Wide stages move depth edges onto colour edges
/// across the whole blurred band; narrow ones clean up near the edge.</item>
/// <item>Between stages (back-projection): r = low − shrink(x) on the known low-resolution samples (the
/// antialiased bicubic shrink of <see cref="Resampler"/>), soft-thresholded by 3·σn, and x ← x + enlarge(r). This pulls
/// the estimate back to agreement with the input it came from, which the filters alone lose at edges. σn is the
/// input's noise, estimated as median|HH|/0.6745 over 2×2 Haar blocks of known samples (Donoho's estimator):
/// about 0 for clean inputs, so they are fully enforced, while noise is not fed back into noisy ones.</item>
/// </list>
/// Every pass is local and data-parallel (gathers over fixed taps, separable resampling), so it maps onto compute
/// shaders; the cost is about 5 stages × 25 taps per output pixel, whatever the scale.
/// </summary>
public static class CascadeUpsampling
{
    /// <summary>Residuals below this many noise sigmas are treated as noise and not fed back.</summary>
    public const float NoiseThreshold = 3f;

    /// <summary>The bicubic start is trusted where known samples carry at least this share of the kernel's weight
    /// (its negative lobes make smaller sums unstable); elsewhere the first stage fills in. Not a dyadic fraction, which
    /// partial sums of the kernel's weights hit exactly (a tie that float and double would break differently).</summary>
    public const float MinStartWeight = 0.3f;

    const float RangeExponentFloor = -60f;

    /// <summary>The first stage's radius for a W×H output from a w×h input: the smallest power of two ≥ 2·scale.</summary>
    public static int AutoStartRadius(int W, int H, int w, int h)
    {
        double s = Math.Max((double)W / w, (double)H / h);
        int r = 1;
        while (r < 2 * s - 1e-9 && r < RefineOptions.MaxRadius) r *= 2;
        return r;
    }

    /// <summary>The stage radii: start, start/2, …, 1 (integer halving).</summary>
    public static int[] Radii(int start)
    {
        var l = new List<int>();
        for (int r = Math.Max(1, start); r >= 1; r /= 2) l.Add(r);
        return l.ToArray();
    }

    /// <summary>Noise sigma of the known samples: median |a − b − c + d| / 2 over disjoint 2×2 blocks, / 0.6745; 0 without blocks.</summary>
    public static double NoiseSigma(float[] d, float[] m, int w, int h)
    {
        var hh = new List<float>();
        for (int y = 0; y + 1 < h; y += 2)
            for (int x = 0; x + 1 < w; x += 2)
            {
                long i = (long)y * w + x;
                if (m[i] == 0 || m[i + 1] == 0 || m[i + w] == 0 || m[i + w + 1] == 0) continue;
                hh.Add(MathF.Abs(d[i] - d[i + 1] - d[i + w] + d[i + w + 1]) / 2);
            }
        if (hh.Count == 0) return 0;
        hh.Sort();
        return hh[hh.Count / 2] / 0.6745;
    }

    /// <summary>The checks every backend makes before running the cascade.</summary>
    public static void Validate(Image guide, Plane depth, CascadeParams p)
    {
        if (p.StartRadius < 0 || !(p.SigmaRange > 0)) throw DpException.Invalid("cascade: start radius ≥ 0 and sigma range > 0 required");
        if (depth.Width > guide.Width || depth.Height > guide.Height) throw DpException.Invalid("cascade: the depth is larger than the guide");
    }

    public static Plane Apply(Image guide, Plane depth, CascadeParams p, DepthValidity validity, Progress progress, Parallelism par)
    {
        Validate(guide, depth, p);
        int W = guide.Width, H = guide.Height, w = depth.Width, h = depth.Height;
        var (d, m) = validity.Split(depth);
        var radii = Radii(p.StartRadius > 0 ? p.StartRadius : AutoStartRadius(W, H, w, h));
        double tau = NoiseThreshold * NoiseSigma(d, m, w, h);

        // Bicubic start over known samples; NaN where none is near.
        var x = Enlarge(new Plane(w, h, d), new Plane(w, h, m), W, H);
        int stages = radii.Length;
        for (int k = 0; k < stages; k++)
        {
            var stage = progress.Stage((float)k / stages, (k + 1f) / stages);
            x = Stage(guide, x, radii[k], p.SigmaRange, stage.Stage(0f, 0.9f), par);
            if (k + 1 < stages) BackProject(x, d, m, w, h, (float)tau);
            stage.Report(1f);
        }
        return x;
    }

    /// <summary>Bicubic enlargement by normalised convolution: Σ w·m·d / Σ w·m, NaN where the known weight is below MinStartWeight.</summary>
    static Plane Enlarge(Plane values, Plane mask, int W, int H)
    {
        var num = Resampler.Resize(values, W, H, ResampleFilter.Bicubic);
        var den = Resampler.Resize(mask, W, H, ResampleFilter.Bicubic);
        var o = new Plane(W, H);
        for (long i = 0; i < o.Data.LongLength; i++) o.Data[i] = den.Data[i] > MinStartWeight ? num.Data[i] / den.Data[i] : float.NaN;
        return o;
    }

    /// <summary>x ← x + enlarge(soft(low − shrink(x), τ)) where the low-resolution sample is known (in place).</summary>
    static void BackProject(Plane x, float[] d, float[] m, int w, int h, float tau)
    {
        var shrunk = Resampler.Resize(x, w, h, ResampleFilter.Bicubic, float.IsFinite);
        var r = new Plane(w, h);
        for (long i = 0; i < r.Data.LongLength; i++)
        {
            if (m[i] == 0) continue;
            float e = d[i] - shrunk.Data[i];
            r.Data[i] = MathF.Sign(e) * MathF.Max(MathF.Abs(e) - tau, 0f);
        }
        var up = Resampler.Resize(r, x.Width, x.Height, ResampleFilter.Bicubic);
        var xd = x.Data;
        for (long i = 0; i < xd.LongLength; i++) xd[i] += up.Data[i]; // NaN stays NaN
    }

    /// <summary>One joint bilateral stage over the sparse taps of radius R; unknown (NaN) depth has no weight.</summary>
    static Plane Stage(Image guide, Plane x, int R, float sigmaRange, Progress progress, Parallelism par)
    {
        int W = x.Width, H = x.Height;
        int step = R >= 2 ? R / 2 : 1, n = R >= 2 ? 2 : 1;
        int pw = W + 2 * R + 8, ph = H + 2 * R;
        var known = new float[x.Data.Length];
        var vals = new float[x.Data.Length];
        for (long i = 0; i < vals.LongLength; i++)
            if (float.IsFinite(x.Data[i])) { vals[i] = x.Data[i]; known[i] = 1f; }
        var pd = JointBilateralFilter.Pad(vals, W, H, R, pw, ph);
        var pm = JointBilateralFilter.Pad(known, W, H, R, pw, ph);
        var pg = guide.Channels.Select(c => JointBilateralFilter.Pad(c.Data, W, H, R, pw, ph)).ToArray();
        int nc = pg.Length;
        var taps = new List<(int Offset, float Spatial)>();
        for (int j = -n; j <= n; j++)
            for (int i = -n; i <= n; i++)
            {
                int dx = i * step, dy = j * step;
                taps.Add((dy * pw + dx, MathF.Exp(-(dx * dx + dy * dy) / (2f * R * R))));
            }
        var tapArr = taps.ToArray();
        float rangeScale = -1f / (2f * sigmaRange * sigmaRange);
        var o = new Plane(W, H);
        var od = o.Data;
        Bands.Run(H, (y0, y1) =>
        {
            var vScale = Vector256.Create(rangeScale);
            var vFloor = Vector256.Create(RangeExponentFloor);
            Span<Vector256<float>> gc = stackalloc Vector256<float>[3];
            for (int y = y0; y < y1; y++)
            {
                int x0 = 0;
                for (; x0 + 8 <= W; x0 += 8)
                {
                    int centre = (y + R) * pw + x0 + R;
                    for (int c = 0; c < nc; c++) gc[c] = Vector256.Create(pg[c].AsSpan(centre, 8));
                    var num = Vector256<float>.Zero;
                    var den = Vector256<float>.Zero;
                    foreach (var (off, sp) in tapArr)
                    {
                        int q = centre + off;
                        var dist = Vector256<float>.Zero;
                        for (int c = 0; c < nc; c++)
                        {
                            var diff = Vector256.Create(pg[c].AsSpan(q, 8)) - gc[c];
                            dist += diff * diff;
                        }
                        var wgt = Vector256.Exp(Vector256.Max(dist * vScale, vFloor)) * Vector256.Create(sp) * Vector256.Create(pm.AsSpan(q, 8));
                        num += wgt * Vector256.Create(pd.AsSpan(q, 8));
                        den += wgt;
                    }
                    for (int i = 0; i < 8; i++) od[(long)y * W + x0 + i] = den[i] > 0f ? num[i] / den[i] : float.NaN;
                }
                for (; x0 < W; x0++)
                {
                    int centre = (y + R) * pw + x0 + R;
                    float num = 0, den = 0;
                    foreach (var (off, sp) in tapArr)
                    {
                        int q = centre + off;
                        float dist = 0;
                        for (int c = 0; c < nc; c++)
                        {
                            float diff = pg[c][q] - pg[c][centre];
                            dist += diff * diff;
                        }
                        float wgt = MathF.Exp(MathF.Max(dist * rangeScale, RangeExponentFloor)) * sp * pm[q];
                        num += wgt * pd[q];
                        den += wgt;
                    }
                    od[(long)y * W + x0] = den > 0f ? num / den : float.NaN;
                }
            }
        }, progress, par);
        return o;
    }
}

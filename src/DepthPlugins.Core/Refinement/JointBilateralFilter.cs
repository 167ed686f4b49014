using System.Runtime.Intrinsics;
using DepthPlugins.Core.Imaging;
using DepthPlugins.Core.Processing;

namespace DepthPlugins.Core.Refinement;

public readonly record struct JointBilateralParams(int Radius, float SigmaSpatial, float SigmaRange);

/// <summary>
/// Joint bilateral filter of depth guided by colour, as normalised convolution:
/// out(p) = Σ_q w(p,q) m(q) d(q) / Σ_q w(p,q) m(q), with w = exp(−|p−q|²/2σs²) · exp(−‖I(p)−I(q)‖²/2σr²) over a
/// (2r+1)² square window clipped to the image, m = 1 where the depth is known. A pixel with no known
/// neighbour stays unknown (NaN). Eight pixels at a time with 256-bit vectors.
/// </summary>
public static class JointBilateralFilter
{
    /// <summary>Range weights never fall below e^−60 and spatial ones below 1e−10, so their product stays a
    /// positive float: a pixel whose colour matches none of its neighbours still gets their average, not "unknown".</summary>
    const float RangeExponentFloor = -60f;

    public static Plane Apply(Image guide, Plane depth, JointBilateralParams p, DepthValidity validity, Progress progress, Parallelism par)
    {
        if (guide.Width != depth.Width || guide.Height != depth.Height) throw DpException.Invalid("guide and depth sizes differ");
        if (p.Radius < 0 || p.SigmaSpatial <= 0 || p.SigmaRange <= 0) throw DpException.Invalid("joint bilateral: radius ≥ 0 and sigmas > 0 required");
        int w = depth.Width, h = depth.Height, r = p.Radius;
        int pw = w + 2 * r + 8; // 8 extra columns so vector loads at the right edge stay in bounds
        int ph = h + 2 * r;
        var (d, m) = validity.Split(depth);
        var chans = guide.Channels;
        int nc = chans.Length;
        // Padded copies: the mask is 0 outside the image, so padded values never contribute.
        var pd = Pad(d, w, h, r, pw, ph);
        var pm = Pad(m, w, h, r, pw, ph);
        var pg = chans.Select(c => Pad(c.Data, w, h, r, pw, ph)).ToArray();
        int taps = (2 * r + 1) * (2 * r + 1);
        var spatial = new float[taps];
        for (int dy = -r, t = 0; dy <= r; dy++)
            for (int dx = -r; dx <= r; dx++, t++)
                spatial[t] = MathF.Max(MathF.Exp(-(dx * dx + dy * dy) / (2f * p.SigmaSpatial * p.SigmaSpatial)), 1e-10f);
        float rangeScale = -1f / (2f * p.SigmaRange * p.SigmaRange);
        var result = new Plane(w, h);
        var o = result.Data;

        var rows = new Rows(pd, pm, pg[0], pg[nc > 1 ? 1 : 0], pg[nc > 1 ? 2 : 0], nc > 1, spatial, o, r, pw, w, rangeScale);
        Bands.Run(h, (y0, y1) =>
        {
            for (int y = y0; y < y1; y++) rows.Filter(y);
        }, progress, par);
        return result;
    }

    /// <summary>
    /// The padded inputs and parameters, with the per-row filter as a method on them: the hot loop works on pinned
    /// pointers held in locals (no closure fields, no bounds checks), eight pixels at a time.
    /// </summary>
    sealed unsafe class Rows(float[] depth, float[] mask, float[] g0, float[] g1, float[] g2, bool colour, float[] spatial,
        float[] output, int r, int pw, int w, float rangeScale)
    {
        public void Filter(int y)
        {
            fixed (float* pd = depth, pm = mask, p0 = g0, p1 = g1, p2 = g2, sp = spatial, o = output)
            {
                int x = 0;
                for (; x + 8 <= w; x += 8) Vector8(pd, pm, p0, p1, p2, sp, o, x, y);
                for (; x < w; x++) Scalar(pd, pm, p0, p1, p2, sp, o, x, y);
            }
        }

        void Vector8(float* pd, float* pm, float* p0, float* p1, float* p2, float* sp, float* o, int x, int y)
        {
            long centre = (long)(y + r) * pw + x + r;
            var c0 = Vector256.Load(p0 + centre);
            var c1 = Vector256.Load(p1 + centre);
            var c2 = Vector256.Load(p2 + centre);
            var scale = Vector256.Create(rangeScale);
            var floor = Vector256.Create(RangeExponentFloor);
            var num = Vector256<float>.Zero;
            var den = Vector256<float>.Zero;
            int side = 2 * r + 1;
            for (int dy = 0; dy < side; dy++)
            {
                long row = (long)(y + dy) * pw + x; // tap (dx = −r) of the first pixel
                float* spRow = sp + dy * side;
                for (int dx = 0; dx < side; dx++)
                {
                    long q = row + dx;
                    var diff = Vector256.Load(p0 + q) - c0;
                    var dist = Vector256<float>.Zero + diff * diff;
                    if (colour)
                    {
                        diff = Vector256.Load(p1 + q) - c1;
                        dist += diff * diff;
                        diff = Vector256.Load(p2 + q) - c2;
                        dist += diff * diff;
                    }
                    var wgt = Vector256.Exp(Vector256.Max(dist * scale, floor)) * Vector256.Create(spRow[dx]) * Vector256.Load(pm + q);
                    num += wgt * Vector256.Load(pd + q);
                    den += wgt;
                }
            }
            var res = Vector256.ConditionalSelect(Vector256.GreaterThan(den, Vector256<float>.Zero), num / den, Vector256.Create(float.NaN));
            res.Store(o + (long)y * w + x);
        }

        void Scalar(float* pd, float* pm, float* p0, float* p1, float* p2, float* sp, float* o, int x, int y)
        {
            long centre = (long)(y + r) * pw + x + r;
            float num = 0, den = 0;
            int t = 0;
            for (int dy = -r; dy <= r; dy++)
                for (int dx = -r; dx <= r; dx++, t++)
                {
                    long q = centre + (long)dy * pw + dx;
                    float diff = p0[q] - p0[centre];
                    float dist = 0 + diff * diff;
                    if (colour)
                    {
                        diff = p1[q] - p1[centre];
                        dist += diff * diff;
                        diff = p2[q] - p2[centre];
                        dist += diff * diff;
                    }
                    float wgt = MathF.Exp(MathF.Max(dist * rangeScale, RangeExponentFloor)) * sp[t] * pm[q];
                    num += wgt * pd[q];
                    den += wgt;
                }
            o[(long)y * w + x] = den > 0f ? num / den : float.NaN;
        }
    }

    /// <summary>Copies a w×h plane into a zeroed pw×ph buffer at offset (r, r).</summary>
    internal static float[] Pad(float[] src, int w, int h, int r, int pw, int ph)
    {
        var dst = new float[(long)pw * ph];
        for (int y = 0; y < h; y++) Array.Copy(src, (long)y * w, dst, (long)(y + r) * pw + r, w);
        return dst;
    }
}

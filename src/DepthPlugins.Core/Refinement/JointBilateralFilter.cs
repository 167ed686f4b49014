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

        Bands.Run(h, (y0, y1) =>
        {
            var vScale = Vector256.Create(rangeScale);
            var vFloor = Vector256.Create(RangeExponentFloor);
            for (int y = y0; y < y1; y++)
            {
                int x = 0;
                for (; x + 8 <= w; x += 8) Vector8(x, y);
                for (; x < w; x++) Scalar(x, y);
            }

            void Vector8(int x, int y)
            {
                long centre = (long)(y + r) * pw + x + r;
                Span<Vector256<float>> gc = stackalloc Vector256<float>[3];
                for (int c = 0; c < nc; c++) gc[c] = Vector256.Create(pg[c].AsSpan((int)centre, 8));
                var num = Vector256<float>.Zero;
                var den = Vector256<float>.Zero;
                int t = 0;
                for (int dy = -r; dy <= r; dy++)
                {
                    long rowBase = (long)(y + r + dy) * pw + x + r;
                    for (int dx = -r; dx <= r; dx++, t++)
                    {
                        int q = (int)(rowBase + dx);
                        var dist = Vector256<float>.Zero;
                        for (int c = 0; c < nc; c++)
                        {
                            var diff = Vector256.Create(pg[c].AsSpan(q, 8)) - gc[c];
                            dist += diff * diff;
                        }
                        var wgt = Vector256.Exp(Vector256.Max(dist * vScale, vFloor)) * Vector256.Create(spatial[t]) * Vector256.Create(pm.AsSpan(q, 8));
                        num += wgt * Vector256.Create(pd.AsSpan(q, 8));
                        den += wgt;
                    }
                }
                for (int i = 0; i < 8; i++) o[(long)y * w + x + i] = den[i] > 0f ? num[i] / den[i] : float.NaN;
            }

            void Scalar(int x, int y)
            {
                long centre = (long)(y + r) * pw + x + r;
                float num = 0, den = 0;
                int t = 0;
                for (int dy = -r; dy <= r; dy++)
                    for (int dx = -r; dx <= r; dx++, t++)
                    {
                        long q = centre + (long)dy * pw + dx;
                        float dist = 0;
                        for (int c = 0; c < nc; c++)
                        {
                            float diff = pg[c][q] - pg[c][centre];
                            dist += diff * diff;
                        }
                        float wgt = MathF.Exp(MathF.Max(dist * rangeScale, RangeExponentFloor)) * spatial[t] * pm[q];
                        num += wgt * pd[q];
                        den += wgt;
                    }
                o[(long)y * w + x] = den > 0f ? num / den : float.NaN;
            }
        }, progress, par);
        return result;
    }

    /// <summary>Copies a w×h plane into a zeroed pw×ph buffer at offset (r, r).</summary>
    internal static float[] Pad(float[] src, int w, int h, int r, int pw, int ph)
    {
        var dst = new float[(long)pw * ph];
        for (int y = 0; y < h; y++) Array.Copy(src, (long)y * w, dst, (long)(y + r) * pw + r, w);
        return dst;
    }
}

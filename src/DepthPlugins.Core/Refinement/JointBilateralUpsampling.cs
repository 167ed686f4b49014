using DepthPlugins.Core.Imaging;
using DepthPlugins.Core.Processing;

namespace DepthPlugins.Core.Refinement;

public readonly record struct JbuParams(int Radius, float SigmaSpatial, float SigmaRange);

/// <summary>
/// Joint bilateral upsampling (Kopf, Cohen, Lischinski, Uyttendaele, SIGGRAPH 2007). Each full-resolution pixel p
/// averages the known low-resolution samples q within Radius low-res pixels of p's position in the low-res grid,
/// weighted by a spatial Gaussian in low-res pixel units and a range Gaussian on the colour difference between
/// I(p) and the guide's colour at q (the guide averaged over q's footprint). Pixel centres are aligned:
/// p = (x, y) sits at ((x + ½)·w/W − ½, (y + ½)·h/H − ½) in the low-res grid.
/// </summary>
public static class JointBilateralUpsampling
{
    public static Plane Apply(Image guide, Plane depth, JbuParams p, DepthValidity validity, Progress progress, Parallelism par)
    {
        if (p.Radius < 0 || p.SigmaSpatial <= 0 || p.SigmaRange <= 0) throw DpException.Invalid("joint bilateral upsampling: radius ≥ 0 and sigmas > 0 required");
        int W = guide.Width, H = guide.Height, w = depth.Width, h = depth.Height, r = p.Radius;
        var (d, m) = validity.Split(depth);
        // The guide's colour over each low-res pixel's footprint (area-averaging resize).
        var lowGuide = guide.Channels.Select(c => Resampler.AreaAverage(c, w, h).Data).ToArray();
        var chans = guide.Channels.Select(c => c.Data).ToArray();
        int nc = chans.Length;
        float sx = (float)w / W, sy = (float)h / H;
        float spatialScale = -1f / (2f * p.SigmaSpatial * p.SigmaSpatial);
        float rangeScale = -1f / (2f * p.SigmaRange * p.SigmaRange);
        var o = new Plane(W, H);
        Bands.Run(H, (y0, y1) =>
        {
            for (int y = y0; y < y1; y++)
            {
                float v = (y + 0.5f) * sy - 0.5f;
                int cy = (int)MathF.Round(v);
                for (int x = 0; x < W; x++)
                {
                    float u = (x + 0.5f) * sx - 0.5f;
                    int cx = (int)MathF.Round(u);
                    long pi = (long)y * W + x;
                    float num = 0, den = 0;
                    for (int j = Math.Max(0, cy - r); j <= Math.Min(h - 1, cy + r); j++)
                    {
                        float dyy = (j - v) * (j - v);
                        for (int i = Math.Max(0, cx - r); i <= Math.Min(w - 1, cx + r); i++)
                        {
                            long qi = (long)j * w + i;
                            if (m[qi] == 0f) continue;
                            float dist = 0;
                            for (int c = 0; c < nc; c++)
                            {
                                float diff = chans[c][pi] - lowGuide[c][qi];
                                dist += diff * diff;
                            }
                            // The floor keeps a pixel whose colour matches no sample from ending up with no weight at all.
                            float wgt = MathF.Exp(MathF.Max(((i - u) * (i - u) + dyy) * spatialScale + dist * rangeScale, -80f));
                            num += wgt * d[qi];
                            den += wgt;
                        }
                    }
                    o.Data[pi] = den > 0 ? num / den : float.NaN;
                }
            }
        }, progress, par);
        return o;
    }
}

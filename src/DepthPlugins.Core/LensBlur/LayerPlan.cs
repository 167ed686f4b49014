using DepthPlugins.Core.Imaging;
using DepthPlugins.Core.Processing;

namespace DepthPlugins.Core.LensBlur;

/// <summary>
/// Splits the scene into depth layers by signed CoC (negative = behind the focus plane, positive = in front).
/// Each layer has one CoC radius; a pixel whose CoC lies between two neighbouring layers is shared between them with
/// linear weights, so the blur changes smoothly with depth. Layers are ordered back to front; the middle one has radius
/// ≤ 0.5, whose kernel is the identity (in focus).
/// <para>The radii follow the data: starting from the in-focus layer, each next layer is placed at the largest CoC present
/// within one spacing step (1 px, or 8 % of the radius for larger radii), or, across a gap with no pixels, at the next CoC
/// present. So a region of constant depth always gets a layer at exactly its CoC (its blur is the exact disk), and the
/// number of layers grows only with the logarithm of the largest radius.</para>
/// </summary>
public sealed class LayerPlan
{
    /// <summary>Spacing between neighbouring layer radii: max(MinSpacing, RelativeSpacing × radius).</summary>
    public const double MinSpacing = 1.0, RelativeSpacing = 0.08;
    /// <summary>Bins per pixel of CoC used to find the radii present (bins keep their exact min and max).</summary>
    const int BinsPerPixel = 64;
    /// <summary>At most this many layers in all (the lower layer index of a pixel is stored in a byte).</summary>
    public const int MaxLayers = 255;

    /// <summary>Signed CoC radius of each layer, ascending (back to front). The centre layer is 0.</summary>
    public float[] SignedRadius { get; }
    public int Center { get; }
    public int Width { get; }
    public int Height { get; }
    /// <summary>Per pixel: the farther of its two layers.</summary>
    public byte[] Lower { get; }
    /// <summary>Per pixel: the weight of layer Lower + 1 (the weight of Lower is 1 − this).</summary>
    public float[] UpperWeight { get; }

    public int Count => SignedRadius.Length;

    /// <summary>Kernel radius of layer k (the identity layer has 0).</summary>
    public float Radius(int k) => Math.Abs(SignedRadius[k]);

    LayerPlan(float[] signed, int center, int w, int h, byte[] lower, float[] upper)
    {
        SignedRadius = signed;
        Center = center;
        Width = w;
        Height = h;
        Lower = lower;
        UpperWeight = upper;
    }

    /// <summary>Builds the plan for signed CoC radii (in pixels, |coc| ≤ <see cref="LensBlurOptions.MaxRadius"/>).</summary>
    public static LayerPlan Build(Plane coc, Parallelism par)
    {
        var data = coc.Data;
        // Work on e = sign · max(0, |coc| − 0.5): radius 0.5 is already the identity, so the in-focus layer sits at e = 0.
        var far = Ladder(CollectValues(data, -1, par));
        var near = Ladder(CollectValues(data, +1, par));
        int count = far.Count + 1 + near.Count;
        if (count > MaxLayers) throw new DpException(DpStatus.Internal, $"lens blur planned {count} layers (limit {MaxLayers})");
        var e = new double[count];
        for (int i = 0; i < far.Count; i++) e[i] = -far[far.Count - 1 - i];
        int center = far.Count;
        e[center] = 0;
        for (int i = 0; i < near.Count; i++) e[center + 1 + i] = near[i];
        var signed = e.Select(v => (float)(v == 0 ? 0 : Math.Sign(v) * (Math.Abs(v) + 0.5))).ToArray();

        var lower = new byte[data.Length];
        var upper = new float[data.Length];
        int w = coc.Width;
        Parallel.For(0, coc.Height, par.Options, y =>
        {
            for (int i = y * w, end = i + w; i < end; i++)
            {
                double v = ToE(data[i]);
                // Largest k with e[k] ≤ v.
                int lo = 0, hi = count - 1;
                while (lo < hi)
                {
                    int mid = (lo + hi + 1) >> 1;
                    if (e[mid] <= v) lo = mid; else hi = mid - 1;
                }
                lower[i] = (byte)lo;
                upper[i] = lo + 1 < count && v > e[lo] ? (float)((v - e[lo]) / (e[lo + 1] - e[lo])) : 0f;
            }
        });
        return new LayerPlan(signed, center, coc.Width, coc.Height, lower, upper);
    }

    static double ToE(float coc) => Math.Sign(coc) * Math.Max(0, Math.Abs((double)coc) - 0.5);

    /// <summary>The distinct e-values on one side (sign), up to bin resolution: each occupied bin contributes its exact min and max.</summary>
    static List<double> CollectValues(float[] coc, int sign, Parallelism par)
    {
        int bins = (int)(LensBlurOptions.MaxRadius * BinsPerPixel) + 1;
        int chunks = Math.Max(1, par.Threads);
        var mins = new double[chunks][];
        var maxs = new double[chunks][];
        Parallel.For(0, chunks, par.Options, t =>
        {
            var lmin = new double[bins];
            var lmax = new double[bins];
            Array.Fill(lmin, double.PositiveInfinity);
            Array.Fill(lmax, double.NegativeInfinity);
            long n = coc.LongLength, a = n * t / chunks, b = n * (t + 1) / chunks;
            for (long i = a; i < b; i++)
            {
                double v = sign * ToE(coc[i]);
                if (v <= 0) continue;
                int bin = Math.Min(bins - 1, (int)(v * BinsPerPixel));
                if (v < lmin[bin]) lmin[bin] = v;
                if (v > lmax[bin]) lmax[bin] = v;
            }
            mins[t] = lmin;
            maxs[t] = lmax;
        });
        var min = mins[0];
        var max = maxs[0];
        for (int t = 1; t < chunks; t++)
            for (int i = 0; i < bins; i++)
            {
                min[i] = Math.Min(min[i], mins[t][i]);
                max[i] = Math.Max(max[i], maxs[t][i]);
            }
        var values = new List<double>();
        for (int i = 0; i < bins; i++)
        {
            if (min[i] > max[i]) continue;
            values.Add(min[i]);
            if (max[i] > min[i]) values.Add(max[i]);
        }
        return values;
    }

    /// <summary>Greedy placement of layer e-values over the sorted values present on one side (see the class summary).</summary>
    static List<double> Ladder(List<double> values)
    {
        var layers = new List<double>();
        double cur = 0;
        int i = 0;
        while (i < values.Count)
        {
            double step = Math.Max(MinSpacing, RelativeSpacing * (cur + 0.5));
            double next = values[i];
            double pick;
            if (next > cur + step) pick = next; // a gap: nothing lies between, so no interpolation across it
            else
            {
                int j = i;
                while (j + 1 < values.Count && values[j + 1] <= cur + step) j++;
                pick = values[j];
            }
            layers.Add(pick);
            cur = pick;
            while (i < values.Count && values[i] <= cur) i++;
        }
        return layers;
    }
}

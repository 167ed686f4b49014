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
    /// <summary>Spacing between neighbouring layer radii: max(MinSpacing, RelativeSpacing × radius), in pixels.</summary>
    public const double MinSpacing = 1.0, RelativeSpacing = 0.08;
    /// <summary>Bins per pixel of CoC used to find the radii present (bins keep their exact min and max).</summary>
    public const int BinsPerPixel = 64;
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
        // Work on e = sign · max(0, |coc| − 0.5) (exact in float): radius 0.5 is already the identity, so the in-focus
        // layer sits at e = 0.
        var (farValues, nearValues) = CollectValues(data, par);
        var levels = Levels(farValues, nearValues);
        var e = levels.E;
        int count = e.Length;

        // Per bin of e, the largest layer at or below the bin's lower end: the pixel's layer is then at most a step or two up.
        int bins = 2 * BinsPerSide + 1;
        var start = new byte[bins];
        for (int b = 0, k = 0; b < bins; b++)
        {
            float lo = (b - BinsPerSide) / (float)BinsPerPixel;
            while (k + 1 < count && e[k + 1] <= lo) k++;
            start[b] = (byte)k;
        }
        // Every pixel is written below.
        var lower = RecycledArrays.Rent<byte>(data.Length);
        var upper = RecycledArrays.Rent<float>(data.Length);
        int w = coc.Width;
        Parallel.For(0, coc.Height, par.Options, y =>
        {
            // Neighbouring pixels often share their CoC (flat regions): the previous pixel's answer is reused then.
            float last = float.NaN, lastUpper = 0f;
            byte lastLower = 0;
            for (int i = y * w, end = i + w; i < end; i++)
            {
                float c = data[i];
                if (c != last)
                {
                    float v = ToE(c);
                    int k = start[Bin(v) + BinsPerSide];
                    while (k + 1 < count && e[k + 1] <= v) k++;
                    lastLower = (byte)k;
                    lastUpper = k + 1 < count && v > e[k] ? (v - e[k]) / (e[k + 1] - e[k]) : 0f;
                    last = c;
                }
                lower[i] = lastLower;
                upper[i] = lastUpper;
            }
        });
        return new LayerPlan(levels.Signed, levels.Center, coc.Width, coc.Height, lower, upper);
    }

    /// <summary>The layers for the distinct |e| values present behind (far) and in front of (near) the focus, each sorted
    /// ascending: e per layer (ascending, back to front), the signed CoC radius per layer, and the in-focus layer's index.</summary>
    public static (float[] E, float[] Signed, int Center) Levels(List<float> far, List<float> near)
    {
        var farLadder = Ladder(far);
        var nearLadder = Ladder(near);
        int count = farLadder.Count + 1 + nearLadder.Count;
        if (count > MaxLayers) throw new DpException(DpStatus.Internal, $"lens blur planned {count} layers (limit {MaxLayers})");
        var e = new float[count];
        for (int i = 0; i < farLadder.Count; i++) e[i] = -farLadder[farLadder.Count - 1 - i];
        int center = farLadder.Count;
        e[center] = 0;
        for (int i = 0; i < nearLadder.Count; i++) e[center + 1 + i] = nearLadder[i];
        var signed = e.Select(v => v == 0 ? 0f : MathF.CopySign(MathF.Abs(v) + 0.5f, v)).ToArray();
        return (e, signed, center);
    }

    /// <summary><see cref="Levels"/> from per-bin minima and maxima of |e| as another backend collects them: index b &lt;
    /// <see cref="BinsPerSide"/> is far bin b, BinsPerSide + b near bin b (bin b holds |e| in [b, b + 1) / 64, the last bin
    /// everything above); a bin is empty where its minimum exceeds its maximum.</summary>
    public static (float[] E, float[] Signed, int Center) LevelsFromBins(ReadOnlySpan<float> min, ReadOnlySpan<float> max)
    {
        if (min.Length != 2 * BinsPerSide || max.Length != 2 * BinsPerSide) throw new DpException(DpStatus.Internal, "lens blur: wrong number of CoC bins");
        var far = new List<float>();
        var near = new List<float>();
        for (int i = 0; i < 2 * BinsPerSide; i++)
        {
            float lo = min[i], hi = max[i];
            if (!(lo <= hi)) continue;
            var list = i < BinsPerSide ? far : near;
            list.Add(lo);
            if (hi > lo) list.Add(hi);
        }
        return Levels(far, near);
    }

    /// <summary>Bins per side of the focus in <see cref="LevelsFromBins"/>.</summary>
    public const int BinsPerSide = (int)(LensBlurOptions.MaxRadius * BinsPerPixel) + 1;

    /// <summary>e = sign · max(0, |coc| − 0.5).</summary>
    public static float ToE(float coc) => MathF.CopySign(MathF.Max(0f, MathF.Abs(coc) - 0.5f), coc);

    /// <summary>Signed bin index of e, clamped to ±BinsPerSide; bins are [b, b + 1) / BinsPerPixel (mirrored for e &lt; 0).</summary>
    static int Bin(float v) => v >= 0 ? Math.Min(BinsPerSide, (int)(v * BinsPerPixel)) : -Math.Min(BinsPerSide, (int)(-v * BinsPerPixel) + 1);

    /// <summary>The distinct |e| values behind (far) and in front of (near) the focus, up to bin resolution: each occupied bin
    /// contributes its exact min and max. One pass over the pixels, split into chunks run in parallel.</summary>
    static (List<float> Far, List<float> Near) CollectValues(float[] coc, Parallelism par)
    {
        int chunks = Math.Max(1, par.Threads);
        var mins = new float[chunks][];
        var maxs = new float[chunks][];
        Parallel.For(0, chunks, par.Options, t =>
        {
            // Index 0..BinsPerSide-1: far side by |e|; BinsPerSide..: near side.
            var lmin = new float[2 * BinsPerSide];
            var lmax = new float[2 * BinsPerSide];
            Array.Fill(lmin, float.PositiveInfinity);
            Array.Fill(lmax, float.NegativeInfinity);
            long n = coc.LongLength, a = n * t / chunks, b = n * (t + 1) / chunks;
            float last = float.NaN;
            for (long i = a; i < b; i++)
            {
                // A run of equal values adds nothing after its first.
                if (coc[i] == last) continue;
                last = coc[i];
                float v = ToE(last);
                if (v == 0f) continue;
                float m = MathF.Abs(v);
                int bin = Math.Min(BinsPerSide - 1, (int)(m * BinsPerPixel)) + (v > 0 ? BinsPerSide : 0);
                if (m < lmin[bin]) lmin[bin] = m;
                if (m > lmax[bin]) lmax[bin] = m;
            }
            mins[t] = lmin;
            maxs[t] = lmax;
        });
        var far = new List<float>();
        var near = new List<float>();
        for (int i = 0; i < 2 * BinsPerSide; i++)
        {
            float lo = float.PositiveInfinity, hi = float.NegativeInfinity;
            for (int t = 0; t < chunks; t++)
            {
                lo = MathF.Min(lo, mins[t][i]);
                hi = MathF.Max(hi, maxs[t][i]);
            }
            if (lo > hi) continue;
            var list = i < BinsPerSide ? far : near;
            list.Add(lo);
            if (hi > lo) list.Add(hi);
        }
        return (far, near);
    }

    /// <summary>Greedy placement of layer e-values over the sorted values present on one side (see the class summary).</summary>
    static List<float> Ladder(List<float> values)
    {
        var layers = new List<float>();
        float cur = 0;
        int i = 0;
        while (i < values.Count)
        {
            float step = (float)Math.Max(MinSpacing, RelativeSpacing * (cur + 0.5));
            float next = values[i];
            float pick;
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

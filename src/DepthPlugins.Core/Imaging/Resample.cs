namespace DepthPlugins.Core.Imaging;

public enum ResampleFilter
{
    Bilinear,
    /// <summary>Keys cubic convolution with a = −0.5 (the kernel PIL and OpenCV call bicubic).</summary>
    Bicubic,
}

/// <summary>
/// Separable resampling with pixel-centre alignment. When shrinking, the kernel is stretched by the scale factor
/// (antialiased, as PIL's resize does); near borders the taps that fall outside are dropped and the rest renormalised.
/// Optionally ignores invalid samples (normalised convolution), so holes never pull values towards zero; where no valid
/// sample reaches, the output is `empty` (0 by default; NaN where 0 could be a valid value).
/// </summary>
public static class Resampler
{
    public static Plane Resize(Plane src, int width, int height, ResampleFilter filter, Func<float, bool>? isValid = null, float empty = 0f)
    {
        if (width == src.Width && height == src.Height && isValid == null) return src.Clone();
        var xs = Weights(src.Width, width, filter);
        var ys = Weights(src.Height, height, filter);
        // Horizontal pass into (width × src.Height), vertical into (width × height); weight sums carried along for masks.
        var tmp = new Plane(width, src.Height);
        Plane? tmpW = isValid != null ? new Plane(width, src.Height) : null;
        Parallel.For(0, src.Height, y =>
        {
            var row = src.Row(y);
            var o = tmp.Row(y);
            for (int x = 0; x < width; x++)
            {
                var (start, w) = xs[x];
                double acc = 0, wsum = 0;
                for (int k = 0; k < w.Length; k++)
                {
                    float v = row[start + k];
                    if (isValid != null && !isValid(v)) continue;
                    acc += w[k] * v;
                    wsum += w[k];
                }
                if (isValid != null)
                {
                    o[x] = (float)acc;
                    tmpW!.Row(y)[x] = (float)wsum;
                }
                else o[x] = (float)acc;
            }
        });
        var dst = new Plane(width, height);
        Parallel.For(0, height, y =>
        {
            var (start, w) = ys[y];
            var o = dst.Row(y);
            for (int x = 0; x < width; x++)
            {
                double acc = 0, wsum = 0;
                for (int k = 0; k < w.Length; k++)
                {
                    acc += w[k] * tmp[x, start + k];
                    if (tmpW != null) wsum += w[k] * tmpW[x, start + k];
                }
                if (tmpW != null) o[x] = wsum > 1e-6 ? (float)(acc / wsum) : empty;
                else o[x] = (float)acc;
            }
        });
        return dst;
    }

    /// <summary>
    /// Box (area) average for shrinking: output pixel i covers source interval [i·in/out, (i+1)·in/out), and each
    /// source pixel contributes by its overlap. Used to give a low-resolution pixel "the guide's colour over its footprint".
    /// </summary>
    public static Plane AreaAverage(Plane src, int width, int height)
    {
        var xs = AreaWeights(src.Width, width);
        var ys = AreaWeights(src.Height, height);
        var tmp = new Plane(width, src.Height);
        Parallel.For(0, src.Height, y =>
        {
            var row = src.Row(y);
            var o = tmp.Row(y);
            for (int x = 0; x < width; x++)
            {
                var (start, w) = xs[x];
                double acc = 0;
                for (int k = 0; k < w.Length; k++) acc += w[k] * row[start + k];
                o[x] = (float)acc;
            }
        });
        var dst = new Plane(width, height);
        Parallel.For(0, height, y =>
        {
            var (start, w) = ys[y];
            var o = dst.Row(y);
            for (int x = 0; x < width; x++)
            {
                double acc = 0;
                for (int k = 0; k < w.Length; k++) acc += w[k] * tmp[x, start + k];
                o[x] = (float)acc;
            }
        });
        return dst;
    }

    /// <summary>For each output index of an area average: the first source index and the normalised overlaps (also uploaded by the GPU backend).</summary>
    public static (int Start, double[] W)[] AreaWeights(int inSize, int outSize)
    {
        double scale = (double)inSize / outSize;
        var result = new (int, double[])[outSize];
        for (int i = 0; i < outSize; i++)
        {
            double lo = i * scale, hi = (i + 1) * scale;
            int first = (int)Math.Floor(lo), last = Math.Min(inSize - 1, (int)Math.Ceiling(hi) - 1);
            var w = new double[last - first + 1];
            double sum = 0;
            for (int j = first; j <= last; j++)
            {
                double overlap = Math.Min(hi, j + 1) - Math.Max(lo, j);
                w[j - first] = Math.Max(0, overlap);
                sum += w[j - first];
            }
            for (int k = 0; k < w.Length; k++) w[k] /= sum;
            result[i] = (first, w);
        }
        return result;
    }

    /// <summary>For each output index: the first source index and the normalised weights of its taps (also uploaded by the GPU backend).</summary>
    public static (int Start, double[] W)[] Weights(int inSize, int outSize, ResampleFilter filter)
    {
        double scale = (double)inSize / outSize;
        double stretch = Math.Max(scale, 1.0);
        double support = (filter == ResampleFilter.Bicubic ? 2.0 : 1.0) * stretch;
        var result = new (int, double[])[outSize];
        for (int i = 0; i < outSize; i++)
        {
            double centre = (i + 0.5) * scale;
            int lo = Math.Max(0, (int)Math.Floor(centre - support));
            int hi = Math.Min(inSize, (int)Math.Ceiling(centre + support));
            var w = new double[Math.Max(1, hi - lo)];
            double sum = 0;
            for (int j = lo; j < hi; j++)
            {
                double t = (j + 0.5 - centre) / stretch;
                double v = filter == ResampleFilter.Bicubic ? Cubic(t) : Math.Max(0, 1 - Math.Abs(t));
                w[j - lo] = v;
                sum += v;
            }
            if (hi <= lo) { lo = Math.Clamp((int)centre, 0, inSize - 1); w[0] = 1; sum = 1; }
            for (int k = 0; k < w.Length; k++) w[k] /= sum;
            result[i] = (lo, w);
        }
        return result;
    }

    /// <summary>Keys (1981) cubic convolution kernel with a = −0.5.</summary>
    public static double Cubic(double t)
    {
        const double a = -0.5;
        t = Math.Abs(t);
        if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
        if (t < 2) return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a;
        return 0;
    }
}

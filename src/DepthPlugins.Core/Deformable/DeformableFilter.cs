using System.Runtime.CompilerServices;
using DepthPlugins.Core.Imaging;
using DepthPlugins.Core.Processing;

namespace DepthPlugins.Core.Deformable;

/// <summary>How the per-pixel weights of a deformable kernel are applied.</summary>
public enum DeformableMode
{
    /// <summary>DKN's residual form: the weights get their mean subtracted, and the weighted sum is added to the target.</summary>
    Residual,
    /// <summary>Weighted average: the weights are divided by their sum (a zero sum gives a non-finite result).</summary>
    Normalized,
}

/// <summary>
/// Geometry of a deformable kernel (Kim, Ponce, Ham: "Deformable kernel networks"): <see cref="KernelSize"/>² taps
/// sampled inside a <see cref="WindowSize"/>² window centred on the pixel. FDKN uses 3 taps per side in a 15 window.
/// </summary>
public sealed record DeformableParams(int KernelSize = 3, int WindowSize = 15, DeformableMode Mode = DeformableMode.Residual)
{
    public int Taps => KernelSize * KernelSize;

    public void Validate()
    {
        if (KernelSize is < 1 or > 15) throw DpException.Invalid($"deformable kernel size {KernelSize} must be 1..15");
        if (WindowSize < 3 || WindowSize % 2 == 0 || WindowSize > 63) throw DpException.Invalid($"deformable window {WindowSize} must be odd, 3..63");
        if (!Enum.IsDefined(Mode)) throw DpException.Invalid($"unknown deformable mode {(int)Mode}");
    }
}

/// <summary>
/// Per-pixel kernels for a band of rows: weights planar by tap (<c>Weights[(t·Rows + y)·Width + x]</c>) and offsets planar
/// by channel (<c>Offsets[(c·Rows + y)·Width + x]</c>, channel 2t horizontal and 2t + 1 vertical, in window pixels before
/// the window scaling). Tap t = k·i + j has its base at (c + i, c + j) in window pixels, c = (window − 1)/2 — DKN's grid
/// puts the tap's first index on the horizontal axis. The layout is what depth-to-space of FDKN's heads produces.
/// </summary>
public sealed class DeformableKernels
{
    public DeformableKernels(int width, int rows, int taps)
    {
        if (width <= 0 || rows <= 0 || taps <= 0) throw DpException.Invalid($"kernel band {width}x{rows} with {taps} taps must be positive");
        long plane = (long)width * rows;
        if (plane * taps * 3 > Array.MaxLength) throw new DpException(DpStatus.OutOfMemory, $"kernel band {width}x{rows} is too large for one buffer");
        Width = width;
        Rows = rows;
        Taps = taps;
        Weights = new float[plane * taps];
        Offsets = new float[plane * taps * 2];
    }

    public int Width { get; }
    public int Rows { get; }
    public int Taps { get; }
    public float[] Weights { get; }
    public float[] Offsets { get; }
    public int PlaneSize => Width * Rows;
}

/// <summary>
/// The deformable weighted average: for every pixel, each tap samples the target bilinearly at its (offset) position
/// inside the pixel's window; samples (and bilinear corners) outside the window or outside the image count as zero.
/// Positions scale by (window − 1)/window, which is how DKN's sampler (PyTorch grid_sample with aligned corners over
/// the unfolded window) maps tap coordinates to window pixels.
/// </summary>
public static class DeformableFilter
{
    /// <summary>Filters the whole image; <paramref name="kernels"/> must cover every row.</summary>
    public static Plane Apply(Plane target, DeformableKernels kernels, DeformableParams p, Progress progress, Parallelism par)
    {
        if (kernels.Rows != target.Height) throw DpException.Invalid($"kernels cover {kernels.Rows} rows, the target has {target.Height}");
        var output = new Plane(target.Width, target.Height);
        Check(target, kernels, 0, p, output, 0, target.Height);
        Bands.Run(target.Height, (y0, y1) => Rows(target, kernels, 0, p, output, y0, y1), progress, par);
        return output;
    }

    /// <summary>
    /// Writes output rows [y0, y1); <paramref name="kernels"/> hold rows starting at image row <paramref name="kernelTop"/>
    /// and must cover [y0, y1). The target is read around those rows (± half the window).
    /// </summary>
    public static void ApplyRows(Plane target, DeformableKernels kernels, int kernelTop, DeformableParams p, Plane output, int y0, int y1)
    {
        Check(target, kernels, kernelTop, p, output, y0, y1);
        Rows(target, kernels, kernelTop, p, output, y0, y1);
    }

    static void Check(Plane target, DeformableKernels kernels, int kernelTop, DeformableParams p, Plane output, int y0, int y1)
    {
        p.Validate();
        if (kernels.Width != target.Width || output.Width != target.Width || output.Height != target.Height)
            throw DpException.Invalid("deformable kernels, target and output differ in width");
        if (kernels.Taps != p.Taps) throw DpException.Invalid($"kernels have {kernels.Taps} taps, the parameters {p.Taps}");
        if (y0 < kernelTop || y1 > kernelTop + kernels.Rows || y0 < 0 || y1 > target.Height)
            throw DpException.Invalid($"rows {y0}..{y1} are not covered by the kernels ({kernelTop}..{kernelTop + kernels.Rows})");
    }

    static void Rows(Plane target, DeformableKernels kernels, int kernelTop, DeformableParams p, Plane output, int y0, int y1)
    {
        int w = target.Width, h = target.Height, k = p.KernelSize, taps = p.Taps, d = p.WindowSize, c = (d - 1) / 2;
        float scale = (d - 1) / (float)d;
        float[] src = target.Data, wts = kernels.Weights, offs = kernels.Offsets, dst = output.Data;
        int plane = kernels.PlaneSize;
        Span<float> tw = stackalloc float[taps];
        for (int y = y0; y < y1; y++)
        {
            int krow = (y - kernelTop) * w;
            for (int x = 0; x < w; x++)
            {
                int ki = krow + x;
                float sum = 0f;
                for (int t = 0; t < taps; t++) { tw[t] = wts[t * plane + ki]; sum += tw[t]; }
                // Residual: weights made zero-mean, so a flat target stays unchanged; normalized: weights sum to one.
                float shift = p.Mode == DeformableMode.Residual ? sum / taps : 0f;
                float acc = 0f;
                for (int t = 0; t < taps; t++)
                {
                    int i = t / k, j = t - i * k;
                    // Window coordinates of the sample; window pixel u lies at image column x − c + u.
                    float sx = (c + i + offs[2 * t * plane + ki]) * scale;
                    float sy = (c + j + offs[(2 * t + 1) * plane + ki]) * scale;
                    acc += (tw[t] - shift) * Sample(src, w, h, x - c, y - c, d, sx, sy);
                }
                dst[(long)y * w + x] = p.Mode == DeformableMode.Residual ? src[(long)y * w + x] + acc : acc / sum;
            }
        }
    }

    /// <summary>Bilinear sample at window position (sx, sy); corners outside the d×d window or the image are zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static float Sample(float[] src, int w, int h, int wx0, int wy0, int d, float sx, float sy)
    {
        // Also rejects NaN: any position at or beyond one pixel outside the window has no corner inside it.
        if (!(sx > -1f && sx < d && sy > -1f && sy < d)) return 0f;
        int u = (int)MathF.Floor(sx), v = (int)MathF.Floor(sy);
        float fx = sx - u, fy = sy - v;
        int x = wx0 + u, y = wy0 + v;
        // Usual case: all four corners inside the window and the image.
        if ((uint)u < (uint)(d - 1) && (uint)v < (uint)(d - 1) && (uint)x < (uint)(w - 1) && (uint)y < (uint)(h - 1))
        {
            long i = (long)y * w + x;
            return (src[i] * (1 - fx) + src[i + 1] * fx) * (1 - fy) + (src[i + w] * (1 - fx) + src[i + w + 1] * fx) * fy;
        }
        float a = Corner(src, w, h, wx0, wy0, d, u, v), b = Corner(src, w, h, wx0, wy0, d, u + 1, v);
        float e = Corner(src, w, h, wx0, wy0, d, u, v + 1), f = Corner(src, w, h, wx0, wy0, d, u + 1, v + 1);
        return (a * (1 - fx) + b * fx) * (1 - fy) + (e * (1 - fx) + f * fx) * fy;
    }

    static float Corner(float[] src, int w, int h, int wx0, int wy0, int d, int u, int v)
    {
        if ((uint)u >= (uint)d || (uint)v >= (uint)d) return 0f;
        int x = wx0 + u, y = wy0 + v;
        if ((uint)x >= (uint)w || (uint)y >= (uint)h) return 0f;
        return src[(long)y * w + x];
    }
}

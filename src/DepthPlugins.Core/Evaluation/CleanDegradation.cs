using DepthPlugins.Core.Imaging;
using DepthPlugins.Core.Refinement;

namespace DepthPlugins.Core.Evaluation;

/// <summary>
/// The clean protocol's low-resolution input (seed 004, DKN): the ground truth shrunk by an integer factor s with
/// PIL's antialiased bicubic (<c>Image.resize((w/s, h/s), BICUBIC)</c> on a float image, which
/// <see cref="Resampler.Resize"/> reproduces). Sizes must be multiples of s; callers crop first (<see cref="ModCrop"/>).
/// Unknown truth (0 / non-finite) must not leak into its neighbours, so the shrink is a normalised convolution over
/// known pixels: identical to PIL where the whole footprint is known. A low-resolution pixel whose known pixels carry
/// less than half of the kernel's weight is itself unknown (0).
/// </summary>
public static class CleanDegradation
{
    /// <summary>Minimum share of the kernel's weight on known pixels for a low-resolution pixel to be known.</summary>
    public const double MinKnownWeight = 0.5;

    public static Plane Downsample(Plane truth, int scale, DepthValidity validity)
    {
        if (scale < 1) throw DpException.Invalid($"scale {scale} must be ≥ 1");
        if (truth.Width % scale != 0 || truth.Height % scale != 0)
            throw DpException.Invalid($"{truth.Width}x{truth.Height} is not a multiple of the scale {scale}");
        int w = truth.Width / scale, h = truth.Height / scale;
        var (d, m) = validity.Split(truth);
        bool complete = Array.TrueForAll(m, v => v == 1f);
        var num = Resampler.Resize(new Plane(truth.Width, truth.Height, d), w, h, ResampleFilter.Bicubic);
        if (complete) return num;
        var den = Resampler.Resize(new Plane(truth.Width, truth.Height, m), w, h, ResampleFilter.Bicubic);
        var o = new Plane(w, h);
        for (long i = 0; i < o.Data.LongLength; i++)
        {
            double wk = den.Data[i];
            // A known result is never exactly 0 (which would read as unknown): bicubic overshoot below 0 is clamped up.
            o.Data[i] = wk >= MinKnownWeight ? (float)Math.Max(num.Data[i] / wk, 1e-6) : 0f;
        }
        return o;
    }

    /// <summary>The top-left part of <paramref name="p"/> whose sides are multiples of <paramref name="scale"/>.</summary>
    public static Plane ModCrop(Plane p, int scale)
    {
        int w = p.Width - p.Width % scale, h = p.Height - p.Height % scale;
        if (w == 0 || h == 0) throw DpException.Invalid($"{p.Width}x{p.Height} is smaller than the scale {scale}");
        if (w == p.Width && h == p.Height) return p;
        var o = new Plane(w, h);
        for (int y = 0; y < h; y++) p.Row(y)[..w].CopyTo(o.Row(y));
        return o;
    }

    public static Image ModCrop(Image img, int scale) =>
        new(img.Channels.Select(c => ModCrop(c, scale)).ToArray(), img.Alpha == null ? null : ModCrop(img.Alpha, scale), img.Transfer);
}

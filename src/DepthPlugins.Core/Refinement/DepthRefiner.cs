using DepthPlugins.Core.Deformable;
using DepthPlugins.Core.Imaging;
using DepthPlugins.Core.Processing;

namespace DepthPlugins.Core.Refinement;

/// <summary>The kernels a compute backend provides for refinement; the CPU versions are the reference.</summary>
public interface IRefineKernels
{
    string Name { get; }
    Plane JointBilateral(Image guide, Plane depth, JointBilateralParams p, DepthValidity validity, Progress progress);
    Plane Guided(Image guide, Plane depth, GuidedParams p, DepthValidity validity, Progress progress);
    Plane JointBilateralUpsample(Image guide, Plane depth, JbuParams p, DepthValidity validity, Progress progress);
    /// <summary>FDKN on a full-size, finite target and the guide's luminance (see <see cref="FdknCpu.Refine"/>).</summary>
    Plane Fdkn(FdknModel model, Plane guideLuma, Plane target, Progress progress);
    /// <summary>Backends without their own cascade run the CPU one (a default, so adding it broke no backend).</summary>
    Plane Cascade(Image guide, Plane depth, CascadeParams p, DepthValidity validity, Progress progress)
        => CascadeUpsampling.Apply(guide, depth, p, validity, progress, Parallelism.Default);
}

/// <summary>The CPU implementation of the refinement kernels.</summary>
public sealed class CpuRefineKernels(Parallelism par) : IRefineKernels
{
    public string Name => "cpu";
    public Plane JointBilateral(Image guide, Plane depth, JointBilateralParams p, DepthValidity validity, Progress progress)
        => JointBilateralFilter.Apply(guide, depth, p, validity, progress, par);
    public Plane Guided(Image guide, Plane depth, GuidedParams p, DepthValidity validity, Progress progress)
        => GuidedFilter.Apply(guide, depth, p, validity, progress, par);
    public Plane JointBilateralUpsample(Image guide, Plane depth, JbuParams p, DepthValidity validity, Progress progress)
        => JointBilateralUpsampling.Apply(guide, depth, p, validity, progress, par);
    public Plane Fdkn(FdknModel model, Plane guideLuma, Plane target, Progress progress)
        => FdknCpu.Refine(model, guideLuma, target, progress, par);
    public Plane Cascade(Image guide, Plane depth, CascadeParams p, DepthValidity validity, Progress progress)
        => CascadeUpsampling.Apply(guide, depth, p, validity, progress, par);
}

/// <summary>
/// Refines (and, when the depth is smaller than the guide, upsamples) a depth map with a colour guide.
/// The result always has the guide's size. Unknown output pixels (no known depth near them) are 0 when zero
/// means unknown, NaN otherwise.
/// </summary>
public static class DepthRefiner
{
    public static Plane Refine(IRefineKernels kernels, Image guide, Plane depth, RefineOptions options, Progress progress)
    {
        var o = options.Resolve();
        if (depth.Width > guide.Width || depth.Height > guide.Height)
            throw DpException.Invalid($"depth {depth.Width}x{depth.Height} is larger than the guide {guide.Width}x{guide.Height}");
        var g = PrepareGuide(guide, o.GreyGuide || o.Method == RefineMethod.Fdkn); // FDKN was trained on luminance
        var validity = new DepthValidity(o.ZeroIsInvalid);
        bool smaller = depth.Width != guide.Width || depth.Height != guide.Height;
        Plane result;
        switch (o.Method)
        {
            case RefineMethod.JointBilateral:
                var full = smaller ? Resampler.Resize(depth, guide.Width, guide.Height, ResampleFilter.Bicubic, validity.IsValid) : depth;
                progress.Report(smaller ? 0.1f : 0f);
                result = kernels.JointBilateral(g, full, new(o.Radius, o.SigmaSpatial, o.SigmaRange), validity, progress.Stage(smaller ? 0.1f : 0f, 1f));
                break;
            case RefineMethod.Guided:
                result = kernels.Guided(g, depth, new(o.Radius, o.Eps), validity, progress);
                break;
            case RefineMethod.Fdkn:
                result = RefineFdkn(kernels, g.Channels[0], depth, o.WeightsPath!, validity, progress);
                break;
            case RefineMethod.Cascade:
                result = kernels.Cascade(g, depth, new(o.Radius, o.SigmaRange), validity, progress);
                break;
            default:
                result = kernels.JointBilateralUpsample(g, depth, new(o.Radius, o.SigmaSpatial, o.SigmaRange), validity, progress);
                break;
        }
        float unknown = o.ZeroIsInvalid ? 0f : float.NaN;
        var data = result.Data;
        for (long i = 0; i < data.LongLength; i++)
            if (!float.IsFinite(data[i])) data[i] = unknown;
        progress.Report(1f);
        return result;
    }

    /// <summary>
    /// FDKN refines a full-size target: a smaller depth is bicubic-upsampled first (the degradation FDKN was trained on;
    /// unknown pixels are left out of the interpolation). Its network sees every pixel and has no notion of unknown depth,
    /// so pixels still unknown are filled by push-pull from the known ones first: fed as zeros, they would be sampled
    /// into their neighbours as false far (or near) depth. With no known pixel at all the result is unknown.
    /// </summary>
    static Plane RefineFdkn(IRefineKernels kernels, Plane luma, Plane depth, string weightsPath, DepthValidity validity, Progress progress)
    {
        var model = FdknModel.LoadCached(weightsPath);
        bool smaller = depth.Width != luma.Width || depth.Height != luma.Height;
        var target = smaller ? Resampler.Resize(depth, luma.Width, luma.Height, ResampleFilter.Bicubic, validity.IsValid) : depth;
        if (smaller) ClampToKnownRange(target, depth, validity);
        var (filled, wasUnknown) = HoleFill.PushPull(target, validity);
        bool none = Array.TrueForAll(wasUnknown, u => u);
        if (none) Array.Clear(filled.Data);
        progress.Report(0.05f);
        var result = kernels.Fdkn(model, luma, filled, progress.Stage(0.05f, 1f));
        if (none) Array.Fill(result.Data, float.NaN);
        return result;
    }

    /// <summary>
    /// Keeps an interpolated depth within the range of the known input. Bicubic overshoots at steps, and beside holes its
    /// normalised weights can sum to almost nothing, which magnifies values far beyond any input; a network fed such
    /// outliers (trained on clean bicubic upsamples) answers with wild kernels.
    /// </summary>
    static void ClampToKnownRange(Plane upsampled, Plane input, DepthValidity validity)
    {
        float lo = float.PositiveInfinity, hi = float.NegativeInfinity;
        foreach (float v in input.Data)
            if (validity.IsValid(v)) { lo = Math.Min(lo, v); hi = Math.Max(hi, v); }
        if (lo > hi) return;
        var d = upsampled.Data;
        for (long i = 0; i < d.LongLength; i++)
            if (validity.IsValid(d[i])) d[i] = Math.Clamp(d[i], lo, hi);
    }

    /// <summary>sRGB-encoded colour (or its luminance) with non-finite values replaced by 0: range weights are perceptual and must never be NaN.</summary>
    public static Image PrepareGuide(Image guide, bool grey)
    {
        var g = guide.AsSrgb();
        var planes = grey ? [g.Luma()] : g.Channels;
        var clean = planes.Select(p =>
        {
            if (AllFinite(p.Data)) return p;
            var c = p.Clone();
            for (long i = 0; i < c.Data.LongLength; i++) if (!float.IsFinite(c.Data[i])) c.Data[i] = 0f;
            return c;
        }).ToArray();
        return new Image(clean);
    }

    static bool AllFinite(float[] data)
    {
        foreach (float v in data)
            if (!float.IsFinite(v)) return false;
        return true;
    }
}

using DepthPlugins.Core;
using DepthPlugins.Core.Imaging;
using DepthPlugins.Core.Processing;
using DepthPlugins.Core.Refinement;
using Microsoft.ML.OnnxRuntime;

namespace DepthPlugins.Inference;

/// <summary>
/// Photo in, depth map out: fit the photo to the network (<see cref="ModelSpec.Layout"/>), normalise, run, crop the
/// letterbox padding, convert to "nearness" (inverse depth), normalise robustly to 0..1, then bring it to the photo's
/// resolution, optionally refined with the photo as edge guide.
/// </summary>
public static class DepthEstimator
{
    /// <summary>Smallest photo side accepted: below it a monocular network has nothing to work with.</summary>
    public const int MinSide = 16;

    public static void CheckPhoto(Image photo)
    {
        if (photo.Width < MinSide || photo.Height < MinSide)
            throw DpException.Invalid($"image {photo.Width}x{photo.Height} is too small for depth estimation (at least {MinSide}x{MinSide})");
    }

    public static Plane Estimate(DepthModel model, Image photo, DepthOptions options, IRefineKernels kernels, Progress progress)
    {
        options.Validate();
        CheckPhoto(photo);
        var spec = model.Spec;
        var layout = spec.Layout(photo.Width, photo.Height, options.InputSize);

        progress.Report(0f);
        var input = Preprocess(photo, spec, layout);
        progress.Report(0.1f);
        var (raw, ow, oh) = RunCancellable(model, input, layout, progress.Stage(0.1f, 0.6f));
        progress.Report(0.6f);

        var net = CropContent(raw, ow, oh, layout);
        foreach (var v in net.Data)
            if (!float.IsFinite(v))
                throw new DpException(DpStatus.Numeric, $"{Path.GetFileName(model.Path)} produced NaN or infinite depth values");
        var near = spec.Output == OutputKind.MetricDepth ? InverseDepth(net, model.Path) : net;
        Normalise(near, options.ClipLow, options.ClipHigh, options.NearIsWhite);
        progress.Report(0.65f);

        var result = ToPhotoResolution(near, photo, options, kernels, progress.Stage(0.65f, 1f));
        var d = result.Data;
        for (long i = 0; i < d.LongLength; i++) d[i] = Math.Clamp(d[i], 0f, 1f); // bicubic and filters may overshoot a little
        progress.Report(1f);
        return result;
    }

    /// <summary>
    /// The 1×3×H×W tensor: the photo's sRGB-encoded values (what the networks were trained on: 8-bit images / 255),
    /// resized with the antialiased bicubic filter into the content rectangle, then (v − mean) / std. Letterbox padding
    /// is 0, i.e. the mean colour. A grey photo feeds its one plane to all three channels.
    /// </summary>
    internal static float[] Preprocess(Image photo, ModelSpec spec, InputLayout l)
    {
        var srgb = photo.AsSrgb();
        var input = new float[3L * l.Width * l.Height];
        for (int c = 0; c < 3; c++)
        {
            var src = srgb.Channels[srgb.IsGrey ? 0 : c];
            var fitted = src.Width == l.ContentWidth && src.Height == l.ContentHeight
                ? src
                : Resampler.Resize(src, l.ContentWidth, l.ContentHeight, ResampleFilter.Bicubic);
            float mean = spec.Mean[c], invStd = 1f / spec.Std[c];
            long plane = (long)c * l.Width * l.Height;
            for (int y = 0; y < l.ContentHeight; y++)
            {
                var row = fitted.Row(y);
                long o = plane + (long)(y + l.ContentY) * l.Width + l.ContentX;
                for (int x = 0; x < row.Length; x++)
                {
                    float v = float.IsFinite(row[x]) ? row[x] : 0f;
                    input[o + x] = (v - mean) * invStd;
                }
            }
        }
        return input;
    }

    /// <summary>
    /// Runs the network on a worker thread while the calling thread keeps reporting progress, so a host's cancel
    /// (seen only on its own thread) stops the run through ORT's terminate flag instead of waiting for it to finish.
    /// </summary>
    static (float[] Data, int Width, int Height) RunCancellable(DepthModel model, float[] input, InputLayout l, Progress progress)
    {
        using var runOptions = new RunOptions();
        var task = Task.Run(() => model.Run(input, l.Width, l.Height, runOptions));
        var wait = ((IAsyncResult)task).AsyncWaitHandle;
        try
        {
            while (!wait.WaitOne(50)) progress.Report(0f);
        }
        catch (DpException e) when (e.Status == DpStatus.Cancelled)
        {
            runOptions.Terminate = true;
            try { task.Wait(); } catch (AggregateException) { } // its failure is the cancellation we asked for
            throw;
        }
        return task.GetAwaiter().GetResult();
    }

    /// <summary>The output region that corresponds to the photo (letterbox padding dropped); outputs at another
    /// resolution than the input map proportionally.</summary>
    internal static Plane CropContent(float[] raw, int ow, int oh, InputLayout l)
    {
        double sx = (double)ow / l.Width, sy = (double)oh / l.Height;
        int x0 = (int)Math.Round(l.ContentX * sx), y0 = (int)Math.Round(l.ContentY * sy);
        int cw = Math.Clamp((int)Math.Round(l.ContentWidth * sx), 1, ow - x0);
        int ch = Math.Clamp((int)Math.Round(l.ContentHeight * sy), 1, oh - y0);
        var p = new Plane(cw, ch);
        for (int y = 0; y < ch; y++)
            raw.AsSpan((y + y0) * ow + x0, cw).CopyTo(p.Row(y));
        return p;
    }

    /// <summary>Metric depth → inverse depth (1/d), so far things are small as with relative-inverse-depth models and the
    /// map's steps match a lens's defocus (which is linear in 1/d). Non-positive depths are treated as the nearest.</summary>
    static Plane InverseDepth(Plane depth, string path)
    {
        float max = depth.Data.Max();
        if (!(max > 0f))
            throw new DpException(DpStatus.Numeric, $"{Path.GetFileName(path)} is declared metric but produced no positive depth");
        float floor = max * 1e-6f;
        var o = new Plane(depth.Width, depth.Height);
        for (long i = 0; i < o.Data.LongLength; i++) o.Data[i] = 1f / Math.Max(depth.Data[i], floor);
        return o;
    }

    /// <summary>
    /// Maps the <paramref name="low"/> and <paramref name="high"/> quantiles (linear interpolation between order
    /// statistics, numpy's default) to 0 and 1, clipping beyond: a few extreme pixels (sky, specular glints) must not
    /// squash the rest of the range. A constant map becomes 0.5. Near = 1 unless <paramref name="nearIsWhite"/> is false.
    /// </summary>
    internal static void Normalise(Plane p, float low, float high, bool nearIsWhite)
    {
        var sorted = (float[])p.Data.Clone();
        Array.Sort(sorted);
        double lo = Quantile(sorted, low), hi = Quantile(sorted, high);
        var d = p.Data;
        for (long i = 0; i < d.LongLength; i++)
        {
            double t = hi > lo ? Math.Clamp((d[i] - lo) / (hi - lo), 0.0, 1.0) : 0.5;
            d[i] = (float)(nearIsWhite ? t : 1.0 - t);
        }
    }

    internal static double Quantile(float[] sorted, double q)
    {
        double pos = q * (sorted.Length - 1);
        int i = (int)Math.Floor(pos);
        if (i >= sorted.Length - 1) return sorted[^1];
        return sorted[i] + (pos - i) * ((double)sorted[i + 1] - sorted[i]);
    }

    /// <summary>
    /// Brings the normalised network map to the photo's size: bicubic alone, or through the engine's refinement
    /// kernels with the photo as guide (guided upsampling, or joint bilateral upsampling, straight from the
    /// low-resolution map; the plain filters when the map already has the photo's size). Every depth value is valid
    /// here (0 is "far", not "unknown").
    /// </summary>
    static Plane ToPhotoResolution(Plane net, Image photo, DepthOptions o, IRefineKernels kernels, Progress progress)
    {
        // A network map larger than the photo (tiny photos, large --size) is first brought down to it.
        if (net.Width > photo.Width || net.Height > photo.Height)
            net = Resampler.Resize(net, Math.Min(net.Width, photo.Width), Math.Min(net.Height, photo.Height), ResampleFilter.Bicubic);
        if (o.Refine == DepthRefine.None)
            return net.Width == photo.Width && net.Height == photo.Height
                ? net
                : Resampler.Resize(net, photo.Width, photo.Height, ResampleFilter.Bicubic);
        // The joint bilateral option upsamples with JBU (Kopf et al. 2007: the joint bilateral filter evaluated on the
        // low-resolution grid). A JBF after bicubic upsampling cannot fix an edge that bicubic smeared wider than its
        // window: it only averages the smeared values on each side (measured in Refinement_FollowsThePhotosEdge).
        bool smaller = net.Width < photo.Width || net.Height < photo.Height;
        var ro = new RefineOptions
        {
            Method = o.Refine == DepthRefine.Guided ? RefineMethod.Guided
                : smaller ? RefineMethod.JointBilateralUpsampling : RefineMethod.JointBilateral,
            Radius = o.RefineRadius,
            ZeroIsInvalid = false,
        };
        return DepthRefiner.Refine(kernels, photo, net, ro, progress);
    }
}

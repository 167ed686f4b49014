using System.Runtime.InteropServices;
using DepthPlugins.Core;
using DepthPlugins.Core.Imaging;
using DepthPlugins.Core.LensBlur;

namespace DepthPlugins.Native;

static unsafe partial class Exports
{
    const uint LensBlurOptionsV1 = 52;

    static DpLensBlurOptions LensBlurDefaults()
    {
        var d = new LensBlurOptions();
        return new DpLensBlurOptions
        {
            StructSize = (uint)sizeof(DpLensBlurOptions),
            Focus = d.Focus,
            FocusFromPoint = 0,
            FocusX = 0,
            FocusY = 0,
            Aperture = d.Aperture,
            Blades = d.Blades,
            Rotation = d.Rotation,
            HighlightThreshold = d.HighlightThreshold,
            HighlightGain = d.HighlightGain,
            MaxNearRadius = d.MaxNearRadius,
            MaxFarRadius = d.MaxFarRadius,
            DepthNear = (int)d.DepthNear,
            FullResolution = d.FullResolution ? 1 : 0,
        };
    }

    [UnmanagedCallersOnly(EntryPoint = "dp_lens_blur_options_default")]
    public static int LensBlurOptionsDefault(DpLensBlurOptions* options)
    {
        try
        {
            Interop.WriteVersioned(options, LensBlurOptionsV1, "options", LensBlurDefaults());
            return 0;
        }
        catch (Exception e) { return LastError.Fail(e, "dp_lens_blur_options_default"); }
    }

    [UnmanagedCallersOnly(EntryPoint = "dp_lens_blur")]
    public static int LensBlur(nint context, DpImage* image, DpImage* depth, DpImage* output, DpLensBlurOptions* options,
        delegate* unmanaged<nint, float, int> progress, nint user)
    {
        try
        {
            var engine = Handles.Get(context);
            var img = Interop.ToPixelBuffer(image, "image");
            var dep = Interop.ToPixelBuffer(depth, "depth");
            var dst = Interop.ToPixelBuffer(output, "out");
            var o = LensBlurDefaults();
            if (options != null) Interop.ReadVersioned(options, LensBlurOptionsV1, "options", ref o);
            if (dep.Width > img.Width || dep.Height > img.Height)
                throw DpException.Invalid($"depth {dep.Width}x{dep.Height} is larger than the image {img.Width}x{img.Height}");
            if (dst.Width != img.Width || dst.Height != img.Height)
                throw DpException.Invalid($"out is {dst.Width}x{dst.Height}; it must have the image's size {img.Width}x{img.Height}");
            if (o.DepthNear is not ((int)DepthNear.White or (int)DepthNear.Black))
                throw DpException.Invalid($"options.depth_near {o.DepthNear} is not a dp_depth_near");
            if (o.FullResolution is not (0 or 1))
                throw DpException.Invalid($"options.full_resolution {o.FullResolution} must be 0 or 1");
            var lo = new LensBlurOptions
            {
                Focus = o.Focus,
                FocusFromPoint = o.FocusFromPoint != 0,
                FocusX = o.FocusX,
                FocusY = o.FocusY,
                Aperture = o.Aperture,
                Blades = o.Blades,
                Rotation = o.Rotation,
                HighlightThreshold = o.HighlightThreshold,
                HighlightGain = o.HighlightGain,
                MaxNearRadius = o.MaxNearRadius,
                MaxFarRadius = o.MaxFarRadius,
                DepthNear = (DepthNear)o.DepthNear,
                FullResolution = o.FullResolution != 0,
            };
            lo.Validate(img.Width, img.Height); // reject bad parameters before reading any pixels
            // Inputs are read (to planes, or to the device) before out is written, so out may alias image (in-place blur).
            engine.LensBlurRaw(img, dep, dst, lo, MakeProgress(progress, user));
            return 0;
        }
        catch (Exception e) { return LastError.Fail(e, "dp_lens_blur"); }
    }
}

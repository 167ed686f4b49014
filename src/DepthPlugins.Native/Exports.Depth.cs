using System.Runtime.InteropServices;
using DepthPlugins.Core;
using DepthPlugins.Core.Imaging;
using DepthPlugins.Inference;

namespace DepthPlugins.Native;

static unsafe partial class Exports
{
    const uint DepthOptionsV1 = 36;

    static DpDepthOptions DepthDefaults() => new()
    {
        StructSize = (uint)sizeof(DpDepthOptions),
        Refine = (int)DepthRefine.Guided,
        RefineRadius = 0,
        InputSize = 0,
        NearIsWhite = 1,
        ClipLow = 0.01f,
        ClipHigh = 0.99f,
        Provider = (int)ExecutionProvider.Cpu,
        DeviceId = 0,
    };

    [UnmanagedCallersOnly(EntryPoint = "dp_depth_options_default")]
    public static int DepthOptionsDefault(DpDepthOptions* options)
    {
        try
        {
            Interop.WriteVersioned(options, DepthOptionsV1, "options", DepthDefaults());
            return 0;
        }
        catch (Exception e) { return LastError.Fail(e, "dp_depth_options_default"); }
    }

    [UnmanagedCallersOnly(EntryPoint = "dp_estimate_depth")]
    public static int EstimateDepth(nint context, byte* modelPath, DpImage* image, DpImage* depthOut, DpDepthOptions* options,
        delegate* unmanaged<nint, float, int> progress, nint user)
    {
        try
        {
            var engine = Handles.Get(context);
            if (modelPath == null) throw DpException.Invalid("model_path is NULL");
            string model = Marshal.PtrToStringUTF8((nint)modelPath) ?? "";
            var img = Interop.ToPixelBuffer(image, "image");
            var dout = Interop.ToPixelBuffer(depthOut, "depth_out");
            if (dout.Width != img.Width || dout.Height != img.Height)
                throw DpException.Invalid($"depth_out is {dout.Width}x{dout.Height}; it must have the image's size {img.Width}x{img.Height}");
            var o = DepthDefaults();
            if (options != null) Interop.ReadVersioned(options, DepthOptionsV1, "options", ref o);
            var managed = new DepthOptions
            {
                Refine = (DepthRefine)o.Refine,
                RefineRadius = o.RefineRadius,
                InputSize = o.InputSize,
                NearIsWhite = o.NearIsWhite != 0,
                ClipLow = o.ClipLow,
                ClipHigh = o.ClipHigh,
                Provider = (ExecutionProvider)o.Provider,
                DeviceId = o.DeviceId,
            };
            managed.Validate(); // reject bad options before reading pixels or loading a model
            // The photo is copied into planes first, so depth_out may alias image.
            var photo = PixelCodec.ReadImage(img);
            var depth = engine.EstimateDepth(model, photo, managed, MakeProgress(progress, user));
            PixelCodec.WriteDepth(depth, dout);
            return 0;
        }
        catch (Exception e) { return LastError.Fail(e, "dp_estimate_depth"); }
    }
}

using System.Runtime.InteropServices;
using DepthPlugins.Core;
using DepthPlugins.Core.Imaging;
using DepthPlugins.Core.Refinement;

namespace DepthPlugins.Native;

static unsafe partial class Exports
{
    /// <summary>Size of the first published dp_refine_options (before weights_path was appended).</summary>
    const uint RefineOptionsV1 = 32;

    static DpRefineOptions RefineDefaults() => new()
    {
        StructSize = (uint)sizeof(DpRefineOptions),
        Method = (int)RefineMethod.JointBilateral,
        Radius = 0,
        SigmaSpatial = 0,
        SigmaRange = 0,
        Eps = 0,
        ZeroIsInvalid = 1,
        GreyGuide = 0,
        WeightsPath = 0,
    };

    [UnmanagedCallersOnly(EntryPoint = "dp_refine_options_default")]
    public static int RefineOptionsDefault(DpRefineOptions* options)
    {
        try
        {
            Interop.WriteVersioned(options, RefineOptionsV1, "options", RefineDefaults());
            return 0;
        }
        catch (Exception e) { return LastError.Fail(e, "dp_refine_options_default"); }
    }

    [UnmanagedCallersOnly(EntryPoint = "dp_refine_depth")]
    public static int RefineDepth(nint context, DpImage* guide, DpImage* depthIn, DpImage* depthOut, DpRefineOptions* options,
        delegate* unmanaged<nint, float, int> progress, nint user)
    {
        try
        {
            var engine = Handles.Get(context);
            var g = Interop.ToPixelBuffer(guide, "guide");
            var din = Interop.ToPixelBuffer(depthIn, "depth_in");
            var dout = Interop.ToPixelBuffer(depthOut, "depth_out");
            var o = RefineDefaults();
            if (options != null) Interop.ReadVersioned(options, RefineOptionsV1, "options", ref o);
            if (!Enum.IsDefined((RefineMethod)o.Method))
                throw DpException.Invalid($"options.method {o.Method} is not a dp_refine_method");
            if (din.Width > g.Width || din.Height > g.Height)
                throw DpException.Invalid($"depth_in {din.Width}x{din.Height} is larger than the guide {g.Width}x{g.Height}");
            if (dout.Width != g.Width || dout.Height != g.Height)
                throw DpException.Invalid($"depth_out is {dout.Width}x{dout.Height}; it must have the guide's size {g.Width}x{g.Height}");
            var ro = new RefineOptions
            {
                Method = (RefineMethod)o.Method,
                Radius = o.Radius,
                SigmaSpatial = o.SigmaSpatial,
                SigmaRange = o.SigmaRange,
                Eps = o.Eps,
                ZeroIsInvalid = o.ZeroIsInvalid != 0,
                GreyGuide = o.GreyGuide != 0,
                WeightsPath = o.WeightsPath == 0 ? null : Marshal.PtrToStringUTF8(o.WeightsPath),
            };
            ro.Resolve(); // reject bad parameters before reading any pixels
            // The engine reads every input before it writes depth_out, which may therefore alias depth_in.
            engine.RefineRaw(g, din, dout, ro, MakeProgress(progress, user));
            return 0;
        }
        catch (Exception e) { return LastError.Fail(e, "dp_refine_depth"); }
    }
}

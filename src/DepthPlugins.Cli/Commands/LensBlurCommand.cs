using System.Globalization;
using DepthPlugins.Core.LensBlur;
using DepthPlugins.Core.Processing;
using DepthPlugins.ImageIO;

namespace DepthPlugins.Cli.Commands;

/// <summary><c>depthplugins lens-blur</c>: the photo a wide-aperture lens would have taken, focused where the user says.</summary>
sealed class LensBlurCommand : ICommand
{
    static readonly LensBlurOptions Defaults = new();

    static string Num(float v) => v.ToString(CultureInfo.InvariantCulture);

    public CommandSpec Spec { get; } = new(
        "lens-blur",
        "depth of field from a photo and its depth map: bokeh, focus, aperture, occlusion-aware",
        [new("image", "the photo (PNG 8/16-bit, JPEG, TIFF, PFM); alpha is kept")],
        [
            new("depth", "FILE", "its depth map, near = white unless --depth-near black; may be smaller than the photo (required)"),
            new("output", "FILE", "output file (-o); .png keeps the photo's 8/16 bits unless --bit-depth, .pfm/.tif float"),
            new("focus", "F", "depth value in focus, in the depth map's units", null, Num(Defaults.Focus)),
            new("focus-at", "X,Y", "focus on the depth around this pixel instead of --focus (median of a small window)"),
            new("aperture", "R", "blur radius in pixels where |depth - focus| = 1", null, Num(Defaults.Aperture)),
            new("blades", "N", "aperture shape: 0 = circle, 3..12 = polygon", null, "0"),
            new("rotation", "DEG", "polygon rotation, counter-clockwise; at 0 a vertex points up", null, "0"),
            new("highlight-threshold", "T", "linear luminance above which highlights are boosted", null, Num(Defaults.HighlightThreshold)),
            new("highlight-gain", "G", "light above the threshold is multiplied by 1 + G (0 = off)", null, "0"),
            new("max-near", "R", "limit on the blur radius in front of the focus, pixels", null, Num(LensBlurOptions.MaxRadius)),
            new("max-far", "R", "limit on the blur radius behind the focus, pixels", null, Num(LensBlurOptions.MaxRadius)),
            new("depth-near", "N", "which end of the depth map is near", ["white", "black"], "white"),
            new("exact", null, "blur every layer at full resolution (exact bokeh rims for blur radii of 16 px and more; slower)"),
            new("bit-depth", "B", "output bit depth", ["8", "16", "32"]),
            .. CommandSpec.Compute,
        ],
        Details: "Blur radius in pixels = aperture x |depth - focus| (the depth map is treated as disparity-like). Colours mix in\n" +
                 "linear light; the blur preserves energy; in-focus pixels are left exactly as they were (docs/lens-blur.md).");

    public int Run(ParsedArgs args)
    {
        string imagePath = args.Positionals[0];
        string depthPath = args.Require("depth");
        string output = args.Require("output");
        Rasters.CheckOutputPath(output);
        var focusAt = args.Pair("focus-at");
        var options = new LensBlurOptions
        {
            Focus = args.Float("focus", Defaults.Focus),
            FocusFromPoint = focusAt != null,
            FocusX = focusAt?.Item1 ?? 0,
            FocusY = focusAt?.Item2 ?? 0,
            Aperture = args.Float("aperture", Defaults.Aperture),
            Blades = args.Int("blades"),
            Rotation = args.Float("rotation"),
            HighlightThreshold = args.Float("highlight-threshold", Defaults.HighlightThreshold),
            HighlightGain = args.Float("highlight-gain"),
            MaxNearRadius = args.Float("max-near", LensBlurOptions.MaxRadius),
            MaxFarRadius = args.Float("max-far", LensBlurOptions.MaxRadius),
            DepthNear = args.Get("depth-near") == "black" ? DepthNear.Black : DepthNear.White,
            FullResolution = args.Flag("exact"),
        };
        options.Validate(); // bad values fail before any file is read

        var photoRaster = ImageFile.Read(imagePath);
        var photo = Rasters.ToImage(photoRaster);
        var depth = Rasters.ToDepth(ImageFile.Read(depthPath));
        int bits = Rasters.OutputBitDepth(output, photoRaster.BitDepth, args.Get("bit-depth"));
        using var engine = EngineArgs.Create(args);
        var bar = ProgressBar.For("lens-blur", args);
        var result = engine.LensBlur(photo, depth, options, new Progress(bar.Report));
        bar.Done();
        ImageFile.Write(output, Rasters.FromImage(result, bits), bits);
        return 0;
    }
}

using DepthPlugins.Core.Processing;
using DepthPlugins.Inference;
using DepthPlugins.ImageIO;

namespace DepthPlugins.Cli.Commands;

/// <summary><c>depthplugins depth</c>: a depth map from one photo with an ONNX model, refined at full resolution.</summary>
sealed class DepthCommand : ICommand
{
    public CommandSpec Spec { get; } = new(
        "depth",
        "generate a depth map (near = white) from a photo with an ONNX depth model",
        [new("image", "the photo (PNG, JPEG, TIFF, PFM)")],
        [
            new("output", "FILE", "output depth map (-o): .png (16-bit unless --bit-depth 8), .pfm or .tif float"),
            new("model", "PATH|NAME", "an .onnx file, or a name from 'depthplugins models list' installed in the model directory (required)"),
            new("refine", "R", "full-resolution refinement with the photo as guide", ["guided", "jbf", "none"], "guided"),
            new("radius", "R", "refinement radius (0 = the filter's default)", null, "0"),
            new("size", "N", "network input size (dynamic models: the short side, a multiple of 14); 0 = the model's", null, "0"),
            new("depth-near", "N", "which end is near", ["white", "black"], "white"),
            new("bit-depth", "B", "output bit depth", ["8", "16", "32"]),
            .. CommandSpec.Compute,
        ],
        Details: $"Models are not bundled: see docs/depth-estimation.md; the model directory is {ModelCatalog.ModelDirectory}.");

    public int Run(ParsedArgs args)
    {
        string output = args.Require("output");
        Rasters.CheckOutputPath(output);
        string model = ModelCatalog.Resolve(args.Require("model"));
        var options = new DepthOptions
        {
            Refine = args.Get("refine") switch
            {
                "none" => DepthRefine.None,
                "jbf" => DepthRefine.JointBilateral,
                _ => DepthRefine.Guided,
            },
            RefineRadius = args.Int("radius"),
            InputSize = args.Int("size"),
            NearIsWhite = args.Get("depth-near") != "black",
        };
        options.Validate();
        var photo = Rasters.ToImage(ImageFile.Read(args.Positionals[0]));
        int bits = Rasters.OutputBitDepth(output, 16, args.Get("bit-depth"));
        using var engine = EngineArgs.Create(args);
        var bar = ProgressBar.For("depth", args);
        var depth = engine.EstimateDepth(model, photo, options, new Progress(bar.Report));
        bar.Done();
        ImageFile.Write(output, Rasters.FromDepth(depth, bits), bits);
        return 0;
    }
}

using DepthPlugins.Core.Processing;
using DepthPlugins.Core.Refinement;
using DepthPlugins.ImageIO;

namespace DepthPlugins.Cli.Commands;

/// <summary><c>depthplugins refine</c>: refine or upsample a depth map with a colour guide.</summary>
sealed class RefineCommand : ICommand
{
    public CommandSpec Spec { get; } = new(
        "refine",
        "refine a depth map with the photo as edge guide (upsampling it to the photo's size when smaller)",
        [new("depth", "depth map (PNG 8/16-bit, PFM, TIFF); 0 = unknown unless --zero-valid")],
        [
            new("guide", "IMAGE", "the colour photo the depth belongs to (required)"),
            new("output", "FILE", "output file (-o); .pfm float, .png keeps the input's 8/16 bits unless --bit-depth, .tif"),
            new("method", "M", "refinement method (fdkn: learned deformable kernels, needs --weights)", ["jbf", "guided", "jbu", "cascade", "fdkn"], "jbf"),
            new("weights", "FILE", "fdkn: network weights (.safetensors, e.g. from tools/train_fdkn)"),
            new("radius", "R", $"window radius in pixels (jbu: low-res pixels; cascade: first stage, default 2 x scale); defaults jbf {RefineOptions.Defaults.JbfRadius}, guided {RefineOptions.Defaults.GuidedRadius}, jbu {RefineOptions.Defaults.JbuRadius}"),
            new("sigma-spatial", "S", $"spatial sigma in pixels (jbf default radius/2, jbu {RefineOptions.Defaults.JbuSigmaSpatial})"),
            new("sigma-range", "R", $"colour sigma on the 0..1 sRGB scale (default {RefineOptions.Defaults.JbfSigmaRange})"),
            new("eps", "E", $"guided filter regularisation on the 0..1² scale (default {RefineOptions.Defaults.GuidedEps})"),
            new("grey-guide", null, "use the guide's luminance instead of its colour"),
            new("zero-valid", null, "depth 0 is a real value, not 'unknown'"),
            new("bit-depth", "B", "output bit depth", ["8", "16", "32"]),
            .. CommandSpec.Compute,
        ]);

    public int Run(ParsedArgs args)
    {
        string depthPath = args.Positionals[0];
        string guidePath = args.Require("guide");
        string output = args.Require("output");
        Rasters.CheckOutputPath(output);
        var options = new RefineOptions
        {
            Method = args.Get("method") switch
            {
                "guided" => RefineMethod.Guided,
                "jbu" => RefineMethod.JointBilateralUpsampling,
                "cascade" => RefineMethod.Cascade,
                "fdkn" => RefineMethod.Fdkn,
                _ => RefineMethod.JointBilateral,
            },
            WeightsPath = args.Get("weights"),
            Radius = args.Int("radius"),
            SigmaSpatial = args.Float("sigma-spatial"),
            SigmaRange = args.Float("sigma-range"),
            Eps = args.Float("eps"),
            GreyGuide = args.Flag("grey-guide"),
            ZeroIsInvalid = !args.Flag("zero-valid"),
        };
        if (options.Radius < 0 || options.SigmaSpatial < 0 || options.SigmaRange < 0 || options.Eps < 0)
            throw new UsageException("--radius, --sigma-spatial, --sigma-range and --eps must not be negative");
        if (options.Method == RefineMethod.Fdkn && options.WeightsPath == null) throw new UsageException("--method fdkn needs --weights FILE.safetensors");
        if (options.Method != RefineMethod.Fdkn && options.WeightsPath != null) throw new UsageException("--weights is only used by --method fdkn");
        options.Resolve();

        var depthRaster = ImageFile.Read(depthPath);
        var guide = Rasters.ToImage(ImageFile.Read(guidePath));
        int bits = Rasters.OutputBitDepth(output, depthRaster.BitDepth, args.Get("bit-depth"));
        using var engine = EngineArgs.Create(args);
        var bar = ProgressBar.For("refine", args);
        var result = engine.Refine(guide, Rasters.ToDepth(depthRaster), options, new Progress(bar.Report));
        bar.Done();
        ImageFile.Write(output, Rasters.FromDepth(result, bits), bits);
        return 0;
    }
}

using DepthPlugins.Core.Imaging;
using DepthPlugins.Core.Synthetic;
using DepthPlugins.ImageIO;

namespace DepthPlugins.Cli.Commands;

/// <summary><c>depthplugins sample-scene</c>: writes the procedural RGB-D scene (how samples/ was made).</summary>
sealed class SampleSceneCommand : ICommand
{
    public CommandSpec Spec { get; } = new(
        "sample-scene",
        "render the procedural RGB-D test scene (photo + exact depth + a 4x smaller depth)",
        [new("directory", "where to write scene.png, scene_depth.png (16-bit) and scene_depth_low.png (8-bit, 1/4 size)")],
        [
            new("width", "W", "width in pixels", null, "640"),
            new("height", "H", "height in pixels", null, "480"),
            new("seed", "N", "random seed of the light positions", null, "1"),
        ]);

    public int Run(ParsedArgs args)
    {
        int w = args.Int("width", 640), h = args.Int("height", 480);
        if (w < 8 || h < 8 || w > 16384 || h > 16384) throw new UsageException("--width and --height must be 8..16384");
        string dir = args.Positionals[0];
        Directory.CreateDirectory(dir);
        var scene = SyntheticScene.Render(w, h, args.Int("seed", 1));
        ImageFile.Write(Path.Combine(dir, "scene.png"), Rasters.FromImage(scene.Photo, 8), 8);
        ImageFile.Write(Path.Combine(dir, "scene_depth.png"), Rasters.FromDepth(scene.Depth, 16), 16);
        var low = Resampler.Resize(scene.Depth, Math.Max(1, w / 4), Math.Max(1, h / 4), ResampleFilter.Bicubic);
        ImageFile.Write(Path.Combine(dir, "scene_depth_low.png"), Rasters.FromDepth(low, 8), 8);
        return 0;
    }
}

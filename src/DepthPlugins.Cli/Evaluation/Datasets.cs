using DepthPlugins.Core;
using DepthPlugins.Core.Imaging;
using DepthPlugins.ImageIO;

namespace DepthPlugins.Cli.Evaluation;

/// <summary>
/// One ground-truth scene: a colour guide and a depth/disparity map of the same size (0..1, 0 = unknown), and for
/// the Park set the provided noisy low-resolution inputs. Files are read only when asked for.
/// </summary>
sealed record EvalScene(string Dataset, string Name, string GuidePath, string TruthPath, IReadOnlyDictionary<int, string> NoisyInputs)
{
    public string Id => $"{Dataset}/{Name}";

    /// <summary>Guide and truth, the guide cropped to the truth's size when it is larger (MSG-Net's RGB has one extra row).</summary>
    public (Image Guide, Plane Truth) Load()
    {
        var truth = Rasters.ToDepth(ImageFile.Read(TruthPath));
        var guide = Rasters.ToImage(ImageFile.Read(GuidePath));
        if (guide.Width < truth.Width || guide.Height < truth.Height)
            throw DpException.Invalid($"{GuidePath} ({guide.Width}x{guide.Height}) is smaller than its ground truth {TruthPath} ({truth.Width}x{truth.Height})");
        if (guide.Width != truth.Width || guide.Height != truth.Height)
            guide = new Image(guide.Channels.Select(c => Crop(c, truth.Width, truth.Height)).ToArray(), null, guide.Transfer);
        return (guide, truth);
    }

    static Plane Crop(Plane p, int w, int h)
    {
        var o = new Plane(w, h);
        for (int y = 0; y < h; y++) p.Row(y)[..w].CopyTo(o.Row(y));
        return o;
    }
}

/// <summary>
/// Finds scenes in the layouts of ../shared/data (each folder's SOURCE.md describes them). These are file-layout
/// facts about evaluation data sets, so they live beside the command rather than in Core, which does no file I/O.
/// <list type="bullet">
/// <item>Park et al. set: <c>&lt;s&gt;/&lt;s&gt;_color.png</c>, truth <c>&lt;s&gt;_big.png</c>, noisy inputs <c>&lt;s&gt;_depth_{1..4}_n.png</c> (×2..×16).</item>
/// <item>Middlebury 2005/2006 third size: <c>&lt;Scene&gt;/view1.png</c> + <c>disp1.png</c> (or view5/disp5 where view 1 is missing).</item>
/// <item>Middlebury 2003 quarter size: <c>&lt;Scene&gt;/im2.png</c> + <c>disp2.png</c>.</item>
/// <item>MSG-Net set C: <c>&lt;n&gt;/&lt;n&gt;_rgb.png</c> + <c>&lt;n&gt;_gt_filled.png</c>, or the same files flat (the RGB is cropped to the truth's size).</item>
/// <item>NYU sample: <c>&lt;n&gt;_rgb.png</c> + <c>&lt;n&gt;_gt.png</c>.</item>
/// </list>
/// </summary>
static class Datasets
{
    /// <summary>The scenes of <paramref name="dir"/> if it is a data set, else of every data set directly inside it.</summary>
    public static List<EvalScene> Discover(string dir)
    {
        if (!Directory.Exists(dir)) throw DpException.Invalid($"{dir}: no such directory");
        var own = ScenesOf(dir);
        if (own.Count > 0) return own;
        var all = new List<EvalScene>();
        foreach (var sub in Directory.GetDirectories(dir).Order(StringComparer.Ordinal))
            all.AddRange(ScenesOf(sub));
        if (all.Count == 0) throw DpException.Invalid($"{dir}: no evaluation scenes found (see depthplugins eval --help for the layouts)");
        return all;
    }

    static List<EvalScene> ScenesOf(string dir)
    {
        string dataset = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(dir)));
        var scenes = new List<EvalScene>();
        // Flat pairs: <n>_rgb.png with <n>_gt_filled.png (MSG-Net) or <n>_gt.png (NYU).
        foreach (var rgb in Directory.GetFiles(dir, "*_rgb.png").Order(StringComparer.Ordinal))
        {
            string n = Path.GetFileName(rgb)[..^"_rgb.png".Length];
            string? gt = new[] { $"{n}_gt_filled.png", $"{n}_gt.png" }.Select(f => Path.Combine(dir, f)).FirstOrDefault(File.Exists);
            if (gt != null) scenes.Add(new EvalScene(dataset, n, rgb, gt, new Dictionary<int, string>()));
        }
        foreach (var sub in Directory.GetDirectories(dir).Order(StringComparer.Ordinal))
        {
            string s = Path.GetFileName(sub);
            string F(string f) => Path.Combine(sub, f);
            if (File.Exists(F($"{s}_big.png")) && File.Exists(F($"{s}_color.png")))
            {
                var noisy = new Dictionary<int, string>();
                for (int k = 1; k <= 4; k++)
                    if (File.Exists(F($"{s}_depth_{k}_n.png"))) noisy[1 << k] = F($"{s}_depth_{k}_n.png");
                scenes.Add(new EvalScene(dataset, s, F($"{s}_color.png"), F($"{s}_big.png"), noisy));
                continue;
            }
            // MSG-Net keeps its flat pairs one folder per scene: <n>/<n>_rgb.png + <n>_gt_filled.png.
            string? flatGt = new[] { $"{s}_gt_filled.png", $"{s}_gt.png" }.Select(F).FirstOrDefault(File.Exists);
            if (flatGt != null && File.Exists(F($"{s}_rgb.png")))
            {
                scenes.Add(new EvalScene(dataset, s, F($"{s}_rgb.png"), flatGt, new Dictionary<int, string>()));
                continue;
            }
            foreach (var (guide, truth) in new[] { ("view1.png", "disp1.png"), ("view5.png", "disp5.png"), ("im2.png", "disp2.png") })
            {
                if (File.Exists(F(guide)) && File.Exists(F(truth)))
                {
                    scenes.Add(new EvalScene(dataset, s, F(guide), F(truth), new Dictionary<int, string>()));
                    break;
                }
            }
        }
        return scenes;
    }
}

using System.Globalization;
using DepthPlugins.Cli.Evaluation;
using DepthPlugins.ImageIO;

namespace DepthPlugins.Cli.Commands;

/// <summary><c>depthplugins eval</c>: scores upsampling methods against ground truth with the papers' protocols.</summary>
sealed class EvalCommand : ICommand
{
    public CommandSpec Spec { get; } = new(
        "eval",
        "measure depth upsampling methods against ground truth (clean or noisy protocol)",
        [],
        [
            new("data", "DIR", "a data set folder, or a folder of data sets (all usable ones are used) (required)"),
            new("protocol", "P", "clean: shrink the truth by s with PIL-style bicubic; noisy: the Park set's noisy inputs", ["clean", "noisy"], "clean"),
            new("scales", "LIST", "comma-separated upsampling factors", null, "2,4,8,16"),
            new("methods", "LIST", $"comma-separated methods ({string.Join(", ", EvalMethod.KnownNames)}); name:key=value sets a parameter, e.g. jbu:radius=3", null, "bicubic,jbf,guided,jbu"),
            new("weights", "FILE", "weights of the fdkn method (.safetensors), unless given as fdkn:weights=FILE"),
            new("scenes", "LIST", "only scenes whose name contains one of these words"),
            new("report", "FILE", "also write the tables as Markdown"),
            new("save", "DIR", "write every output as a 16-bit PNG <dataset>_<scene>_x<s>_<method>.png"),
            .. CommandSpec.Compute,
        ],
        """
        Scores: RMSE, MAE, PSNR, SSIM, MAPE and edge-band RMSE on the 0..255 scale, with a border of s pixels cropped
        and unknown ground truth (0) masked out. The edge band is every pixel within 4 pixels of a ground-truth step of
        8 or more between neighbours. Tables give the mean over scenes and per-scene rows.

        Layouts read (see each folder's SOURCE.md): <s>/<s>_color.png + <s>_big.png (+ <s>_depth_{1..4}_n.png, the
        noisy x2..x16 inputs); <Scene>/view1.png + disp1.png (or view5/disp5); <Scene>/im2.png + disp2.png;
        <n>_rgb.png + <n>_gt_filled.png or <n>_gt.png. The noisy protocol needs the noisy inputs (Park set only).
        """);

    public int Run(ParsedArgs args)
    {
        string data = args.Require("data");
        var protocol = args.Get("protocol") == "noisy" ? Protocol.Noisy : Protocol.Clean;
        var scales = ParseList(args.Get("scales")!, "scales").Select(s =>
            int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v is >= 2 and <= 64
                ? v : throw new UsageException($"--scales: '{s}' is not a factor from 2 to 64")).Distinct().ToArray();
        string? weights = args.Get("weights");
        var methods = ParseList(args.Get("methods")!, "methods").Distinct().Select(m => EvalMethod.Parse(m, weights)).ToList();
        string? report = args.Get("report");
        string? save = args.Get("save");
        if (save != null) Directory.CreateDirectory(save);

        var scenes = Datasets.Discover(data);
        if (args.Get("scenes") is { } filter)
        {
            var words = ParseList(filter, "scenes");
            scenes = scenes.Where(s => words.Any(w => s.Name.Contains(w, StringComparison.OrdinalIgnoreCase))).ToList();
        }
        if (protocol == Protocol.Noisy)
        {
            // Only the Park set ships noisy inputs; other data sets in a parent folder are not usable here.
            scenes = scenes.Where(s => scales.All(s.NoisyInputs.ContainsKey)).ToList();
            if (scenes.Count == 0)
                throw new Core.DpException(Core.DpStatus.InvalidArgument, $"{data}: no scene has noisy inputs for x{string.Join(", x", scales)} (the noisy protocol uses the Park set)");
        }
        if (scenes.Count == 0) throw new UsageException("--scenes matched no scene");

        bool quiet = args.Flag("quiet");
        if (!quiet) Console.Error.WriteLine($"eval: {scenes.Count} scene(s) from {string.Join(", ", scenes.Select(s => s.Dataset).Distinct())}, {methods.Count} method(s), scales x{string.Join(", x", scales)}");
        using var engine = EngineArgs.Create(args);
        var bar = new ProgressBar("eval", !quiet && !Console.IsErrorRedirected);
        var runner = new EvalRunner(engine, methods, protocol, scales)
        {
            OnProgress = (what, f) => bar.Report(f, what),
            OnOutput = save == null ? null : (scene, s, m, plane) =>
                ImageFile.Write(Path.Combine(save, $"{scene.Dataset}_{scene.Name}_x{s}_{Sanitise(m)}.png"), Rasters.FromDepth(plane, 16), 16),
        };
        var results = runner.Run(scenes);
        bar.Done();

        string header = $"{(protocol == Protocol.Clean ? "clean" : "noisy")} protocol, {scenes.Count} scene(s) from "
            + $"{string.Join(", ", scenes.Select(s => s.Dataset).Distinct())}; errors on 0..255, border = s, unknown truth masked";
        Console.Out.Write(EvalReport.Render(results, header, markdown: false));
        if (report != null)
        {
            string tmp = report + ".tmp";
            File.WriteAllText(tmp, EvalReport.Render(results, header, markdown: true));
            File.Move(tmp, report, overwrite: true);
        }
        return 0;
    }

    static string[] ParseList(string v, string name)
    {
        var parts = v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return parts.Length > 0 ? parts : throw new UsageException($"--{name} is empty");
    }

    static string Sanitise(string s) => string.Concat(s.Select(c => char.IsLetterOrDigit(c) || c is '-' or '.' ? c : '_'));
}

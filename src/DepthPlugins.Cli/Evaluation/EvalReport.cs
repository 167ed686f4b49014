using System.Globalization;
using System.Text;
using DepthPlugins.Core.Evaluation;

namespace DepthPlugins.Cli.Evaluation;

/// <summary>Tables of results: methods × scales (mean over scenes) per metric, ratios to bicubic, and per-scene rows.
/// The same tables render as aligned text (stdout) or Markdown (--report).</summary>
static class EvalReport
{
    static readonly (string Title, Func<MetricSet, double> Get, string Format)[] Metrics =
    [
        ("RMSE", m => m.Rmse, "0.00"),
        ("MAE", m => m.Mae, "0.00"),
        ("edge-band RMSE", m => m.EdgeRmse, "0.00"),
        ("PSNR (dB)", m => m.Psnr, "0.00"),
        ("SSIM", m => m.Ssim, "0.0000"),
        ("MAPE (%)", m => m.Mape, "0.00"),
    ];

    public static string Render(List<EvalResult> results, string header, bool markdown)
    {
        var methods = results.Select(r => r.Method).Distinct().ToList();
        var scales = results.Select(r => r.Scale).Distinct().Order().ToList();
        var scenes = results.Select(r => r.Scene.Id).Distinct().ToList();
        var sb = new StringBuilder();
        sb.AppendLine(markdown ? $"{header}\n" : header);
        string[] scaleCols = scales.Select(s => $"x{s}").ToArray();

        foreach (var (title, get, format) in Metrics)
        {
            var rows = methods.Select(m => (IReadOnlyList<string>)[m, .. scales.Select(s => F(Mean(results, m, s, r => get(r.Metrics)), format))]).ToList();
            Table(sb, $"{title}, mean over {scenes.Count} scene(s)", ["method", .. scaleCols], rows, markdown);
            if (title == "RMSE" && methods.Contains("bicubic"))
            {
                var ratio = methods.Select(m => (IReadOnlyList<string>)[m, .. scales.Select(s =>
                    F(Mean(results, m, s, r => get(r.Metrics)) / Mean(results, "bicubic", s, r => get(r.Metrics)), "0.000"))]).ToList();
                Table(sb, "RMSE ratio to bicubic (mean RMSE / bicubic's mean RMSE on the same scenes)", ["method", .. scaleCols], ratio, markdown);
            }
        }
        var time = methods.Select(m => (IReadOnlyList<string>)[m, .. scales.Select(s => F(Mean(results, m, s, r => r.Seconds), "0.000"))]).ToList();
        Table(sb, "seconds per scene (mean)", ["method", .. scaleCols], time, markdown);

        var perScene = new List<IReadOnlyList<string>>();
        foreach (var sc in scenes)
            foreach (var m in methods)
                perScene.Add([sc, m, .. scales.Select(s =>
                {
                    var r = results.FirstOrDefault(x => x.Scene.Id == sc && x.Method == m && x.Scale == s);
                    return r == null ? "" : $"{F(r.Metrics.Rmse, "0.00")} / {F(r.Metrics.Mae, "0.00")} / {F(r.Metrics.EdgeRmse, "0.00")}";
                })]);
        Table(sb, "per scene: RMSE / MAE / edge-band RMSE", ["scene", "method", .. scaleCols], perScene, markdown);
        return sb.ToString();
    }

    static double Mean(List<EvalResult> results, string method, int scale, Func<EvalResult, double> get)
    {
        var v = results.Where(r => r.Method == method && r.Scale == scale).Select(get).ToList();
        return v.Count > 0 ? v.Average() : double.NaN;
    }

    static string F(double v, string format) =>
        double.IsNaN(v) ? "-" : double.IsPositiveInfinity(v) ? "inf" : v.ToString(format, CultureInfo.InvariantCulture);

    static void Table(StringBuilder sb, string title, IReadOnlyList<string> head, List<IReadOnlyList<string>> rows, bool markdown)
    {
        if (markdown)
        {
            sb.AppendLine($"**{title}**").AppendLine();
            sb.AppendLine("| " + string.Join(" | ", head) + " |");
            sb.AppendLine("|" + string.Join("|", head.Select((_, i) => i == 0 || head[i] is "method" ? "---" : "---:")) + "|");
            foreach (var r in rows) sb.AppendLine("| " + string.Join(" | ", r) + " |");
            sb.AppendLine();
            return;
        }
        var widths = head.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        sb.AppendLine().AppendLine(title);
        string Line(IReadOnlyList<string> cells) => string.Join("  ", cells.Select((c, i) =>
            i == 0 || head[i] == "method" ? c.PadRight(widths[i]) : c.PadLeft(widths[i]))).TrimEnd();
        sb.AppendLine(Line(head));
        foreach (var r in rows) sb.AppendLine(Line(r));
    }
}

using System.Globalization;
using System.Text.RegularExpressions;
using NUnit.Framework;
using DepthPlugins.ImageIO;

namespace DepthPlugins.Cli.Tests;

/// <summary>
/// The published <c>depthplugins eval</c> end to end on tiny data sets written to a temporary folder in the layouts of ../shared/data:
/// a Park-style set (colour, truth, noisy ×2..×16 inputs), a Middlebury-style set with unknown (0) truth, an
/// MSG-Net-style flat set whose RGB has one row more than its truth, and a folder that is no data set.
/// </summary>
[NonParallelizable]
public class EvalCommandTests
{
    string _root = "";

    [OneTimeSetUp]
    public void WriteDataSets()
    {
        CliRunner.RequireExe();
        _root = Path.Combine(Path.GetTempPath(), "dp-eval-" + Guid.NewGuid().ToString("N"));
        const int W = 64, H = 48;
        // Park style: two scenes; a near block (truth 200) on a far background (60), colour follows the block.
        foreach (var (name, x0) in new[] { ("alpha", 20), ("beta", 28) })
        {
            string dir = Path.Combine(_root, "park", name);
            Directory.CreateDirectory(dir);
            bool Near(int x, int y) => x >= x0 && x < x0 + 24 && y >= 12 && y < 36;
            Write(Path.Combine(dir, $"{name}_color.png"), W, H, 3, (x, y, c) => Near(x, y) ? 0.8f - 0.2f * c : 0.1f + 0.1f * c);
            Write(Path.Combine(dir, $"{name}_big.png"), W, H, 1, (x, y, _) => Near(x, y) ? 200 / 255f : 60 / 255f);
            for (int k = 1; k <= 4; k++)
            {
                int s = 1 << k;
                Write(Path.Combine(dir, $"{name}_depth_{k}_n.png"), W / s, H / s, 1,
                    (x, y, _) => Near(x * s + s / 2, y * s + s / 2) ? 200 / 255f : 60 / 255f);
            }
        }
        // Middlebury style: constant truth 120 with an unknown (0) block and scattered unknowns; the guide is flat.
        {
            string dir = Path.Combine(_root, "mb", "Flat");
            Directory.CreateDirectory(dir);
            Write(Path.Combine(dir, "view1.png"), W, H, 3, (_, _, _) => 0.5f);
            Write(Path.Combine(dir, "disp1.png"), W, H, 1, (x, y, _) =>
                (x >= 40 && y >= 30) || (x * 7 + y * 3) % 29 == 0 ? 0f : 120 / 255f);
        }
        // MSG-Net style flat files: RGB one row taller than the truth.
        {
            string dir = Path.Combine(_root, "msg");
            Directory.CreateDirectory(dir);
            Write(Path.Combine(dir, "cones_rgb.png"), W, H + 1, 3, (_, _, _) => 0.3f);
            Write(Path.Combine(dir, "cones_gt_filled.png"), W, H, 1, (x, _, _) => (90 + x) / 255f);
        }
        Directory.CreateDirectory(Path.Combine(_root, "notes"));
        File.WriteAllText(Path.Combine(_root, "notes", "README.md"), "no images here");
    }

    [OneTimeTearDown]
    public void Clean()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    static void Write(string path, int w, int h, int channels, Func<int, int, int, float> f)
    {
        var s = new float[w * h * channels];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < channels; c++) s[(y * w + x) * channels + c] = f(x, y, c);
        ImageFile.Write(path, new Raster(w, h, channels, 8, s), 8);
    }

    static (int Code, string Out, string Err) Eval(params string[] args)
    {
        var r = CliRunner.Run(["eval", .. args]);
        return (r.Code, r.Out, r.Err);
    }

    /// <summary>The numbers of a table row that starts with <paramref name="label"/> in the section titled <paramref name="title"/>.</summary>
    static double[] Row(string text, string title, string label)
    {
        int at = text.IndexOf(title, StringComparison.Ordinal);
        Assert.That(at, Is.GreaterThanOrEqualTo(0), $"no table '{title}' in:\n{text}");
        foreach (var line in text[at..].Split('\n').Skip(2))
        {
            if (line.Trim().Length == 0) break;
            var cells = Regex.Split(line.Trim(), @"\s+");
            if (cells[0] == label)
                return cells.Skip(1).Select(c => double.Parse(c, CultureInfo.InvariantCulture)).ToArray();
        }
        Assert.Fail($"no row '{label}' under '{title}'");
        return [];
    }

    [Test]
    public void CleanProtocolOnAParentFolderUsesEveryDataSetAndWritesAReport()
    {
        string report = Path.Combine(_root, "report.md");
        var (code, stdout, stderr) = Eval("--data", _root, "--scales", "2,4", "--methods", "bicubic,jbu,cascade", "--report", report);
        Assert.That(code, Is.EqualTo(0), stderr);
        Assert.That(stderr, Does.Contain("4 scene(s)"));
        foreach (var scene in new[] { "park/alpha", "park/beta", "mb/Flat", "msg/cones" }) Assert.That(stdout, Does.Contain(scene));
        var rmse = Row(stdout, "RMSE, mean over 4 scene(s)", "cascade");
        Assert.That(rmse, Has.Length.EqualTo(2));
        Assert.That(rmse.All(v => v >= 0 && v < 30), Is.True);
        var ratio = Row(stdout, "RMSE ratio to bicubic", "bicubic");
        Assert.That(ratio, Is.EqualTo(new[] { 1.0, 1.0 }));
        string md = File.ReadAllText(report);
        Assert.That(md, Does.Contain("| method | x2 | x4 |"));
        Assert.That(md, Does.Contain("| park/alpha | cascade |"));
    }

    [Test]
    public void UnknownTruthIsMaskedOut()
    {
        // Every known truth pixel of the flat scene is 120 and every method reproduces a constant, so with the unknown
        // (0) pixels masked out each error is 0; counted as truth they would give an RMSE of tens of levels.
        var (code, stdout, stderr) = Eval("--data", Path.Combine(_root, "mb"), "--scales", "2,4,8", "--methods", "bicubic,jbf,guided,jbu,cascade");
        Assert.That(code, Is.EqualTo(0), stderr);
        foreach (var m in new[] { "bicubic", "jbf", "guided", "jbu", "cascade" })
            Assert.That(Row(stdout, "RMSE, mean over 1 scene(s)", m), Is.All.LessThan(0.01), m);
    }

    [Test]
    public void NoisyProtocolReadsTheProvidedInputs()
    {
        // The noisy inputs here are point samples of the block scene, so bicubic has a clearly non-zero error that the
        // colour-guided methods reduce.
        var (code, stdout, stderr) = Eval("--data", _root, "--protocol", "noisy", "--scales", "4,8", "--methods", "bicubic,cascade");
        Assert.That(code, Is.EqualTo(0), stderr);
        Assert.That(stderr, Does.Contain("2 scene(s)"));
        var bic = Row(stdout, "RMSE, mean over 2 scene(s)", "bicubic");
        var cas = Row(stdout, "RMSE, mean over 2 scene(s)", "cascade");
        Assert.That(bic.All(v => v > 5), Is.True);
        Assert.That(cas[0], Is.LessThan(bic[0]));
        Assert.That(cas[1], Is.LessThan(bic[1]));
    }

    [Test]
    public void MsgNetGuideIsCroppedToTheTruth()
    {
        var (code, stdout, stderr) = Eval("--data", Path.Combine(_root, "msg"), "--scales", "2", "--methods", "bicubic");
        Assert.That(code, Is.EqualTo(0), stderr);
        // A horizontal ramp is reproduced by bicubic except where its kernel meets the border (cropped by s = 2).
        Assert.That(Row(stdout, "RMSE, mean over 1 scene(s)", "bicubic")[0], Is.LessThan(0.05));
    }

    [Test]
    public void SavesOutputs()
    {
        string dir = Path.Combine(_root, "out");
        var (code, _, stderr) = Eval("--data", Path.Combine(_root, "park"), "--scales", "4", "--methods", "cascade", "--save", dir, "--scenes", "alpha");
        Assert.That(code, Is.EqualTo(0), stderr);
        var r = ImageFile.Read(Path.Combine(dir, "park_alpha_x4_cascade.png"));
        Assert.That((r.Width, r.Height, r.BitDepth), Is.EqualTo((64, 48, 16)));
    }

    /// <summary>FDKN is an eval method: weights from --weights or fdkn:weights=FILE (random weights here: the rows exist
    /// and differ from bicubic; their accuracy is measured on real weights in FdknParkTests).</summary>
    [Test]
    public void FdknTakesItsWeightsFromTheCommandLine()
    {
        string weights = Path.Combine(_root, "fdkn.safetensors");
        File.WriteAllBytes(weights, Core.Tests.SafeTensorsWriter.Build(Core.Tests.FdknTestWeights.RandomWeights(1)));
        var (code, stdout, stderr) = Eval("--data", Path.Combine(_root, "park"), "--scales", "4", "--methods", $"bicubic,fdkn,fdkn:weights={weights}", "--weights", weights);
        Assert.That(code, Is.EqualTo(0), stderr);
        var bicubic = Row(stdout, "RMSE, mean over 2 scene(s)", "bicubic");
        var fdkn = Row(stdout, "RMSE, mean over 2 scene(s)", "fdkn");
        Assert.That(fdkn[0], Is.Not.EqualTo(bicubic[0]));
        Assert.That(Row(stdout, "RMSE, mean over 2 scene(s)", $"fdkn:weights={weights}"), Is.EqualTo(fdkn));
    }

    [TestCase("--methods", "bicubic,nearest", 2, "unknown method 'nearest'")]
    [TestCase("--methods", "fdkn", 2, "needs a weights file")]
    [TestCase("--methods", "jbu:weights=w.safetensors", 2, "unknown parameter 'weights'")]
    [TestCase("--methods", "jbu:radius=-1", 2, "non-negative")]
    [TestCase("--scales", "8,x", 2, "not a factor")]
    [TestCase("--protocol", "hazy", 2, "must be one of")]
    public void BadCommandLinesAreUsageErrors(string option, string value, int exit, string message)
    {
        var (code, _, stderr) = Eval("--data", _root, option, value);
        Assert.That(code, Is.EqualTo(exit));
        Assert.That(stderr, Does.Contain(message));
    }

    [Test]
    public void NoisyProtocolWithoutNoisyInputsFails()
    {
        var (code, _, stderr) = Eval("--data", Path.Combine(_root, "mb"), "--protocol", "noisy");
        Assert.That(code, Is.EqualTo(1));
        Assert.That(stderr, Does.Contain("noisy inputs"));
    }

    [Test]
    public void FolderWithoutScenesFails()
    {
        var (code, _, stderr) = Eval("--data", Path.Combine(_root, "notes"));
        Assert.That(code, Is.EqualTo(1));
        Assert.That(stderr, Does.Contain("no evaluation scenes"));
    }
}

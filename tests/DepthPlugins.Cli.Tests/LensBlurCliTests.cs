using DepthPlugins.Core.Imaging;
using DepthPlugins.Core.LensBlur;
using DepthPlugins.Core.Processing;
using DepthPlugins.ImageIO;
using NUnit.Framework;

namespace DepthPlugins.Cli.Tests;

/// <summary><c>depthplugins lens-blur</c> through the published executable: options reach the engine, errors are one line.</summary>
public class LensBlurCliTests
{
    string _dir = "";

    [OneTimeSetUp]
    public void Exe() => CliRunner.RequireExe();

    [SetUp]
    public void TempDir() => _dir = Directory.CreateTempSubdirectory("dp_cli_lb").FullName;

    [TearDown]
    public void Clean() => Directory.Delete(_dir, true);

    string P(string name) => Path.Combine(_dir, name);
    static string Sample(string name) => Path.Combine(CliRunner.RepoRoot, "samples", name);

    [Test]
    public void HelpShowsTheOptions()
    {
        Assert.That(CliRunner.Run("--help").Out, Does.Contain("lens-blur"));
        var r = CliRunner.Run("lens-blur", "--help");
        Assert.That(r.Code, Is.EqualTo(0));
        foreach (var o in new[] { "--depth FILE", "--focus F", "--focus-at X,Y", "--aperture R", "--blades N", "--rotation DEG",
                                  "--highlight-threshold T", "--highlight-gain G", "--depth-near white|black", "--exact", "--backend auto|cpu|vulkan" })
            Assert.That(r.Out, Does.Contain(o));
    }

    [TestCase(false)]
    [TestCase(true)] // --exact: every layer at full resolution
    public void WritesWhatTheEngineComputes(bool exact)
    {
        string[] args = ["lens-blur", Sample("scene.png"), "--depth", Sample("scene_depth_low.png"), "-o", P("o.pfm"),
            "--focus-at", "205,200", "--aperture", "30", "--blades", "7", "--rotation", "12", "--highlight-threshold", "0.6",
            "--highlight-gain", "2", "--max-near", "9", "--backend", "cpu", "--quiet"];
        var r = CliRunner.Run(exact ? [.. args, "--exact"] : args);
        Assert.That(r.Code, Is.EqualTo(0), r.Err);
        Assert.That(r.Err, Is.Empty);
        var got = ImageFile.Read(P("o.pfm"));

        var photo = ImageFile.Read(Sample("scene.png"));
        var img = new Image(Enumerable.Range(0, 3).Select(c => new Plane(photo.Width, photo.Height,
            Enumerable.Range(0, photo.Width * photo.Height).Select(i => photo.Samples[i * photo.Channels + c]).ToArray())).ToArray());
        var low = ImageFile.Read(Sample("scene_depth_low.png"));
        using var engine = new Engine.Engine(new Engine.EngineOptions { Backend = Engine.BackendKind.Cpu });
        var o = new LensBlurOptions
        {
            FocusFromPoint = true, FocusX = 205, FocusY = 200, Aperture = 30, Blades = 7, Rotation = 12,
            HighlightThreshold = 0.6f, HighlightGain = 2, MaxNearRadius = 9, FullResolution = exact,
        };
        var depth = new Plane(low.Width, low.Height, low.Samples);
        var want = engine.LensBlur(img, depth, o, Progress.None).AsLinear();
        // The two modes differ on this scene (its background's CoC exceeds 16 px), so the flag is seen to act.
        o.FullResolution = !exact;
        var other = engine.LensBlur(img, depth, o, Progress.None).AsLinear();
        Assert.That(other.Channels[0].Data, Is.Not.EqualTo(want.Channels[0].Data));
        Assert.That((got.Width, got.Height, got.Channels), Is.EqualTo((photo.Width, photo.Height, 3)));
        for (int c = 0; c < 3; c++)
            for (int i = 0; i < photo.Width * photo.Height; i += 97)
                Assert.That(got.Samples[i * 3 + c], Is.EqualTo(want.Channels[c].Data[i]), $"pixel {i} channel {c}");
    }

    [Test]
    public void KeepsTheInputBitDepthAndDepthNearBlackFlips()
    {
        Assert.That(CliRunner.Run("lens-blur", Sample("scene.png"), "--depth", Sample("scene_depth.png"), "-o", P("a.png"), "--focus", "0.7", "--aperture", "12", "--quiet").Code, Is.EqualTo(0));
        var a = ImageFile.Read(P("a.png"));
        Assert.That(a.BitDepth, Is.EqualTo(8));
        // The same map inverted, read with --depth-near black and the focus mirrored: identical picture.
        var d = ImageFile.Read(Sample("scene_depth.png"));
        ImageFile.Write(P("inv.pfm"), new Raster(d.Width, d.Height, 1, 32, d.Samples.Select(v => 1 - v).ToArray()), 32);
        Assert.That(CliRunner.Run("lens-blur", Sample("scene.png"), "--depth", P("inv.pfm"), "-o", P("b.png"), "--focus", "0.3", "--aperture", "12", "--depth-near", "black", "--quiet").Code, Is.EqualTo(0));
        var b = ImageFile.Read(P("b.png"));
        int differ = a.Samples.Zip(b.Samples).Count(t => Math.Abs(t.First - t.Second) > 1.5f / 255);
        Assert.That(differ, Is.EqualTo(0), "at most rounding of 1 - d in float differs");
    }

    [TestCase(new[] { "lens-blur", "samples/scene.png", "-o", "o.png" }, 2, "--depth is required")]
    [TestCase(new[] { "lens-blur", "samples/scene.png", "--depth", "samples/scene_depth.png", "-o", "o.png", "--focus-at", "12" }, 2, "x,y")]
    [TestCase(new[] { "lens-blur", "samples/scene.png", "--depth", "samples/scene_depth.png", "-o", "o.png", "--depth-near", "grey" }, 2, "white|black")]
    [TestCase(new[] { "lens-blur", "samples/scene.png", "--depth", "samples/scene_depth.png", "-o", "o.png", "--aperture", "wide" }, 2, "--aperture expects a number")]
    [TestCase(new[] { "lens-blur", "samples/scene.png", "--depth", "samples/scene_depth.png", "-o", "o.png", "--blades", "2" }, 1, "blades")]
    [TestCase(new[] { "lens-blur", "samples/scene.png", "--depth", "samples/scene_depth.png", "-o", "o.png", "--aperture", "-4" }, 1, "aperture")]
    [TestCase(new[] { "lens-blur", "samples/scene.png", "--depth", "samples/scene_depth.png", "-o", "o.png", "--focus-at", "9999,3" }, 1, "outside")]
    [TestCase(new[] { "lens-blur", "samples/scene_depth_low.png", "--depth", "samples/scene_depth.png", "-o", "o.png" }, 1, "larger than the image")]
    public void ErrorsAreOneLineWithExitCode(string[] args, int code, string fragment)
    {
        var r = CliRunner.Run(args);
        Assert.That(r.Code, Is.EqualTo(code), r.Err);
        Assert.That(r.Err, Does.StartWith("depthplugins: error: lens-blur: ").And.Contain(fragment));
        Assert.That(r.Err.TrimEnd().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(File.Exists(Path.Combine(CliRunner.RepoRoot, "o.png")), Is.False);
    }
}

using DepthPlugins.Core.Imaging;
using DepthPlugins.Core.Processing;
using DepthPlugins.Core.Refinement;
using DepthPlugins.Fixtures;
using DepthPlugins.ImageIO;
using NUnit.Framework;

namespace DepthPlugins.Cli.Tests;

public class CliTests
{
    string _dir = "";

    [OneTimeSetUp]
    public void Exe() => CliRunner.RequireExe();

    [SetUp]
    public void TempDir() => _dir = Directory.CreateTempSubdirectory("dp_cli").FullName;

    [TearDown]
    public void Clean() => Directory.Delete(_dir, true);

    string P(string name) => Path.Combine(_dir, name);
    static string Sample(string name) => Path.Combine(CliRunner.RepoRoot, "samples", name);

    [Test]
    public void HelpListsCommandsAndChoices()
    {
        var top = CliRunner.Run("--help");
        Assert.That(top.Code, Is.EqualTo(0));
        foreach (var c in new[] { "info", "refine", "depth", "lens-blur", "eval", "models", "sample-scene" }) Assert.That(top.Out, Does.Contain(c));
        var refine = CliRunner.Run("refine", "--help");
        Assert.That(refine.Code, Is.EqualTo(0));
        Assert.That(refine.Out, Does.Contain("--method jbf|guided|jbu|cascade|fdkn"));
        Assert.That(refine.Out, Does.Contain("--backend auto|cpu|vulkan"));
        foreach (var c in new[] { "info", "depth", "lens-blur", "eval", "models", "sample-scene" })
            Assert.That(CliRunner.Run(c, "--help").Code, Is.EqualTo(0), c);
        Assert.That(CliRunner.Run("models", "--help").Out, Does.Contain("list|verify"));
    }

    [Test]
    public void InfoPrintsVersions()
    {
        var r = CliRunner.Run("info");
        Assert.That(r.Code, Is.EqualTo(0), r.Err);
        Assert.That(r.Out, Does.Contain("depthplugins 0.1.0").And.Contain("abi version: 1").And.Contain("vulkan devices").And.Contain("default backend: "));
    }

    [TestCase(new[] { "frobnicate" }, 2, "unknown command")]
    [TestCase(new[] { "refine", "x.png" }, 2, "--guide is required")]
    [TestCase(new[] { "refine", "x.png", "--guide", "y.png", "-o", "o.png", "--method", "magic" }, 2, "jbf|guided|jbu")]
    [TestCase(new[] { "refine", "x.png", "--guide", "y.png", "-o", "o.png", "--radius", "abc" }, 2, "--radius expects an integer")]
    [TestCase(new[] { "refine", "x.png", "--guide", "y.png", "-o", "o.png", "--bogus" }, 2, "unknown option --bogus")]
    [TestCase(new[] { "refine", "missing.png", "--guide", "samples/scene.png", "-o", "o.png" }, 1, "missing.png")]
    [TestCase(new[] { "refine", "samples/scene_depth_low.png", "--guide", "samples/scene.png", "-o", "o.xyz" }, 1, "unsupported output")]
    [TestCase(new[] { "refine", "samples/scene_depth_low.png", "--guide", "samples/scene.png", "-o", "o.png", "--radius", "100000" }, 1, "radius")]
    [TestCase(new[] { "depth", "samples/scene.png", "-o", "o.png", "--model", "no-such-model.onnx" }, 1, "no-such-model")]
    [TestCase(new[] { "refine", "samples/scene_depth_low.png", "--guide", "samples/scene.png", "-o", "o.png", "--method", "fdkn" }, 2, "--weights")]
    [TestCase(new[] { "refine", "samples/scene_depth_low.png", "--guide", "samples/scene.png", "-o", "o.png", "--weights", "w.safetensors" }, 2, "only used by --method fdkn")]
    [TestCase(new[] { "refine", "samples/scene_depth_low.png", "--guide", "samples/scene.png", "-o", "o.png", "--method", "fdkn", "--weights", "no-such.safetensors" }, 1, "no-such.safetensors")]
    [TestCase(new[] { "refine", "samples/scene_depth_low.png", "--guide", "samples/scene.png", "-o", "o.png", "--method", "fdkn", "--weights", "samples/scene.png" }, 1, "not a valid safetensors")]
    public void ErrorsAreOneLineWithExitCode(string[] args, int code, string fragment)
    {
        var r = CliRunner.Run(args);
        Assert.That(r.Code, Is.EqualTo(code), r.Err);
        Assert.That(r.Err, Does.StartWith("depthplugins: error: ").And.Contain(fragment));
        Assert.That(r.Err.TrimEnd().Split('\n'), Has.Length.EqualTo(1), "one line, no stack trace");
        Assert.That(File.Exists(Path.Combine(CliRunner.RepoRoot, "o.png")), Is.False);
    }

    [Test]
    public void FailedRunLeavesNoPartialOutput()
    {
        File.WriteAllBytes(P("broken.png"), File.ReadAllBytes(Sample("scene_depth_low.png"))[..200]);
        var r = CliRunner.Run("refine", P("broken.png"), "--guide", Sample("scene.png"), "-o", P("out.png"));
        Assert.That(r.Code, Is.EqualTo(1));
        Assert.That(Directory.GetFiles(_dir), Is.EquivalentTo(new[] { P("broken.png") }), "no output, no temporary file");
    }

    [TestCase("jbf", RefineMethod.JointBilateral)]
    [TestCase("guided", RefineMethod.Guided)]
    [TestCase("jbu", RefineMethod.JointBilateralUpsampling)]
    [TestCase("cascade", RefineMethod.Cascade)]
    public void RefineWritesWhatTheEngineComputes(string name, RefineMethod method)
    {
        var r = CliRunner.Run("refine", Sample("scene_depth_low.png"), "--guide", Sample("scene.png"), "-o", P("o.pfm"), "--method", name, "--backend", "cpu", "--quiet");
        Assert.That(r.Code, Is.EqualTo(0), r.Err);
        Assert.That(r.Err, Is.Empty, "--quiet and not a terminal: nothing on stderr");
        var got = ImageFile.Read(P("o.pfm"));

        var photo = ImageFile.Read(Sample("scene.png"));
        var guide = new Image(Enumerable.Range(0, 3).Select(c => new Plane(photo.Width, photo.Height,
            Enumerable.Range(0, photo.Width * photo.Height).Select(i => photo.Samples[i * photo.Channels + c]).ToArray())).ToArray());
        var low = ImageFile.Read(Sample("scene_depth_low.png"));
        using var engine = new Engine.Engine(new Engine.EngineOptions { Backend = Engine.BackendKind.Cpu });
        var want = engine.Refine(guide, new Plane(low.Width, low.Height, low.Samples), new RefineOptions { Method = method }, Progress.None);
        Assert.That(got.Width, Is.EqualTo(photo.Width));
        Assert.That(got.Samples, Is.EqualTo(want.Data));
    }

    [Test]
    public void RefineKeepsSixteenBitsAndHonoursBitDepth()
    {
        Assert.That(CliRunner.Run("refine", Sample("scene_depth.png"), "--guide", Sample("scene.png"), "-o", P("a.png")).Code, Is.EqualTo(0));
        Assert.That(ImageFile.Read(P("a.png")).BitDepth, Is.EqualTo(16));
        Assert.That(CliRunner.Run("refine", Sample("scene_depth.png"), "--guide", Sample("scene.png"), "-o", P("b.png"), "--bit-depth", "8").Code, Is.EqualTo(0));
        Assert.That(ImageFile.Read(P("b.png")).BitDepth, Is.EqualTo(8));
    }

    [Test]
    public void SampleSceneMatchesTheCommittedSample()
    {
        var r = CliRunner.Run("sample-scene", _dir);
        Assert.That(r.Code, Is.EqualTo(0), r.Err);
        foreach (var f in new[] { "scene.png", "scene_depth.png", "scene_depth_low.png" })
            Assert.That(ImageFile.Read(P(f)).Samples, Is.EqualTo(ImageFile.Read(Sample(f)).Samples), f + " is reproducible");
    }

    [Test]
    public void DepthWithAFixtureModel()
    {
        // Output = 0.25 R + 0.5 G + 1 B of the normalised input: a known function, so the map must follow the photo.
        File.WriteAllBytes(P("m.onnx"), FixtureModels.LinearDynamic(FixtureModels.DefaultWeights, 0f));
        var r = CliRunner.Run("depth", Sample("scene.png"), "-o", P("d.png"), "--model", P("m.onnx"), "--refine", "none", "--quiet");
        Assert.That(r.Code, Is.EqualTo(0), r.Err);
        var d = ImageFile.Read(P("d.png"));
        Assert.That((d.Width, d.Height, d.BitDepth), Is.EqualTo((640, 480, 16)));
        Assert.That(d.Samples.Min(), Is.EqualTo(0f));
        Assert.That(d.Samples.Max(), Is.EqualTo(1f));
    }

    [Test]
    public void ModelsListAndVerify()
    {
        var list = CliRunner.Run("models", "list");
        Assert.That(list.Code, Is.EqualTo(0), list.Err);
        Assert.That(list.Out, Does.Contain("depth-anything-v2-small").And.Contain("sha256:"));
        File.WriteAllText(P("x.onnx"), "not a model");
        var verify = CliRunner.Run("models", "verify", P("x.onnx"));
        Assert.That(verify.Code, Is.EqualTo(0), verify.Err);
        Assert.That(verify.Out, Does.Contain("not a model in the manifest"));
        Assert.That(CliRunner.Run("models", "verify").Code, Is.EqualTo(2));
    }
}

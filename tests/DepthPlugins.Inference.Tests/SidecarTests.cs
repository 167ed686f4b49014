using System.Text;
using DepthPlugins.Core;
using DepthPlugins.Fixtures;
using NUnit.Framework;

namespace DepthPlugins.Inference.Tests;

public class SidecarTests
{
    static Sidecar Parse(string json) => Sidecar.Parse(Encoding.UTF8.GetBytes(json), "test.json");

    [Test]
    public void AllKeys_AreRead()
    {
        var s = Parse("""
            // comments are allowed
            { "family": "dpt", "input_size": 384, "multiple_of": 32, "mean": [0.1, 0.2, 0.3], "std": [1, 2, 3],
              "resize": "letterbox", "output": "metric-depth", }
            """);
        Assert.That(s.Family, Is.EqualTo(ModelFamily.Dpt));
        Assert.That(s.InputSize, Is.EqualTo(384));
        Assert.That(s.MultipleOf, Is.EqualTo(32));
        Assert.That(s.Mean, Is.EqualTo(new[] { 0.1f, 0.2f, 0.3f }));
        Assert.That(s.Std, Is.EqualTo(new[] { 1f, 2f, 3f }));
        Assert.That(s.Resize, Is.EqualTo(ResizeMode.Letterbox));
        Assert.That(s.Output, Is.EqualTo(OutputKind.MetricDepth));
    }

    [TestCase("""{ "famly": "dpt" }""", "unknown key")]
    [TestCase("""{ "std": [1, 0, 1] }""", "positive")]
    [TestCase("""{ "mean": [0.5, 0.5] }""", "3 values")]
    [TestCase("""{ "resize": "crop" }""", "expected one of")]
    [TestCase("""{ "input_size": -5 }""", "positive integer")]
    [TestCase("""[1, 2]""", "object")]
    [TestCase("""{ "output": """, "invalid")]
    public void BadSidecars_AreModelErrors(string json, string words)
    {
        var e = Assert.Throws<DpException>(() => Parse(json))!;
        Assert.That(e.Status, Is.EqualTo(DpStatus.Model));
        Assert.That(e.Message, Does.Contain(words).IgnoreCase);
    }

    static ModelSpec Fixed(int w, int h) => ModelSpec.Detect("in", "out", h, w);
    static readonly ModelSpec Dynamic = ModelSpec.Detect("in", "out", null, null);

    [Test]
    public void Detection_PicksFamilyAndDefaults()
    {
        Assert.That(Fixed(256, 256).Family, Is.EqualTo(ModelFamily.MidasSmall));
        Assert.That(Fixed(384, 384).Family, Is.EqualTo(ModelFamily.Dpt));
        Assert.That(Fixed(512, 512).Family, Is.EqualTo(ModelFamily.Dpt));
        Assert.That(Fixed(320, 240).Family, Is.EqualTo(ModelFamily.FixedOther));
        Assert.That(Dynamic.Family, Is.EqualTo(ModelFamily.DepthAnything));
        Assert.That(Dynamic.ShortSide, Is.EqualTo(518));
        Assert.That(Dynamic.MultipleOf, Is.EqualTo(14));
        Assert.That(Dynamic.Resize, Is.EqualTo(ResizeMode.KeepAspect));
        Assert.That(Fixed(256, 256).Resize, Is.EqualTo(ResizeMode.Stretch));
        Assert.That(Fixed(256, 256).Mean, Is.EqualTo(new[] { 0.485f, 0.456f, 0.406f }));
        Assert.That(Fixed(384, 384).Mean, Is.EqualTo(new[] { 0.5f, 0.5f, 0.5f }));
        Assert.That(Fixed(384, 384).Std, Is.EqualTo(new[] { 0.5f, 0.5f, 0.5f }));
    }

    [Test]
    public void Overrides_ApplyAndFamilyBringsItsNormalisation()
    {
        var s = Parse("""{ "family": "dpt" }""").ApplyTo(Fixed(256, 256), "x");
        Assert.That(s.Family, Is.EqualTo(ModelFamily.Dpt));
        Assert.That(s.Std, Is.EqualTo(new[] { 0.5f, 0.5f, 0.5f }));
        var d = Parse("""{ "input_size": 392, "multiple_of": 28 }""").ApplyTo(Dynamic, "x");
        Assert.That((d.ShortSide, d.MultipleOf), Is.EqualTo((392, 28)));
    }

    [TestCase("""{ "resize": "letterbox" }""", true)]
    [TestCase("""{ "resize": "keep-aspect" }""", false)]
    [TestCase("""{ "input_size": 300 }""", false)]
    public void Contradictions_AreModelErrors(string json, bool dynamic)
    {
        var e = Assert.Throws<DpException>(() => Parse(json).ApplyTo(dynamic ? Dynamic : Fixed(256, 256), "x"))!;
        Assert.That(e.Status, Is.EqualTo(DpStatus.Model));
    }

    [Test]
    public void SidecarPath_ReplacesTheExtension() =>
        Assert.That(Sidecar.PathFor("/m/depth.onnx"), Is.EqualTo("/m/depth.json"));

    [Test]
    public void FixedModelWithSidecar_LoadsWithOverrides()
    {
        using var dir = new TempDir();
        var m = dir.Write("m.onnx", FixtureModels.LinearFixed(320, 240, [1f, 1f, 1f], 0f));
        dir.WriteText("m.json", """{ "mean": [0, 0, 0], "std": [1, 1, 1], "resize": "letterbox" }""");
        using var model = DepthModel.Load(m, default);
        Assert.That(model.Spec.Family, Is.EqualTo(ModelFamily.FixedOther));
        Assert.That((model.Spec.FixedWidth, model.Spec.FixedHeight), Is.EqualTo((320, 240)));
        Assert.That(model.Spec.Resize, Is.EqualTo(ResizeMode.Letterbox));
        Assert.That(model.Spec.Mean, Is.EqualTo(new[] { 0f, 0f, 0f }));
    }
}

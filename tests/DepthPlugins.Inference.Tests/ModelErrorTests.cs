using DepthPlugins.Core;
using DepthPlugins.Core.Processing;
using DepthPlugins.Engine;
using DepthPlugins.Fixtures;
using NUnit.Framework;

namespace DepthPlugins.Inference.Tests;

/// <summary>Every way a model or request can be wrong ends in a DpException with the right status and a message that
/// names the problem, never a crash.</summary>
public class ModelErrorTests
{
    TempDir _dir = null!;
    Engine.Engine _engine = null!;

    [OneTimeSetUp]
    public void Setup()
    {
        _dir = new TempDir();
        _engine = new Engine.Engine(new EngineOptions { Backend = BackendKind.Cpu, Threads = 1 });
    }

    [OneTimeTearDown]
    public void TearDown()
    {
        _engine.Dispose();
        _dir.Dispose();
    }

    DpException Fails(string model, int w = 64, int h = 48, DepthOptions? o = null) =>
        Assert.Throws<DpException>(() => _engine.EstimateDepth(model, Photos.Random(w, h, 1), o ?? new DepthOptions(), Progress.None))!;

    static void Expect(DpException e, DpStatus status, params string[] words)
    {
        Assert.That(e.Status, Is.EqualTo(status), e.Message);
        foreach (var w in words) Assert.That(e.Message, Does.Contain(w).IgnoreCase);
    }

    [Test]
    public void MissingFile_IsIo() => Expect(Fails(Path.Combine(_dir.Path, "absent.onnx")), DpStatus.Io, "does not exist");

    [Test]
    public void Folder_IsIo() => Expect(Fails(_dir.Path + "/"), DpStatus.Io, "folder");

    [Test]
    public void TextFile_IsModel() => Expect(Fails(_dir.WriteText("text.onnx", "hello, not protobuf\n")), DpStatus.Model, "cannot load", "ONNX");

    [Test]
    public void TruncatedFile_IsModel()
    {
        var whole = FixtureModels.LinearFixed(256, 256, [1f, 1f, 1f], 0f);
        Expect(Fails(_dir.Write("trunc.onnx", whole[..(whole.Length * 2 / 3)])), DpStatus.Model, "cannot load");
    }

    [Test]
    public void EmptyFile_IsModel() => Expect(Fails(_dir.Write("empty.onnx", [])), DpStatus.Model);

    [Test]
    public void InputRank3_IsModel() => Expect(Fails(_dir.Write("rank3.onnx", FixtureModels.Identity(3, 256, 256))), DpStatus.Model, "rank 3");

    [Test]
    public void OneChannelInput_IsModel() => Expect(Fails(_dir.Write("c1.onnx", FixtureModels.Identity(1, 1, 256, 256))), DpStatus.Model, "1 channels", "expected 3");

    [Test]
    public void ThreeChannelOutput_IsModel() => Expect(Fails(_dir.Write("out3.onnx", FixtureModels.Identity(1, 3, 256, 256))), DpStatus.Model, "output", "1×3×256×256");

    /// <summary>A dynamic model whose output shape only shows at run time (1×3×h×w) is rejected after the run.</summary>
    [Test]
    public void DynamicBadOutput_IsModelAfterRun() =>
        Expect(Fails(_dir.Write("dynout.onnx", FixtureModels.Identity(1, 3, "h", "w")), 70, 56), DpStatus.Model, "output", "1×3×");

    [Test]
    public void NaNOutput_IsNumeric() => Expect(Fails(_dir.Write("nan.onnx", FixtureModels.NaNOutput(256, 256))), DpStatus.Numeric, "NaN");

    [Test]
    public void InfiniteOutput_IsNumeric() => Expect(Fails(_dir.Write("inf.onnx", FixtureModels.DivByZero(256, 256))), DpStatus.Numeric, "infinite");

    [TestCase(15, 40)]
    [TestCase(40, 15)]
    [TestCase(1, 1)]
    public void TinyImage_IsInvalidArgument(int w, int h) =>
        Expect(Fails(_dir.Write("ok.onnx", FixtureModels.LinearFixed(256, 256, [1f, 1f, 1f], 0f)), w, h), DpStatus.InvalidArgument, "too small");

    [Test]
    public void SizeOverrideOnFixedModel_IsInvalidArgument() =>
        Expect(Fails(_dir.Write("fixed.onnx", FixtureModels.LinearFixed(256, 256, [1f, 1f, 1f], 0f)), o: new DepthOptions { InputSize = 384 }),
            DpStatus.InvalidArgument, "fixed 256x256");

    [TestCase(-0.1f, 0.9f)]
    [TestCase(0.5f, 0.5f)]
    [TestCase(0.1f, 1.5f)]
    [TestCase(float.NaN, 0.9f)]
    public void BadClipQuantiles_AreInvalidArgument(float lo, float hi) =>
        Expect(Fails("whatever.onnx", o: new DepthOptions { ClipLow = lo, ClipHigh = hi }), DpStatus.InvalidArgument, "clip");

    [Test]
    public void UnavailableProvider_IsUnsupported() =>
        Expect(Fails(_dir.Write("prov.onnx", FixtureModels.LinearFixed(256, 256, [1f, 1f, 1f], 0f)), o: new DepthOptions { Provider = ExecutionProvider.Cuda }),
            DpStatus.Unsupported, "Cuda", "not available");

    [Test]
    public void BrokenSidecar_IsModel()
    {
        var dir = Path.Combine(_dir.Path, "side");
        Directory.CreateDirectory(dir);
        var m = Path.Combine(dir, "m.onnx");
        File.WriteAllBytes(m, FixtureModels.LinearFixed(256, 256, [1f, 1f, 1f], 0f));
        File.WriteAllText(Path.Combine(dir, "m.json"), "{ \"resize\": \"letterbox\", ");
        Expect(Fails(m), DpStatus.Model, "m.json", "invalid");
    }
}

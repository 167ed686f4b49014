using System.Text;
using DepthPlugins.Core;
using NUnit.Framework;

namespace DepthPlugins.Inference.Tests;

/// <summary>The manifest and checksum verification, on local files only (nothing is downloaded).</summary>
[NonParallelizable] // sets XDG_DATA_HOME for the process
public class ModelCatalogTests
{
    TempDir _dir = null!;
    string? _savedXdg;

    [SetUp]
    public void Setup()
    {
        _dir = new TempDir();
        _savedXdg = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        Environment.SetEnvironmentVariable("XDG_DATA_HOME", _dir.Path);
    }

    [TearDown]
    public void TearDown()
    {
        Environment.SetEnvironmentVariable("XDG_DATA_HOME", _savedXdg);
        _dir.Dispose();
    }

    string InstallDir()
    {
        var d = Path.Combine(_dir.Path, "depthplugins", "models");
        Directory.CreateDirectory(d);
        return d;
    }

    [Test]
    public void Manifest_EntriesAreWellFormed()
    {
        Assert.That(ModelCatalog.Models.Select(m => m.Name), Is.Unique);
        Assert.That(ModelCatalog.Models.Select(m => m.FileName), Is.Unique);
        foreach (var m in ModelCatalog.Models)
        {
            Assert.That(m.Url, Does.StartWith("https://"), m.Name);
            Assert.That(m.Sha256, Does.Match("^([0-9a-f]{64})?$"), m.Name);
            Assert.That(m.Licence, Is.Not.Empty, m.Name);
        }
        Assert.That(ModelCatalog.Models.Any(m => m.Sha256.Length == 0), "an entry without a published checksum exists (and verify must say so)");
    }

    [Test]
    public void ModelDirectory_FollowsXdgDataHome() =>
        Assert.That(ModelCatalog.ModelDirectory, Is.EqualTo(Path.Combine(_dir.Path, "depthplugins", "models")));

    [Test]
    public void Sha256_OfKnownBytes()
    {
        // FIPS 180-2 test vector: SHA-256("abc").
        var f = _dir.Write("abc.bin", Encoding.ASCII.GetBytes("abc"));
        Assert.That(ModelCatalog.Sha256Of(f), Is.EqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    }

    [Test]
    public void Verify_UnknownFile_ReportsItsChecksum()
    {
        var f = _dir.Write("mine.onnx", Encoding.ASCII.GetBytes("abc"));
        var (r, m, sha) = ModelCatalog.Verify(f);
        Assert.That(r, Is.EqualTo(VerifyResult.Unknown));
        Assert.That(m, Is.Null);
        Assert.That(sha, Does.StartWith("ba7816bf"));
    }

    [Test]
    public void Verify_AgainstAnEntry_MatchesOrNot()
    {
        var f = _dir.Write("x.onnx", Encoding.ASCII.GetBytes("abc"));
        var good = new KnownModel("t", ModelFamily.DepthAnything, "x.onnx", "https://example.invalid/x", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "3 B", "MIT", "");
        Assert.That(ModelCatalog.Verify(f, good).Result, Is.EqualTo(VerifyResult.Verified));
        Assert.That(ModelCatalog.Verify(f, good with { Sha256 = new string('0', 64) }).Result, Is.EqualTo(VerifyResult.Mismatch));
        Assert.That(ModelCatalog.Verify(f, good with { Sha256 = "" }).Result, Is.EqualTo(VerifyResult.NoPublishedChecksum));
    }

    [Test]
    public void Verify_ByFileName_WhenNoChecksumIsPublished()
    {
        var entry = ModelCatalog.Models.First(m => m.Sha256.Length == 0);
        var f = _dir.Write(entry.FileName, [1, 2, 3]);
        var (r, m, _) = ModelCatalog.Verify(f);
        Assert.That(r, Is.EqualTo(VerifyResult.NoPublishedChecksum));
        Assert.That(m, Is.EqualTo(entry));
    }

    [Test]
    public void Verify_ByFileName_WrongContent_IsMismatch()
    {
        var entry = ModelCatalog.Models.First(m => m.Sha256.Length != 0);
        var f = _dir.Write(entry.FileName, [1, 2, 3]);
        Assert.That(ModelCatalog.Verify(f).Result, Is.EqualTo(VerifyResult.Mismatch));
    }

    [Test]
    public void Resolve_PathsPassThrough()
    {
        Assert.That(ModelCatalog.Resolve("/some/where/model.onnx"), Is.EqualTo("/some/where/model.onnx"));
        Assert.That(ModelCatalog.Resolve("model.onnx"), Is.EqualTo("model.onnx"));
    }

    [Test]
    public void Resolve_NameNotInstalled_IsIoWithTheUrl()
    {
        var entry = ModelCatalog.Models[0];
        var e = Assert.Throws<DpException>(() => ModelCatalog.Resolve(entry.Name))!;
        Assert.That(e.Status, Is.EqualTo(DpStatus.Io));
        Assert.That(e.Message, Does.Contain("not installed").And.Contain(entry.Url).And.Contain(InstallDir()));
    }

    [Test]
    public void Resolve_UnknownName_IsIo()
    {
        var e = Assert.Throws<DpException>(() => ModelCatalog.Resolve("no-such-model"))!;
        Assert.That(e.Status, Is.EqualTo(DpStatus.Io));
        Assert.That(e.Message, Does.Contain("neither a file nor a known model name"));
    }

    [Test]
    public void Resolve_InstalledButCorrupt_IsModel()
    {
        var entry = ModelCatalog.Models.First(m => m.Sha256.Length != 0);
        File.WriteAllBytes(Path.Combine(InstallDir(), entry.FileName), [9, 9, 9]);
        var e = Assert.Throws<DpException>(() => ModelCatalog.Resolve(entry.Name))!;
        Assert.That(e.Status, Is.EqualTo(DpStatus.Model));
        Assert.That(e.Message, Does.Contain("SHA-256"));
    }

    [Test]
    public void Resolve_InstalledWithoutPublishedChecksum_ResolvesToTheFile()
    {
        var entry = ModelCatalog.Models.First(m => m.Sha256.Length == 0);
        var f = Path.Combine(InstallDir(), entry.FileName);
        File.WriteAllBytes(f, [1]);
        Assert.That(ModelCatalog.Resolve(entry.Name.ToUpperInvariant()), Is.EqualTo(f));
    }
}

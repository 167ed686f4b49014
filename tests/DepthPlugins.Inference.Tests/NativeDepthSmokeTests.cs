using System.Diagnostics;
using DepthPlugins.Fixtures;
using NUnit.Framework;

namespace DepthPlugins.Inference.Tests;

/// <summary>
/// Runs tests/native/depth_smoke.py (Python ctypes, working directory /tmp) against the published NativeAOT library in
/// artifacts/native: ONNX Runtime must load from beside libdepthplugins.so, results and error statuses must match.
/// Skipped with a message when the library has not been published (dotnet publish src/DepthPlugins.Native -c Release
/// -r linux-x64 -o artifacts/native) or python3 is missing.
/// </summary>
public class NativeDepthSmokeTests
{
    [Test]
    public void PublishedLibrary_FromAnotherDirectory()
    {
        if (!OperatingSystem.IsLinux()) Assert.Ignore("the smoke script targets the Linux .so");
        var root = TestContext.CurrentContext.TestDirectory;
        while (root != null && !File.Exists(Path.Combine(root, "DepthPlugins.sln"))) root = Path.GetDirectoryName(root);
        Assert.That(root, Is.Not.Null, "repository root not found");
        var lib = Path.Combine(root!, "artifacts", "native", "libdepthplugins.so");
        if (!File.Exists(lib)) Assert.Ignore($"{lib} not published; run dotnet publish src/DepthPlugins.Native -c Release -r linux-x64 -o artifacts/native");
        using var dir = new TempDir();
        FixtureModels.WriteAll(dir.Path);
        var psi = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = "/tmp" };
        psi.ArgumentList.Add(Path.Combine(root!, "tests", "native", "depth_smoke.py"));
        psi.ArgumentList.Add(lib);
        psi.ArgumentList.Add(dir.Path);
        Process p;
        try { p = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception) { Assert.Ignore("python3 is not installed"); return; }
        string stdout = p.StandardOutput.ReadToEnd(), stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.That(p.ExitCode, Is.EqualTo(0), stdout + stderr);
        TestContext.Out.WriteLine(stdout);
    }
}

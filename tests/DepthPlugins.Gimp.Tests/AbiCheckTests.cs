using NUnit.Framework;

namespace DepthPlugins.Gimp.Tests;

/// <summary>
/// The plug-in refuses to run with a library older than the header it was built with: built here against a copy of
/// the header that claims ABI 99, it must answer every call with an execution error that says so (in GIMP 2.10; the
/// check is the shared dpg_check_library, which the GIMP 3 front end calls the same way).
/// </summary>
[NonParallelizable]
public sealed class AbiCheckTests
{
    [Test]
    public void PluginBuiltForANewerAbi_RefusesToRunWithAMessage()
    {
        using var gimp = Gimp2.Create();
        string src = Path.Combine(gimp.WorkDir, "src");
        string plugin = Path.Combine(gimp.Profile, "plug-ins", "depthplugins");
        Directory.CreateDirectory(Path.Combine(src, "native", "include"));
        Directory.CreateDirectory(Path.Combine(gimp.Profile, "gradients"));
        string header = File.ReadAllText(Path.Combine(Repo.Root, "native", "include", "depthplugins.h"));
        var abi = new System.Text.RegularExpressions.Regex(@"#define DP_ABI_VERSION \d+u");
        Assert.That(abi.IsMatch(header), "the header defines DP_ABI_VERSION");
        File.WriteAllText(Path.Combine(src, "native", "include", "depthplugins.h"), abi.Replace(header, "#define DP_ABI_VERSION 99u"));
        foreach (var dir in new[] { "common", "gimp2" })
        {
            Directory.CreateDirectory(Path.Combine(src, "native", "gimp", dir));
            foreach (var f in Directory.GetFiles(Path.Combine(Repo.Root, "native", "gimp", dir)))
                File.Copy(f, Path.Combine(src, "native", "gimp", dir, Path.GetFileName(f)));
        }
        File.Copy(Path.Combine(Repo.Root, "native", "gimp", "Makefile"), Path.Combine(src, "native", "gimp", "Makefile"));
        Repo.Must("make", "-s", "-C", Path.Combine(src, "native", "gimp"), "GIMP=2", $"DP_LIB_DIR={Repo.NativeDir}", $"OUT={plugin}");

        string script = new ScriptFu(Gimp3: false)
            .Case("abi", $"(let ((img (dp-load {ScriptFu.Quote(Path.Combine(Repo.Root, "samples", "scene.png"))}))) " +
                         "(plug-in-depthplugins-refine-depth RUN-NONINTERACTIVE img (dp-layer img 0) (dp-layer img 0) 0 3))")
            .Build();
        var (code, output) = gimp.Batch(script);
        var report = new ScriptFu.Report(output);
        Assert.That(code, Is.EqualTo(0), output);
        Assert.That(report.Outcome("abi"), Is.EqualTo("failed"), output);
        Assert.That(report.Errors("abi"), Has.Length.EqualTo(1), output);
        Assert.That(report.Errors("abi")[0], Does.Contain("is older than the plug-in (ABI 99)"));
    }
}

using NUnit.Framework;

namespace DepthPlugins.Gimp.Tests;

/// <summary>
/// installers/gimp/install.sh on its own, without a GIMP: into and out of temporary GIMP 2.10 and 3.0 profiles (found
/// because their folders exist), from a stand-in build (`/bin/true` as the plug-in, empty libraries). The GIMP tests
/// install the real build the same way and run it.
/// </summary>
public class InstallerTests
{
    string _root = "";
    Dictionary<string, string?> _env = [];

    [SetUp]
    public void StandInBuildAndProfiles()
    {
        _root = Path.Combine(Path.GetTempPath(), "dp-installer-" + Guid.NewGuid().ToString("N"));
        foreach (var build in new[] { "gimp2", "gimp3" })
        {
            string dir = Path.Combine(_root, "build", build);
            Directory.CreateDirectory(dir);
            File.Copy("/bin/true", Path.Combine(dir, "depthplugins"));
            foreach (var lib in new[] { "libdepthplugins.so", "libonnxruntime.so", "libdepthplugins.so.dbg" })
                File.WriteAllText(Path.Combine(dir, lib), "");
        }
        Directory.CreateDirectory(Path.Combine(_root, "profile2"));
        Directory.CreateDirectory(Path.Combine(_root, "profile3"));
        // HOME too, so that no real (or Flatpak) profile of whoever runs the tests is touched.
        Directory.CreateDirectory(Path.Combine(_root, "home"));
        _env = new()
        {
            ["HOME"] = Path.Combine(_root, "home"),
            ["XDG_CONFIG_HOME"] = Path.Combine(_root, "home", ".config"),
            ["GIMP2_DIRECTORY"] = Path.Combine(_root, "profile2"),
            ["GIMP3_DIRECTORY"] = Path.Combine(_root, "profile3"),
            ["PATH"] = ToolsOnly(), // no gimp programs on PATH (this machine may have one): only the profile folders count
        };
    }

    /// <summary>A PATH folder with links to the tools the script uses and nothing else.</summary>
    string ToolsOnly()
    {
        string bin = Path.Combine(_root, "bin");
        Directory.CreateDirectory(bin);
        foreach (var tool in new[] { "bash", "dirname", "sed", "find", "cp", "mkdir", "chmod", "rm", "ldd", "awk", "tr" })
        {
            string? found = new[] { "/usr/bin", "/bin" }.Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists);
            if (found != null) File.CreateSymbolicLink(Path.Combine(bin, tool), found);
        }
        return bin;
    }

    [TearDown]
    public void Clean()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    (int Code, string Output) Install(params string[] extra) =>
        Repo.Run("bash", ["installers/gimp/install.sh", "--from", Path.Combine(_root, "build"), .. extra], _env);

    string PluginDir(string profile) => Path.Combine(_root, profile, "plug-ins", "depthplugins");

    [Test]
    public void InstallsIntoEveryProfileThenUninstallRemovesOnlyThePlugIn()
    {
        var (code, output) = Install();
        Assert.That(code, Is.EqualTo(0), output);
        foreach (var profile in new[] { "profile2", "profile3" })
        {
            string dir = PluginDir(profile);
            Assert.That(File.Exists(Path.Combine(dir, "depthplugins")), $"{profile}: plug-in executable\n{output}");
            Assert.That(File.Exists(Path.Combine(dir, "libdepthplugins.so")), $"{profile}: library");
            Assert.That(File.Exists(Path.Combine(dir, "libonnxruntime.so")), $"{profile}: ONNX Runtime");
            Assert.That(File.Exists(Path.Combine(dir, "libdepthplugins.so.dbg")), Is.False, $"{profile}: debug symbols are not installed");
            if (!OperatingSystem.IsWindows()) // the installer is a Linux script; the check keeps the analyser content
                Assert.That(File.GetUnixFileMode(Path.Combine(dir, "depthplugins")).HasFlag(UnixFileMode.UserExecute), $"{profile}: executable bit");
        }
        // Something of the user's beside the plug-in must survive the uninstall.
        string other = Path.Combine(_root, "profile3", "plug-ins", "someone-elses", "plugin");
        Directory.CreateDirectory(Path.GetDirectoryName(other)!);
        File.WriteAllText(other, "keep me");

        (code, output) = Install("--uninstall");
        Assert.That(code, Is.EqualTo(0), output);
        Assert.That(Directory.Exists(PluginDir("profile2")), Is.False, output);
        Assert.That(Directory.Exists(PluginDir("profile3")), Is.False, output);
        Assert.That(File.ReadAllText(other), Is.EqualTo("keep me"));
        Assert.That(Directory.Exists(Path.Combine(_root, "profile2")), "the profile itself stays");

        // Uninstalling again finds nothing to remove and still succeeds.
        (code, output) = Install("--uninstall");
        Assert.That(code, Is.EqualTo(0), output);
        Assert.That(output, Does.Contain("nothing installed"));
    }

    [Test]
    public void MissingBuildIsAClearFailure()
    {
        Directory.Delete(Path.Combine(_root, "build", "gimp3"), recursive: true);
        var (code, output) = Install();
        Assert.That(code, Is.EqualTo(1));
        Assert.That(output, Does.Contain("no GIMP 3 plug-in was built"));
    }

    [Test]
    public void NoGimpAtAllIsAClearFailure()
    {
        Directory.Delete(Path.Combine(_root, "profile2"));
        Directory.Delete(Path.Combine(_root, "profile3"));
        var (code, output) = Install();
        Assert.That(code, Is.EqualTo(1));
        Assert.That(output, Does.Contain("No GIMP found"));
    }
}

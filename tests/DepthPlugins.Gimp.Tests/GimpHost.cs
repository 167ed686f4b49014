using NUnit.Framework;

namespace DepthPlugins.Gimp.Tests;

/// <summary>
/// One GIMP to test in: builds the plug-in for it, installs it with installers/gimp/install.sh into a temporary
/// profile (GIMP2_DIRECTORY / GIMP3_DIRECTORY and HOME point into the work folder, so no real profile is touched)
/// and runs Script-Fu batches headless. Files for GIMP go in <see cref="WorkDir"/>; <see cref="InGimp"/> maps a
/// path there to the path GIMP sees.
/// </summary>
abstract class GimpHost : IDisposable
{
    public abstract string Version { get; }
    public abstract ScriptFu Dialect { get; }
    /// <summary>Host path of the folder shared with GIMP (inputs, outputs, profile).</summary>
    public string WorkDir { get; protected init; } = "";
    public string Profile => Path.Combine(WorkDir, "profile");
    public abstract string InGimp(string hostPath);
    public abstract void BuildAndInstall();
    /// <summary>Runs one Script-Fu expression in a fresh headless GIMP and quits; returns exit code and output.</summary>
    public abstract (int Code, string Output) Batch(string script);

    /// <summary>DEPTHPLUGINS_BACKEND for the plug-in; the tests compare with the CLI's CPU result.</summary>
    protected abstract string Backend { get; }

    public static GimpHost Create(string version) => version switch
    {
        "2.10" => Gimp2.Create(),
        "3.0" => Gimp3.Create(),
        _ => throw new ArgumentException(version),
    };

    public virtual void Dispose()
    {
        try { Directory.Delete(WorkDir, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    protected static void Check((int Code, string Output) r, string what)
    {
        if (r.Code != 0) Assert.Fail($"{what} failed ({r.Code}):\n{r.Output}");
    }
}

/// <summary>GIMP 2.10 on this machine (Debian: gimp, libgimp2.0-dev).</summary>
sealed class Gimp2 : GimpHost
{
    public override string Version => "2.10";
    public override ScriptFu Dialect { get; } = new(Gimp3: false);
    // This machine may have a GPU (then Auto would pick Vulkan, within 1e-4 of the CPU): pin the CPU.
    protected override string Backend => "cpu";

    public static Gimp2 Create()
    {
        if (!Repo.OnPath("gimp-console-2.10")) Repo.Unavailable("GIMP 2.10 is not installed (gimp-console-2.10 not on PATH; Debian: apt-get install gimp libgimp2.0-dev)");
        if (Repo.Run("pkg-config", ["--exists", "gimp-2.0"]).Code != 0) Repo.Unavailable("libgimp2.0-dev is not installed (pkg-config gimp-2.0 fails)");
        return new Gimp2 { WorkDir = Directory.CreateTempSubdirectory("dp_gimp2_").FullName };
    }

    public override string InGimp(string hostPath) => hostPath;

    Dictionary<string, string?> Env() => new()
    {
        ["HOME"] = Path.Combine(WorkDir, "home"),
        ["XDG_CONFIG_HOME"] = Path.Combine(WorkDir, "home", ".config"),
        ["GIMP2_DIRECTORY"] = Profile,
        ["GIMP3_DIRECTORY"] = null,
        ["DEPTHPLUGINS_BACKEND"] = Backend,
    };

    public override void BuildAndInstall()
    {
        Check(Repo.Run("make", ["-s", "-C", "native/gimp", "GIMP=2"]), "make -C native/gimp GIMP=2");
        Directory.CreateDirectory(Path.Combine(WorkDir, "home"));
        Directory.CreateDirectory(Path.Combine(Profile, "gradients")); // GIMP 2.10 saves into it at exit
        var r = Repo.Run("bash", ["installers/gimp/install.sh"], Env());
        Check(r, "installers/gimp/install.sh");
        Assert.That(r.Output, Does.Contain($"GIMP 2.10: installed into {Profile}/plug-ins/depthplugins"));
    }

    public override (int Code, string Output) Batch(string script) =>
        Repo.Run("gimp-console-2.10", ["-i", "-d", "-f", "-b", script, "-b", "(gimp-quit 0)"], Env(), 300, WorkDir);
}

/// <summary>GIMP 3.0 in a Debian 13 root (tools/gimp3-root.sh; needs root and, the first time, a Debian mirror).</summary>
sealed class Gimp3 : GimpHost
{
    public override string Version => "3.0";
    public override ScriptFu Dialect { get; } = new(Gimp3: true);
    // The root has no Vulkan loader or driver: the default backend must fall back to the CPU without an error
    // ("no Vulkan is not an error"), which the exact agreement with the CLI's CPU result then shows.
    protected override string Backend => "auto";
    static string Script => Path.Combine(Repo.Root, "tools", "gimp3-root.sh");
    string _rootDir = "";

    public static Gimp3 Create()
    {
        if (Environment.UserName != "root" && Repo.Run("id", ["-u"]).Output.Trim() != "0")
            Repo.Unavailable("the GIMP 3 tests build a Debian 13 root with GIMP 3, which needs root (debootstrap, chroot, mount)");
        string rootDir = Repo.Run("bash", [Script, "path"]).Output.Trim();
        if (!File.Exists(Path.Combine(rootDir, ".depthplugins-root")) && !Repo.OnPath("debootstrap") && !File.Exists("/usr/sbin/debootstrap"))
            Repo.Unavailable($"GIMP 3 is not available: no root at {rootDir} and debootstrap is not installed (apt-get install debootstrap)");
        var (code, output) = Repo.Run("bash", [Script, "ensure"], timeoutSeconds: 900);
        if (code != 0) Assert.Fail($"creating the GIMP 3 root failed ({code}):\n{output}");
        string name = $"dp_gimp3_{Environment.ProcessId}_{Guid.NewGuid():N}"[..24];
        var host = new Gimp3 { _rootDir = rootDir, WorkDir = Path.Combine(rootDir, "tmp", name) };
        Directory.CreateDirectory(host.WorkDir);
        return host;
    }

    public override string InGimp(string hostPath)
    {
        string rel = Path.GetRelativePath(_rootDir, hostPath);
        if (rel.StartsWith("..")) throw new ArgumentException($"{hostPath} is outside the GIMP 3 root");
        return "/" + rel;
    }

    string[] Env() =>
    [
        "env", $"HOME={InGimp(WorkDir)}/home", $"XDG_CONFIG_HOME={InGimp(WorkDir)}/home/.config",
        $"GIMP3_DIRECTORY={InGimp(Profile)}", $"DEPTHPLUGINS_BACKEND={Backend}",
    ];

    public override void BuildAndInstall()
    {
        Check(Repo.Run("bash", [Script, "build"]), "tools/gimp3-root.sh build");
        // The installer runs inside the root, as a user of that system would run it, from a copy of the bundle.
        string bundle = Path.Combine(WorkDir, "bundle");
        CopyDir(Path.Combine(Repo.Root, "artifacts", "gimp", "gimp3"), Path.Combine(bundle, "gimp3"));
        File.Copy(Path.Combine(Repo.Root, "installers", "gimp", "install.sh"), Path.Combine(bundle, "install.sh"));
        Directory.CreateDirectory(Path.Combine(WorkDir, "home"));
        var r = Repo.Run("bash", [Script, "run", .. Env(), "bash", InGimp(Path.Combine(bundle, "install.sh"))]);
        Check(r, "install.sh inside the GIMP 3 root");
        Assert.That(r.Output, Does.Contain($"GIMP 3: installed into {InGimp(Profile)}/plug-ins/depthplugins"));
    }

    public override (int Code, string Output) Batch(string script) =>
        // --quit: GIMP 3 stops at a failing batch command and would otherwise keep running.
        Repo.Run("bash", [Script, "run", .. Env(), "gimp-console-3.0", "-i", "-d", "-f", "--quit",
                          "--batch-interpreter=plug-in-script-fu-eval", "-b", script, "-b", "(gimp-quit 0)"], timeoutSeconds: 300);

    static void CopyDir(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)), true);
    }
}

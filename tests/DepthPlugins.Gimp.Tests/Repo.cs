using System.Diagnostics;
using NUnit.Framework;

namespace DepthPlugins.Gimp.Tests;

/// <summary>Where the repository and its published artifacts are, running tools, and the CI skip/fail policy.</summary>
static class Repo
{
    public static string Root { get; } = FindRoot();
    public static string NativeDir => Path.Combine(Root, "artifacts", "native");
    public static string Cli => Path.Combine(Root, "artifacts", "cli", "depthplugins");

    /// <summary>CI sets CI=true: there a missing GIMP is a broken build, not a reason to skip.</summary>
    public static bool IsCi
    {
        get
        {
            string? ci = Environment.GetEnvironmentVariable("CI");
            return !string.IsNullOrEmpty(ci) && ci != "0" && !ci.Equals("false", StringComparison.OrdinalIgnoreCase);
        }
    }

    /// <summary>Skips (developer machine) or fails (CI) when a GIMP cannot be run here.</summary>
    public static void Unavailable(string why)
    {
        if (IsCi) Assert.Fail($"{why} — CI is set, so the GIMP tests must run (.ci/run installs what they need)");
        Assert.Ignore($"{why} (set CI=true to make this a failure)");
    }

    static string FindRoot()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d != null && !File.Exists(Path.Combine(d.FullName, "DepthPlugins.sln"))) d = d.Parent;
        return d?.FullName ?? throw new InvalidOperationException("repository root not found above " + AppContext.BaseDirectory);
    }

    public static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, program)));

    /// <summary>Runs a program (arguments passed as a list, no shell) and returns its exit code and combined output.</summary>
    public static (int Code, string Output) Run(string file, IEnumerable<string> args, Dictionary<string, string?>? env = null,
                                                int timeoutSeconds = 600, string? workDir = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workDir ?? Root,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (env != null)
            foreach (var (k, v) in env)
                if (v == null) psi.Environment.Remove(k); else psi.Environment[k] = v;
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutSeconds * 1000))
        {
            p.Kill(true);
            p.WaitForExit();
            return (-1, $"{file} {string.Join(' ', args)} did not finish in {timeoutSeconds} s\n{stdout.Result}{stderr.Result}");
        }
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>Runs a program that must succeed.</summary>
    public static string Must(string file, params string[] args)
    {
        var (code, output) = Run(file, args);
        if (code != 0) Assert.Fail($"{file} {string.Join(' ', args)} failed ({code}):\n{output}");
        return output;
    }
}

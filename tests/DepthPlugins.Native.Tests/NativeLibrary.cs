using System.Diagnostics;
using NUnit.Framework;

namespace DepthPlugins.Native.Tests;

/// <summary>Where the published library and the repository are, and a helper to run tools.</summary>
static class Paths
{
    public static string RepoRoot { get; } = FindRoot();
    public static string NativeDir => Path.Combine(RepoRoot, "artifacts", "native");
    public static string Library => Path.Combine(NativeDir, "libdepthplugins.so");
    public static string Header => Path.Combine(RepoRoot, "native", "include", "depthplugins.h");

    static string FindRoot()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d != null && !File.Exists(Path.Combine(d.FullName, "DepthPlugins.sln"))) d = d.Parent;
        return d?.FullName ?? throw new InvalidOperationException("repository root not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Fails (not skips) when the library is missing: the test command publishes it, so absence is a broken build.</summary>
    public static void RequireLibrary()
    {
        if (!File.Exists(Library))
            Assert.Fail($"{Library} is missing: publish it first (./dp test does: dotnet publish src/DepthPlugins.Native -c Release -r linux-x64 -o artifacts/native)");
    }

    public static (int Code, string Output) Run(string file, string args, string? workDir = null, Dictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo(file, args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workDir ?? RepoRoot,
        };
        if (env != null) foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(600_000)) { p.Kill(true); Assert.Fail($"{file} {args} did not finish in 10 minutes"); }
        return (p.ExitCode, stdout.Result + stderr.Result);
    }
}

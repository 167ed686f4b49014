using System.Diagnostics;
using NUnit.Framework;

namespace DepthPlugins.Cli.Tests;

/// <summary>Runs the published NativeAOT CLI as a user would.</summary>
static class CliRunner
{
    public static string RepoRoot { get; } = FindRoot();
    public static string Exe => Path.Combine(RepoRoot, "artifacts", "cli", "depthplugins");

    static string FindRoot()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d != null && !File.Exists(Path.Combine(d.FullName, "DepthPlugins.sln"))) d = d.Parent;
        return d?.FullName ?? throw new InvalidOperationException("repository root not found");
    }

    public static void RequireExe()
    {
        if (!File.Exists(Exe))
            Assert.Fail($"{Exe} is missing: the test command (./dp test) publishes it first (dotnet publish src/DepthPlugins.Cli -c Release -r linux-x64 -o artifacts/cli)");
    }

    public sealed record Result(int Code, string Out, string Err);

    public static Result Run(params string[] args)
    {
        var psi = new ProcessStartInfo(Exe) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepoRoot };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(300_000)) { p.Kill(true); Assert.Fail("CLI did not finish in 5 minutes"); }
        return new Result(p.ExitCode, o.Result, e.Result);
    }
}

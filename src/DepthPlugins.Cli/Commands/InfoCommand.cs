using DepthPlugins.Engine;

namespace DepthPlugins.Cli.Commands;

/// <summary><c>depthplugins info</c>: versions and what this machine can run.</summary>
sealed class InfoCommand : ICommand
{
    public CommandSpec Spec { get; } = new("info", "show version, ABI version and available backends", [], []);

    public int Run(ParsedArgs args)
    {
        Console.Out.WriteLine(Version.Text);
        Console.Out.WriteLine($"abi version: {AbiInfo.Version}");
        Console.Out.WriteLine($"cpu: {Environment.ProcessorCount} threads");
        using var auto = new Engine.Engine(new EngineOptions { Backend = BackendKind.Auto });
        Console.Out.WriteLine($"default backend: {auto.BackendName}");
        return 0;
    }
}

using DepthPlugins.Engine;

namespace DepthPlugins.Cli.Commands;

/// <summary><c>depthplugins info</c>: versions and what this machine can run.</summary>
sealed class InfoCommand : ICommand
{
    public CommandSpec Spec { get; } = new("info", "show version, ABI version, Vulkan devices and the default backend", [], []);

    public int Run(ParsedArgs args)
    {
        Console.Out.WriteLine(Version.Text);
        Console.Out.WriteLine($"abi version: {AbiInfo.Version}");
        Console.Out.WriteLine($"cpu: {Environment.ProcessorCount} threads");
        var (devices, error) = Engine.Engine.ListDevices();
        if (devices.Count == 0) Console.Out.WriteLine($"vulkan devices: none ({error ?? "no device found"})");
        else
        {
            Console.Out.WriteLine("vulkan devices:");
            foreach (var d in devices)
                Console.Out.WriteLine($"  {d.Index}: {d.Name} ({d.Type}, {d.Driver}, Vulkan {d.ApiVersion}, {d.DeviceLocalBytes >> 20} MiB device-local)");
        }
        using var auto = new Engine.Engine(new EngineOptions { Backend = BackendKind.Auto });
        Console.Out.WriteLine($"default backend: {auto.BackendName}{(auto.BackendNote != null ? $" ({auto.BackendNote})" : "")}");
        return 0;
    }
}

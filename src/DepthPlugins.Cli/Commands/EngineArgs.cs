using DepthPlugins.Engine;

namespace DepthPlugins.Cli.Commands;

/// <summary>Builds the engine from the common --backend/--threads options.</summary>
static class EngineArgs
{
    public static Engine.Engine Create(ParsedArgs args)
    {
        var backend = args.Get("backend") switch
        {
            "cpu" => BackendKind.Cpu,
            "vulkan" => BackendKind.Vulkan,
            _ => BackendKind.Auto,
        };
        int threads = args.Int("threads");
        if (threads < 0) throw new UsageException("--threads must be ≥ 0");
        return new Engine.Engine(new EngineOptions { Backend = backend, Threads = threads });
    }
}

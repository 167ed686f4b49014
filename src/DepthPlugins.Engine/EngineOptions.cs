namespace DepthPlugins.Engine;

/// <summary>Which compute backend a context uses; values equal <c>dp_backend</c> in depthplugins.h.</summary>
public enum BackendKind
{
    /// <summary>Vulkan when a device initialises, else the CPU.</summary>
    Auto = 0,
    Cpu = 1,
    Vulkan = 2,
}

/// <summary>Options of one engine (the managed mirror of <c>dp_context_options</c>).</summary>
public sealed record EngineOptions
{
    public BackendKind Backend { get; init; } = BackendKind.Auto;
    /// <summary>Worker threads for CPU work; 0 = all cores.</summary>
    public int Threads { get; init; }
    /// <summary>Vulkan device by index in enumeration order; −1 = choose (prefer a discrete GPU).</summary>
    public int DeviceIndex { get; init; } = -1;
}

namespace DepthPlugins.Engine;

/// <summary>Which compute backend a context uses; values equal <c>dp_backend</c> in depthplugins.h.</summary>
public enum BackendKind
{
    /// <summary>A Vulkan GPU when one initialises, else the CPU. Software Vulkan devices (lavapipe) count only when
    /// chosen by index or name (here or in DEPTHPLUGINS_VULKAN_DEVICE).</summary>
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
    /// <summary>Vulkan device by name (case-insensitive substring), when <see cref="DeviceIndex"/> is −1. The environment
    /// variable DEPTHPLUGINS_VULKAN_DEVICE (an index or a name) overrides both.</summary>
    public string? DeviceName { get; init; }
    /// <summary>Device memory one GPU operation may use (device-local buffers plus staging); larger images are tiled.</summary>
    public long DeviceMemoryBudgetBytes { get; init; } = 1L << 30;
    /// <summary>When a GPU operation fails for lack of device memory or a lost device, redo it on the CPU instead of failing.</summary>
    public bool FallbackToCpu { get; init; }
}

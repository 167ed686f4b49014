using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using DepthPlugins.Core;
using DepthPlugins.Core.Processing;
using DepthPlugins.Engine;

namespace DepthPlugins.Native;

/// <summary>
/// Library-wide exports. Every export has exactly one try/catch: nothing may unwind into the host.
/// Each per-operation file (Exports.*.cs) follows the same pattern: read and validate, compute into
/// managed memory, and write the caller's output only once everything has succeeded.
/// </summary>
static unsafe partial class Exports
{
    /// <summary>Bumped when a released ABI gains a function, a struct field or an enum value (never for a change that breaks
    /// old callers: those are not allowed). Everything up to the first release is version 1.</summary>
    public const uint AbiVersion = AbiInfo.Version;
    static readonly byte* VersionString = Utf8("depthplugins 0.1.0");

    static byte* Utf8(string s)
    {
        var b = System.Text.Encoding.UTF8.GetBytes(s + "\0");
        var p = (byte*)NativeMemory.Alloc((nuint)b.Length);
        b.AsSpan().CopyTo(new Span<byte>(p, b.Length));
        return p;
    }

    [UnmanagedCallersOnly(EntryPoint = "dp_abi_version")]
    public static uint AbiVersionExport() => AbiVersion;

    [UnmanagedCallersOnly(EntryPoint = "dp_version_string")]
    public static byte* VersionStringExport() => VersionString;

    [UnmanagedCallersOnly(EntryPoint = "dp_last_error_message")]
    public static byte* LastErrorMessage() => LastError.Current;

    [UnmanagedCallersOnly(EntryPoint = "dp_status_string")]
    public static byte* StatusString(int status) => status switch
    {
        (int)DpStatus.Ok => Names.Ok,
        (int)DpStatus.InvalidArgument => Names.InvalidArgument,
        (int)DpStatus.Unsupported => Names.Unsupported,
        (int)DpStatus.Cancelled => Names.Cancelled,
        (int)DpStatus.OutOfMemory => Names.OutOfMemory,
        (int)DpStatus.Io => Names.Io,
        (int)DpStatus.Model => Names.Model,
        (int)DpStatus.Device => Names.Device,
        (int)DpStatus.Numeric => Names.Numeric,
        (int)DpStatus.Internal => Names.Internal,
        _ => Names.Unknown,
    };

    static class Names
    {
        public static readonly byte* Ok = Utf8("DP_OK");
        public static readonly byte* InvalidArgument = Utf8("DP_ERROR_INVALID_ARGUMENT");
        public static readonly byte* Unsupported = Utf8("DP_ERROR_UNSUPPORTED");
        public static readonly byte* Cancelled = Utf8("DP_ERROR_CANCELLED");
        public static readonly byte* OutOfMemory = Utf8("DP_ERROR_OUT_OF_MEMORY");
        public static readonly byte* Io = Utf8("DP_ERROR_IO");
        public static readonly byte* Model = Utf8("DP_ERROR_MODEL");
        public static readonly byte* Device = Utf8("DP_ERROR_DEVICE");
        public static readonly byte* Numeric = Utf8("DP_ERROR_NUMERIC");
        public static readonly byte* Internal = Utf8("DP_ERROR_INTERNAL");
        public static readonly byte* Unknown = Utf8("unknown dp_status");
    }

    const uint ContextOptionsV1 = 16;

    static DpContextOptions ContextDefaults() => new()
    {
        StructSize = (uint)sizeof(DpContextOptions),
        Backend = (int)BackendKind.Auto,
        Threads = 0,
        DeviceIndex = -1,
        DeviceMemoryBudgetMib = DefaultBudgetMib,
        FallbackToCpu = 0,
    };

    const int DefaultBudgetMib = 1024;

    [UnmanagedCallersOnly(EntryPoint = "dp_context_options_default")]
    public static int ContextOptionsDefault(DpContextOptions* options)
    {
        try
        {
            Interop.WriteVersioned(options, ContextOptionsV1, "options", ContextDefaults());
            return 0;
        }
        catch (Exception e) { return LastError.Fail(e, "dp_context_options_default"); }
    }

    [UnmanagedCallersOnly(EntryPoint = "dp_context_create")]
    public static int ContextCreate(DpContextOptions* options, nint* context)
    {
        try
        {
            if (context == null) throw DpException.Invalid("context (the out pointer) is NULL");
            *context = 0;
            var o = ContextDefaults();
            if (options != null) Interop.ReadVersioned(options, ContextOptionsV1, "options", ref o);
            if (o.DeviceMemoryBudgetMib < 0) throw DpException.Invalid($"options.device_memory_budget_mib {o.DeviceMemoryBudgetMib} must be ≥ 0 (0 = default)");
            var engine = new Engine.Engine(new EngineOptions
            {
                Backend = (BackendKind)o.Backend,
                Threads = o.Threads,
                DeviceIndex = o.DeviceIndex,
                DeviceMemoryBudgetBytes = (o.DeviceMemoryBudgetMib == 0 ? DefaultBudgetMib : o.DeviceMemoryBudgetMib) * (1L << 20),
                FallbackToCpu = o.FallbackToCpu != 0,
            });
            *context = Handles.Add(engine);
            return 0;
        }
        catch (Exception e) { return LastError.Fail(e, "dp_context_create"); }
    }

    [UnmanagedCallersOnly(EntryPoint = "dp_context_destroy")]
    public static int ContextDestroy(nint context)
    {
        try
        {
            if (context == 0) return 0;
            var e = Handles.Remove(context) ?? throw DpException.Invalid("context is not a live dp_context (already destroyed?)");
            e.Dispose();
            return 0;
        }
        catch (Exception e) { return LastError.Fail(e, "dp_context_destroy"); }
    }

    [UnmanagedCallersOnly(EntryPoint = "dp_context_backend")]
    public static int ContextBackend(nint context, int* backend)
    {
        try
        {
            var e = Handles.Get(context);
            if (backend == null) throw DpException.Invalid("backend (the out pointer) is NULL");
            *backend = e.BackendName == "cpu" ? (int)BackendKind.Cpu : (int)BackendKind.Vulkan;
            return 0;
        }
        catch (Exception e) { return LastError.Fail(e, "dp_context_backend"); }
    }

    /// <summary>Turns the C progress callback into the engine's; nonzero from the host means cancel.</summary>
    static Progress MakeProgress(delegate* unmanaged<nint, float, int> callback, nint user)
    {
        if (callback == null) return new Progress(null);
        return new Progress(f => callback(user, f) == 0);
    }
}

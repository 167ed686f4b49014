#if DEBUG
using System.Runtime.InteropServices;
using Silk.NET.Vulkan;

namespace DepthPlugins.Vulkan;

/// <summary>Debug builds only: prints validation-layer warnings and errors to stderr.</summary>
sealed unsafe class DebugMessenger : IDisposable
{
    public const string ValidationLayer = "VK_LAYER_KHRONOS_validation";
    public const string Extension = "VK_EXT_debug_utils";

    readonly Vk _vk;
    readonly Instance _instance;
    readonly DebugUtilsMessengerEXT _messenger;
    readonly delegate* unmanaged<Instance, DebugUtilsMessengerEXT, AllocationCallbacks*, void> _destroy;

    public DebugMessenger(Vk vk, Instance instance)
    {
        _vk = vk;
        _instance = instance;
        var create = (delegate* unmanaged<Instance, DebugUtilsMessengerCreateInfoEXT*, AllocationCallbacks*, DebugUtilsMessengerEXT*, Result>)
            vk.GetInstanceProcAddr(instance, "vkCreateDebugUtilsMessengerEXT").Handle;
        _destroy = (delegate* unmanaged<Instance, DebugUtilsMessengerEXT, AllocationCallbacks*, void>)
            vk.GetInstanceProcAddr(instance, "vkDestroyDebugUtilsMessengerEXT").Handle;
        if (create == null) return;
        var ci = new DebugUtilsMessengerCreateInfoEXT
        {
            SType = StructureType.DebugUtilsMessengerCreateInfoExt,
            MessageSeverity = DebugUtilsMessageSeverityFlagsEXT.WarningBitExt | DebugUtilsMessageSeverityFlagsEXT.ErrorBitExt,
            MessageType = DebugUtilsMessageTypeFlagsEXT.ValidationBitExt | DebugUtilsMessageTypeFlagsEXT.PerformanceBitExt,
            // Bool32 is a plain uint in the ABI; UnmanagedCallersOnly methods must return a primitive.
            PfnUserCallback = (delegate* unmanaged[Cdecl]<DebugUtilsMessageSeverityFlagsEXT, DebugUtilsMessageTypeFlagsEXT, DebugUtilsMessengerCallbackDataEXT*, void*, Silk.NET.Core.Bool32>)
                (delegate* unmanaged[Cdecl]<DebugUtilsMessageSeverityFlagsEXT, DebugUtilsMessageTypeFlagsEXT, DebugUtilsMessengerCallbackDataEXT*, void*, uint>)&Callback,
        };
        DebugUtilsMessengerEXT m;
        if (create(instance, &ci, null, &m) == Result.Success) _messenger = m;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    static uint Callback(DebugUtilsMessageSeverityFlagsEXT severity, DebugUtilsMessageTypeFlagsEXT type, DebugUtilsMessengerCallbackDataEXT* data, void* user)
    {
        Console.Error.WriteLine($"[vulkan {severity}] {Marshal.PtrToStringUTF8((nint)data->PMessage)}");
        return 0;
    }

    public void Dispose()
    {
        if (_messenger.Handle != 0 && _destroy != null) _destroy(_instance, _messenger, null);
    }
}
#endif

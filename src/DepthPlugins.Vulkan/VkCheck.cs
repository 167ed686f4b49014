using DepthPlugins.Core;
using Silk.NET.Vulkan;

namespace DepthPlugins.Vulkan;

/// <summary>Turns every VkResult into either success or a <see cref="DpException"/> with a status a host can act on.</summary>
static class VkCheck
{
    /// <summary>Throws unless <paramref name="r"/> is VK_SUCCESS; <paramref name="what"/> names the call for the message.</summary>
    public static void Ok(Result r, string what)
    {
        if (r != Result.Success) throw Error(r, what);
    }

    public static DpException Error(Result r, string what) => r switch
    {
        Result.ErrorOutOfDeviceMemory => new DpException(DpStatus.OutOfMemory,
            $"Vulkan: {what} failed: out of GPU memory (lower the device memory budget or use the CPU backend)"),
        Result.ErrorOutOfHostMemory => new DpException(DpStatus.OutOfMemory, $"Vulkan: {what} failed: out of host memory"),
        Result.ErrorDeviceLost => new DpException(DpStatus.Device,
            $"Vulkan: {what} failed: the device was lost (GPU reset or driver fault); create a new context or use the CPU backend"),
        Result.ErrorIncompatibleDriver => new DpException(DpStatus.Unsupported, $"Vulkan: {what} failed: no compatible Vulkan driver"),
        Result.ErrorInitializationFailed => new DpException(DpStatus.Unsupported, $"Vulkan: {what} failed: the driver could not initialise"),
        _ => new DpException(DpStatus.Device, $"Vulkan: {what} failed with {r}"),
    };
}

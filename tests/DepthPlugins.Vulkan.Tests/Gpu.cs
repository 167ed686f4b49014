using NUnit.Framework;
using DepthPlugins.Core;
using DepthPlugins.Vulkan;

namespace DepthPlugins.Vulkan.Tests;

/// <summary>
/// One Vulkan device for the whole test run (lavapipe in CI). When none can be created the tests fail with the reason,
/// except when DEPTHPLUGINS_SKIP_VULKAN=1, which turns that into a skip with the same reason.
/// </summary>
static class Gpu
{
    static readonly Lazy<(VulkanDevice? Device, string? Error)> Shared = new(() =>
    {
        try { return (new VulkanDevice(new DeviceChoice()), null); }
        catch (DpException e) { return (null, e.Message); }
    });

    public static VulkanDevice Device
    {
        get
        {
            var (d, error) = Shared.Value;
            if (d != null) return d;
            string msg = $"no Vulkan device could be created: {error}";
            if (Environment.GetEnvironmentVariable("DEPTHPLUGINS_SKIP_VULKAN") == "1") Assert.Ignore($"{msg} (skipped: DEPTHPLUGINS_SKIP_VULKAN=1)");
            Assert.Fail($"{msg} Install a Vulkan driver (CI: mesa-vulkan-drivers) or set DEPTHPLUGINS_SKIP_VULKAN=1 to skip.");
            return null!;
        }
    }

    public static VulkanRefineKernels Kernels(long budget = VulkanRefineKernels.DefaultBudgetBytes) => new(Device, budget);
}

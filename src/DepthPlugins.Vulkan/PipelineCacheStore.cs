using Silk.NET.Vulkan;

namespace DepthPlugins.Vulkan;

/// <summary>
/// Persists the driver's pipeline cache between runs (first-run shader compilation can take long on some drivers):
/// $XDG_CACHE_HOME/depthplugins, else ~/.cache/depthplugins (the local application-data folder on Windows), one file per
/// device. A missing, foreign or unwritable cache is only a lost optimisation, never an error.
/// </summary>
static unsafe class PipelineCacheStore
{
    public static string? PathFor(in PhysicalDeviceProperties props)
    {
        string? root = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (string.IsNullOrEmpty(root))
        {
            string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            root = OperatingSystem.IsWindows() || string.IsNullOrEmpty(home)
                ? Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData)
                : Path.Combine(home, ".cache");
        }
        if (string.IsNullOrEmpty(root)) return null;
        fixed (byte* uuid = props.PipelineCacheUuid)
        {
            string id = Convert.ToHexString(new ReadOnlySpan<byte>(uuid, 16)).ToLowerInvariant();
            return Path.Combine(root, "depthplugins", $"vulkan-pipelines-{props.VendorID:x4}-{props.DeviceID:x4}-{id}.bin");
        }
    }

    /// <summary>The saved cache if its header names this very device and driver build, else null.</summary>
    public static byte[]? Load(string? path, in PhysicalDeviceProperties props)
    {
        if (path == null) return null;
        try
        {
            if (!File.Exists(path)) return null;
            var data = File.ReadAllBytes(path);
            // VkPipelineCacheHeaderVersionOne: length, version, vendorID, deviceID, pipelineCacheUUID[16].
            if (data.Length < 32) return null;
            var u = ReadHeader(data);
            if (u.Length < 16 || u.Version != 1 || u.Vendor != props.VendorID || u.Device != props.DeviceID) return null;
            fixed (byte* uuid = props.PipelineCacheUuid)
                if (!data.AsSpan(16, 16).SequenceEqual(new ReadOnlySpan<byte>(uuid, 16))) return null;
            return data;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    static (uint Length, uint Version, uint Vendor, uint Device) ReadHeader(byte[] d) =>
        (BitConverter.ToUInt32(d, 0), BitConverter.ToUInt32(d, 4), BitConverter.ToUInt32(d, 8), BitConverter.ToUInt32(d, 12));

    /// <summary>Writes the cache atomically (temporary file, then rename) so concurrent processes never read half a file.</summary>
    public static void Save(string? path, VulkanDevice dev)
    {
        if (path == null) return;
        try
        {
            nuint size = 0;
            if (dev.Vk.GetPipelineCacheData(dev.Device, dev.Cache, &size, null) != Result.Success || size == 0) return;
            var data = new byte[size];
            fixed (byte* p = data)
                if (dev.Vk.GetPipelineCacheData(dev.Device, dev.Cache, &size, p) != Result.Success) return;
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            string tmp = $"{path}.{Environment.ProcessId}.{Environment.CurrentManagedThreadId}.tmp";
            File.WriteAllBytes(tmp, data.AsSpan(0, (int)size).ToArray());
            File.Move(tmp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}

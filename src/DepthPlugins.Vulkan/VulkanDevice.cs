using System.Runtime.InteropServices;
using DepthPlugins.Core;
using Silk.NET.Vulkan;

namespace DepthPlugins.Vulkan;

/// <summary>One Vulkan physical device as the loader reports it (for <c>depthplugins info</c> and device choice).</summary>
public sealed record VulkanDeviceInfo(int Index, string Name, string Type, string Driver, string ApiVersion, long DeviceLocalBytes);

/// <summary>How to pick a device: by index, by name (case-insensitive substring), or automatically (discrete GPU first).</summary>
public sealed record DeviceChoice(int Index = -1, string? Name = null)
{
    /// <summary>Overrides whatever the caller chose: an index, or a name substring. Lets a user redirect any host application.</summary>
    public const string EnvironmentVariable = "DEPTHPLUGINS_VULKAN_DEVICE";

    public static DeviceChoice FromEnvironmentOr(DeviceChoice fallback)
    {
        var env = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(env)) return fallback;
        return int.TryParse(env.Trim(), out int i) ? new DeviceChoice(i) : new DeviceChoice(-1, env.Trim());
    }
}

/// <summary>
/// A Vulkan instance, one logical device with one compute queue, the memory types and limits the kernels need, the
/// pipeline layout every kernel shares, and the pipeline cache. Submissions to the queue are serialised by
/// <see cref="SubmitLock"/> (a VkQueue must not be used from two threads at once).
/// </summary>
public sealed unsafe class VulkanDevice : IDisposable
{
    /// <summary>Storage-buffer bindings every pipeline layout has (shaders use a prefix of them).</summary>
    public const int MaxBindings = 8;
    /// <summary>The push-constant block every kernel may use: the minimum every Vulkan device guarantees.</summary>
    public const uint PushConstantBytes = 128;

    internal readonly Vk Vk;
    internal readonly Instance Instance;
    internal readonly PhysicalDevice Physical;
    internal readonly Device Device;
    internal readonly Queue Queue;
    internal readonly uint QueueFamily;
    internal readonly DescriptorSetLayout SetLayout;
    internal readonly PipelineLayout Layout;
    internal readonly PipelineCache Cache;
    internal readonly object SubmitLock = new();
#if DEBUG
    readonly DebugMessenger? _debug; // validation-layer messages
#endif
    readonly string? _cacheFile;
    bool _disposed;
    volatile bool _lost; // set once the driver reports VK_ERROR_DEVICE_LOST: nothing more can run on this device

    public VulkanDeviceInfo Info { get; }
    internal uint DeviceLocalType { get; }
    internal uint StagingType { get; }
    internal ulong MaxStorageBufferRange { get; }
    internal ulong MaxAllocation { get; }
    internal ulong StorageAlignment { get; }
    internal uint MaxSharedBytes { get; }
    internal uint MaxGroupX { get; }
    internal uint MaxGroupY { get; }
    internal uint MaxGroupInvocations { get; }
    /// <summary>Nanoseconds per timestamp tick; 0 when the queue has no timestamps.</summary>
    internal double TimestampPeriodNs { get; }
    /// <summary>Whether pipelines are built with the driver's statistics captured (VK_KHR_pipeline_executable_properties):
    /// asked for by benchmarks, and only when the device has the extension.</summary>
    internal bool CapturesStatistics { get; }
    internal Pipelines Pipelines { get; }

    /// <summary>Creates the device; throws <see cref="DpException"/> (Unsupported: no loader / driver / device; Device: the driver failed).
    /// Without an explicit choice (here or in the environment) a software rasteriser such as lavapipe is taken only when
    /// <paramref name="allowSoftware"/> is set: the CPU path is faster than a CPU pretending to be a GPU.
    /// <paramref name="captureStatistics"/> (benchmarks) keeps the driver's statistics of each pipeline (registers, code
    /// size: whatever the driver reports) for <see cref="PipelineStatistics"/>, when the device can.</summary>
    public VulkanDevice(DeviceChoice choice, bool allowSoftware = true, bool captureStatistics = false)
    {
        Vk = LoadApi();
        var layers = new List<string>();
        var extensions = new List<string>();
#if DEBUG
        // Validation in debug builds when the layer is installed: it reports API misuse on stderr.
        if (HasInstanceLayer(Vk, DebugMessenger.ValidationLayer) && HasInstanceExtension(Vk, DebugMessenger.Extension))
        {
            layers.Add(DebugMessenger.ValidationLayer);
            extensions.Add(DebugMessenger.Extension);
        }
#endif
        Instance = CreateInstance(Vk, layers, extensions);
        try
        {
#if DEBUG
            if (layers.Count > 0) _debug = new DebugMessenger(Vk, Instance);
#endif
            var devices = EnumerateDevices(Vk, Instance);
            if (devices.Length == 0) throw new DpException(DpStatus.Unsupported, "Vulkan: no physical device (no driver/ICD installed?)");
            var effective = DeviceChoice.FromEnvironmentOr(choice);
            var infos = devices.Select((d, i) => Describe(Vk, d, i)).ToArray();
            int index = Select(infos, effective);
            if (!allowSoftware && effective.Index < 0 && effective.Name == null && infos[index].Type == "cpu")
                throw new DpException(DpStatus.Unsupported, $"Vulkan: only a software device is present ({infos[index].Name}); choose it explicitly to use it");
            Physical = devices[index];
            Info = Describe(Vk, Physical, index);

            QueueFamily = FindComputeFamily(Vk, Physical, out uint timestampBits);
            PhysicalDeviceProperties props;
            Vk.GetPhysicalDeviceProperties(Physical, &props);
            var lim = props.Limits;
            MaxStorageBufferRange = lim.MaxStorageBufferRange;
            StorageAlignment = Math.Max(16UL, lim.MinStorageBufferOffsetAlignment);
            MaxSharedBytes = lim.MaxComputeSharedMemorySize;
            MaxGroupX = lim.MaxComputeWorkGroupSize[0];
            MaxGroupY = lim.MaxComputeWorkGroupSize[1];
            MaxGroupInvocations = lim.MaxComputeWorkGroupInvocations;
            TimestampPeriodNs = timestampBits > 0 ? lim.TimestampPeriod : 0;
            if (lim.MaxPushConstantsSize < PushConstantBytes) throw new DpException(DpStatus.Unsupported, "Vulkan: device offers fewer than 128 push-constant bytes");
            var m3 = new PhysicalDeviceMaintenance3Properties { SType = StructureType.PhysicalDeviceMaintenance3Properties };
            var p2 = new PhysicalDeviceProperties2 { SType = StructureType.PhysicalDeviceProperties2, PNext = &m3 };
            Vk.GetPhysicalDeviceProperties2(Physical, &p2);
            MaxAllocation = m3.MaxMemoryAllocationSize > 0 ? m3.MaxMemoryAllocationSize : 1UL << 30;

            PhysicalDeviceMemoryProperties mem;
            Vk.GetPhysicalDeviceMemoryProperties(Physical, &mem);
            DeviceLocalType = FindMemoryType(mem, MemoryPropertyFlags.DeviceLocalBit, MemoryPropertyFlags.None)
                ?? FindMemoryType(mem, MemoryPropertyFlags.None, MemoryPropertyFlags.None)!.Value;
            // Staging: host-visible and coherent (no flushes needed); cached where offered makes downloads fast.
            StagingType = FindMemoryType(mem, MemoryPropertyFlags.HostVisibleBit | MemoryPropertyFlags.HostCoherentBit | MemoryPropertyFlags.HostCachedBit, MemoryPropertyFlags.None)
                ?? FindMemoryType(mem, MemoryPropertyFlags.HostVisibleBit | MemoryPropertyFlags.HostCoherentBit, MemoryPropertyFlags.None)
                ?? throw new DpException(DpStatus.Unsupported, "Vulkan: device has no host-visible coherent memory");

            CapturesStatistics = captureStatistics && HasDeviceExtension(Vk, Physical, StatisticsExtension);
            try { Device = CreateDevice(Vk, Physical, QueueFamily, CapturesStatistics); }
            catch (DpException) when (CapturesStatistics)
            {
                // Statistics are a diagnostic: a driver that will not create the device with them still gets used.
                CapturesStatistics = false;
                Device = CreateDevice(Vk, Physical, QueueFamily, false);
            }
            Queue q;
            Vk.GetDeviceQueue(Device, QueueFamily, 0, &q);
            Queue = q;
            SetLayout = CreateSetLayout();
            Layout = CreatePipelineLayout(SetLayout);
            _cacheFile = PipelineCacheStore.PathFor(props);
            Cache = CreatePipelineCache(PipelineCacheStore.Load(_cacheFile, props));
            Pipelines = new Pipelines(this);
        }
        catch
        {
            DisposeCore();
            throw;
        }
    }

    /// <summary>The devices the Vulkan loader reports; an empty list (with the reason) when Vulkan is unavailable.</summary>
    public static (IReadOnlyList<VulkanDeviceInfo> Devices, string? Error) List()
    {
        Vk? vk = null;
        Instance inst = default;
        try
        {
            vk = LoadApi();
            inst = CreateInstance(vk, [], []);
            var list = EnumerateDevices(vk, inst).Select((d, i) => Describe(vk, d, i)).ToArray();
            return (list, list.Length == 0 ? "no Vulkan device found" : null);
        }
        catch (DpException e) { return ([], e.Message); }
        finally
        {
            if (inst.Handle != 0) vk!.DestroyInstance(inst, null);
            vk?.Dispose();
        }
    }

    static Vk LoadApi()
    {
        try { return Vk.GetApi(); }
        catch (Exception e) when (e is not DpException)
        {
            throw new DpException(DpStatus.Unsupported, $"Vulkan: the loader (libvulkan) could not be loaded: {e.Message}");
        }
    }

    static Instance CreateInstance(Vk vk, List<string> layers, List<string> extensions)
    {
        var name = (byte*)Marshal.StringToCoTaskMemUTF8("depthplugins");
        var layerPtrs = layers.Select(l => Marshal.StringToCoTaskMemUTF8(l)).ToArray();
        var extPtrs = extensions.Select(l => Marshal.StringToCoTaskMemUTF8(l)).ToArray();
        try
        {
            var app = new ApplicationInfo
            {
                SType = StructureType.ApplicationInfo,
                PApplicationName = name,
                PEngineName = name,
                ApiVersion = Vk.Version11,
            };
            fixed (nint* lp = layerPtrs)
            fixed (nint* ep = extPtrs)
            {
                var ci = new InstanceCreateInfo
                {
                    SType = StructureType.InstanceCreateInfo,
                    PApplicationInfo = &app,
                    EnabledLayerCount = (uint)layers.Count,
                    PpEnabledLayerNames = (byte**)lp,
                    EnabledExtensionCount = (uint)extensions.Count,
                    PpEnabledExtensionNames = (byte**)ep,
                };
                Instance inst;
                var r = vk.CreateInstance(&ci, null, &inst);
                if (r is Result.ErrorIncompatibleDriver or Result.ErrorInitializationFailed or Result.ErrorLayerNotPresent or Result.ErrorExtensionNotPresent)
                    throw new DpException(DpStatus.Unsupported, $"Vulkan: no usable driver ({r}); is a Vulkan ICD installed?");
                VkCheck.Ok(r, "vkCreateInstance");
                return inst;
            }
        }
        finally
        {
            Marshal.FreeCoTaskMem((nint)name);
            foreach (var p in layerPtrs.Concat(extPtrs)) Marshal.FreeCoTaskMem(p);
        }
    }

    static PhysicalDevice[] EnumerateDevices(Vk vk, Instance inst)
    {
        uint n = 0;
        VkCheck.Ok(vk.EnumeratePhysicalDevices(inst, &n, null), "vkEnumeratePhysicalDevices");
        var arr = new PhysicalDevice[n];
        if (n == 0) return arr;
        fixed (PhysicalDevice* p = arr)
        {
            var r = vk.EnumeratePhysicalDevices(inst, &n, p);
            if (r != Result.Incomplete) VkCheck.Ok(r, "vkEnumeratePhysicalDevices");
        }
        return arr[..(int)n];
    }

    static VulkanDeviceInfo Describe(Vk vk, PhysicalDevice d, int index)
    {
        PhysicalDeviceProperties p;
        vk.GetPhysicalDeviceProperties(d, &p);
        string name = Marshal.PtrToStringUTF8((nint)p.DeviceName) ?? "?";
        string driver = "unknown";
        if (p.ApiVersion >= Vk.Version12)
        {
            var dp = new PhysicalDeviceDriverProperties { SType = StructureType.PhysicalDeviceDriverProperties };
            var p2 = new PhysicalDeviceProperties2 { SType = StructureType.PhysicalDeviceProperties2, PNext = &dp };
            vk.GetPhysicalDeviceProperties2(d, &p2);
            driver = $"{Marshal.PtrToStringUTF8((nint)dp.DriverName)} {Marshal.PtrToStringUTF8((nint)dp.DriverInfo)}".Trim();
        }
        PhysicalDeviceMemoryProperties mem;
        vk.GetPhysicalDeviceMemoryProperties(d, &mem);
        long local = 0;
        for (int h = 0; h < mem.MemoryHeapCount; h++)
            if ((mem.MemoryHeaps[h].Flags & MemoryHeapFlags.DeviceLocalBit) != 0) local += (long)mem.MemoryHeaps[h].Size;
        string type = p.DeviceType switch
        {
            PhysicalDeviceType.DiscreteGpu => "discrete",
            PhysicalDeviceType.IntegratedGpu => "integrated",
            PhysicalDeviceType.VirtualGpu => "virtual",
            PhysicalDeviceType.Cpu => "cpu",
            _ => "other",
        };
        string api = $"{p.ApiVersion >> 22}.{(p.ApiVersion >> 12) & 0x3FF}.{p.ApiVersion & 0xFFF}";
        return new VulkanDeviceInfo(index, name, type, driver, api, local);
    }

    /// <summary>Index by request, else the first of the best type: discrete, integrated, virtual, CPU, other.</summary>
    internal static int Select(VulkanDeviceInfo[] devices, DeviceChoice choice)
    {
        if (choice.Index >= 0)
        {
            if (choice.Index >= devices.Length)
                throw new DpException(DpStatus.InvalidArgument, $"Vulkan device index {choice.Index} does not exist ({devices.Length} device(s))");
            return choice.Index;
        }
        if (!string.IsNullOrEmpty(choice.Name))
        {
            var hit = devices.FirstOrDefault(d => d.Name.Contains(choice.Name, StringComparison.OrdinalIgnoreCase))
                ?? throw new DpException(DpStatus.InvalidArgument,
                    $"no Vulkan device name contains '{choice.Name}' (devices: {string.Join(", ", devices.Select(d => d.Name))})");
            return hit.Index;
        }
        string[] order = ["discrete", "integrated", "virtual", "cpu", "other"];
        return devices.OrderBy(d => Array.IndexOf(order, d.Type)).ThenBy(d => d.Index).First().Index;
    }

    static uint FindComputeFamily(Vk vk, PhysicalDevice d, out uint timestampBits)
    {
        uint n = 0;
        vk.GetPhysicalDeviceQueueFamilyProperties(d, &n, null);
        var fams = new QueueFamilyProperties[n];
        fixed (QueueFamilyProperties* p = fams) vk.GetPhysicalDeviceQueueFamilyProperties(d, &n, p);
        int best = -1;
        for (int i = 0; i < n; i++)
        {
            if ((fams[i].QueueFlags & QueueFlags.ComputeBit) == 0 || fams[i].QueueCount == 0) continue;
            // Prefer a family with timestamps (benchmarks), else the first compute family.
            if (best < 0 || (fams[best].TimestampValidBits == 0 && fams[i].TimestampValidBits > 0)) best = i;
        }
        if (best < 0) throw new DpException(DpStatus.Unsupported, "Vulkan: the device has no compute queue");
        timestampBits = fams[best].TimestampValidBits;
        return (uint)best;
    }

    static uint? FindMemoryType(PhysicalDeviceMemoryProperties mem, MemoryPropertyFlags want, MemoryPropertyFlags avoid)
    {
        for (uint i = 0; i < mem.MemoryTypeCount; i++)
        {
            var f = mem.MemoryTypes[(int)i].PropertyFlags;
            if ((f & want) == want && (f & avoid) == 0) return i;
        }
        return null;
    }

    const string StatisticsExtension = "VK_KHR_pipeline_executable_properties";

    static bool HasDeviceExtension(Vk vk, PhysicalDevice pd, string name)
    {
        uint n = 0;
        if (vk.EnumerateDeviceExtensionProperties(pd, (byte*)null, &n, null) != Result.Success || n == 0) return false;
        var arr = new ExtensionProperties[n];
        fixed (ExtensionProperties* p = arr)
            if (vk.EnumerateDeviceExtensionProperties(pd, (byte*)null, &n, p) is not (Result.Success or Result.Incomplete)) return false;
        for (int i = 0; i < n; i++)
            fixed (byte* s = arr[i].ExtensionName)
                if (Marshal.PtrToStringUTF8((nint)s) == name) return true;
        return false;
    }

    static Device CreateDevice(Vk vk, PhysicalDevice pd, uint family, bool statistics)
    {
        float priority = 1f;
        var qci = new DeviceQueueCreateInfo
        {
            SType = StructureType.DeviceQueueCreateInfo,
            QueueFamilyIndex = family,
            QueueCount = 1,
            PQueuePriorities = &priority,
        };
        var features = new PhysicalDevicePipelineExecutablePropertiesFeaturesKHR
        {
            SType = StructureType.PhysicalDevicePipelineExecutablePropertiesFeaturesKhr,
            PipelineExecutableInfo = true,
        };
        var ext = Marshal.StringToCoTaskMemUTF8(StatisticsExtension);
        try
        {
            var ci = new DeviceCreateInfo
            {
                SType = StructureType.DeviceCreateInfo,
                PNext = statistics ? &features : null,
                QueueCreateInfoCount = 1,
                PQueueCreateInfos = &qci,
                EnabledExtensionCount = statistics ? 1u : 0u,
                PpEnabledExtensionNames = (byte**)&ext,
            };
            Device dev;
            VkCheck.Ok(vk.CreateDevice(pd, &ci, null, &dev), "vkCreateDevice");
            return dev;
        }
        finally { Marshal.FreeCoTaskMem(ext); }
    }

    DescriptorSetLayout CreateSetLayout()
    {
        var b = stackalloc DescriptorSetLayoutBinding[MaxBindings];
        for (int i = 0; i < MaxBindings; i++)
            b[i] = new DescriptorSetLayoutBinding
            {
                Binding = (uint)i,
                DescriptorType = DescriptorType.StorageBuffer,
                DescriptorCount = 1,
                StageFlags = ShaderStageFlags.ComputeBit,
            };
        var ci = new DescriptorSetLayoutCreateInfo { SType = StructureType.DescriptorSetLayoutCreateInfo, BindingCount = MaxBindings, PBindings = b };
        DescriptorSetLayout l;
        VkCheck.Ok(Vk.CreateDescriptorSetLayout(Device, &ci, null, &l), "vkCreateDescriptorSetLayout");
        return l;
    }

    PipelineLayout CreatePipelineLayout(DescriptorSetLayout set)
    {
        var range = new PushConstantRange { StageFlags = ShaderStageFlags.ComputeBit, Offset = 0, Size = PushConstantBytes };
        var ci = new PipelineLayoutCreateInfo
        {
            SType = StructureType.PipelineLayoutCreateInfo,
            SetLayoutCount = 1,
            PSetLayouts = &set,
            PushConstantRangeCount = 1,
            PPushConstantRanges = &range,
        };
        PipelineLayout l;
        VkCheck.Ok(Vk.CreatePipelineLayout(Device, &ci, null, &l), "vkCreatePipelineLayout");
        return l;
    }

    PipelineCache CreatePipelineCache(byte[]? initial)
    {
        fixed (byte* p = initial)
        {
            var ci = new PipelineCacheCreateInfo
            {
                SType = StructureType.PipelineCacheCreateInfo,
                InitialDataSize = (nuint)(initial?.Length ?? 0),
                PInitialData = p,
            };
            PipelineCache c;
            var r = Vk.CreatePipelineCache(Device, &ci, null, &c);
            if (r != Result.Success && initial != null)
            {
                // A cache the driver rejects is only a lost optimisation: start empty.
                ci.InitialDataSize = 0;
                ci.PInitialData = null;
                r = Vk.CreatePipelineCache(Device, &ci, null, &c);
            }
            VkCheck.Ok(r, "vkCreatePipelineCache");
            return c;
        }
    }

#if DEBUG
    static bool HasInstanceLayer(Vk vk, string name)
    {
        uint n = 0;
        if (vk.EnumerateInstanceLayerProperties(&n, null) != Result.Success || n == 0) return false;
        var arr = new LayerProperties[n];
        fixed (LayerProperties* p = arr)
            if (vk.EnumerateInstanceLayerProperties(&n, p) is not (Result.Success or Result.Incomplete)) return false;
        for (int i = 0; i < n; i++)
            fixed (byte* s = arr[i].LayerName)
                if (Marshal.PtrToStringUTF8((nint)s) == name) return true;
        return false;
    }

    static bool HasInstanceExtension(Vk vk, string name)
    {
        uint n = 0;
        if (vk.EnumerateInstanceExtensionProperties((byte*)null, &n, null) != Result.Success || n == 0) return false;
        var arr = new ExtensionProperties[n];
        fixed (ExtensionProperties* p = arr)
            if (vk.EnumerateInstanceExtensionProperties((byte*)null, &n, p) is not (Result.Success or Result.Incomplete)) return false;
        for (int i = 0; i < n; i++)
            fixed (byte* s = arr[i].ExtensionName)
                if (Marshal.PtrToStringUTF8((nint)s) == name) return true;
        return false;
    }
#endif

    /// <summary>The driver's statistics of every pipeline built so far ("shader:constants", then "name = value" items),
    /// when the device was created to capture them; else empty.</summary>
    public IReadOnlyList<(string Pipeline, string Statistics)> PipelineStatistics() => CapturesStatistics ? Pipelines.Statistics() : [];

    /// <summary>Throws if the device was lost earlier: nothing can be submitted to it any more.</summary>
    internal void ThrowIfLost()
    {
        if (_lost) throw new DpException(DpStatus.Device, "Vulkan: the device was lost earlier (GPU reset or driver fault); create a new context or use the CPU backend");
        ObjectDisposedException.ThrowIf(_disposed, this);
    }

    /// <summary>Checks a result from a submit or wait: a lost device is remembered so later calls fail fast.</summary>
    internal void CheckQueue(Result r, string what)
    {
        if (r == Result.ErrorDeviceLost) _lost = true;
        VkCheck.Ok(r, what);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        DisposeCore();
    }

    void DisposeCore()
    {
        if (Device.Handle != 0)
        {
            // A failed wait can only mean a lost device; destroying is all that is left to do either way.
            if (!_lost && Vk.DeviceWaitIdle(Device) == Result.ErrorDeviceLost) _lost = true;
            Pipelines?.Dispose();
            if (Cache.Handle != 0)
            {
                if (!_lost) PipelineCacheStore.Save(_cacheFile, this);
                Vk.DestroyPipelineCache(Device, Cache, null);
            }
            if (Layout.Handle != 0) Vk.DestroyPipelineLayout(Device, Layout, null);
            if (SetLayout.Handle != 0) Vk.DestroyDescriptorSetLayout(Device, SetLayout, null);
            Vk.DestroyDevice(Device, null);
        }
#if DEBUG
        _debug?.Dispose();
#endif
        if (Instance.Handle != 0) Vk.DestroyInstance(Instance, null);
        Vk.Dispose();
    }
}

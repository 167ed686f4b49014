using System.Runtime.InteropServices;
using DepthPlugins.Core;
using Silk.NET.Vulkan;

namespace DepthPlugins.Vulkan;

/// <summary>
/// Compute pipelines built on demand from the embedded SPIR-V (shaders/*.comp compiled by glslc at build time), one per
/// (shader, specialisation constants), all sharing the device's pipeline layout. Constant 0 and 1 are the workgroup
/// size (clamped to the device's limits by the caller); further constants are per shader.
/// </summary>
sealed unsafe class Pipelines(VulkanDevice dev) : IDisposable
{
    readonly Dictionary<string, ShaderModule> _modules = [];
    readonly Dictionary<string, Pipeline> _pipelines = [];
    readonly object _lock = new();

    public Pipeline Get(string shader, ReadOnlySpan<uint> constants)
    {
        string key = shader + ":" + string.Join(',', constants.ToArray());
        lock (_lock)
        {
            if (_pipelines.TryGetValue(key, out var p)) return p;
            p = Create(Module(shader), constants);
            _pipelines[key] = p;
            return p;
        }
    }

    ShaderModule Module(string shader)
    {
        if (_modules.TryGetValue(shader, out var m)) return m;
        var code = LoadSpirv(shader);
        fixed (byte* c = code)
        {
            var ci = new ShaderModuleCreateInfo { SType = StructureType.ShaderModuleCreateInfo, CodeSize = (nuint)code.Length, PCode = (uint*)c };
            VkCheck.Ok(dev.Vk.CreateShaderModule(dev.Device, &ci, null, &m), $"vkCreateShaderModule({shader})");
        }
        _modules[shader] = m;
        return m;
    }

    /// <summary>Reads shaders/NAME.spv from this assembly's resources (embedded by the build).</summary>
    internal static byte[] LoadSpirv(string shader)
    {
        using var s = typeof(Pipelines).Assembly.GetManifestResourceStream($"shaders/{shader}.spv")
            ?? throw new DpException(DpStatus.Internal, $"shader {shader}.spv is not embedded in this build");
        var code = new byte[s.Length];
        s.ReadExactly(code);
        return code;
    }

    Pipeline Create(ShaderModule module, ReadOnlySpan<uint> constants)
    {
        int n = constants.Length;
        var entries = stackalloc SpecializationMapEntry[n];
        for (int i = 0; i < n; i++) entries[i] = new SpecializationMapEntry { ConstantID = (uint)i, Offset = (uint)(4 * i), Size = 4 };
        var main = (byte*)Marshal.StringToCoTaskMemUTF8("main");
        try
        {
            fixed (uint* data = constants)
            {
                var spec = new SpecializationInfo { MapEntryCount = (uint)n, PMapEntries = entries, DataSize = (nuint)(4 * n), PData = data };
                var ci = new ComputePipelineCreateInfo
                {
                    SType = StructureType.ComputePipelineCreateInfo,
                    Flags = dev.CapturesStatistics ? PipelineCreateFlags.CreateCaptureStatisticsBitKhr : 0,
                    Stage = new PipelineShaderStageCreateInfo
                    {
                        SType = StructureType.PipelineShaderStageCreateInfo,
                        Stage = ShaderStageFlags.ComputeBit,
                        Module = module,
                        PName = main,
                        PSpecializationInfo = &spec,
                    },
                    Layout = dev.Layout,
                };
                Pipeline p;
                VkCheck.Ok(dev.Vk.CreateComputePipelines(dev.Device, dev.Cache, 1, &ci, null, &p), "vkCreateComputePipelines");
                return p;
            }
        }
        finally { Marshal.FreeCoTaskMem((nint)main); }
    }

    /// <summary>Each pipeline's statistics as the driver reports them (VK_KHR_pipeline_executable_properties; the device
    /// must capture them): "name = value" items joined by "; ", per executable.</summary>
    public List<(string Pipeline, string Statistics)> Statistics()
    {
        var getProps = (delegate* unmanaged<Device, PipelineInfoKHR*, uint*, PipelineExecutablePropertiesKHR*, Result>)
            (void*)dev.Vk.GetDeviceProcAddr(dev.Device, "vkGetPipelineExecutablePropertiesKHR").Handle;
        var getStats = (delegate* unmanaged<Device, PipelineExecutableInfoKHR*, uint*, PipelineExecutableStatisticKHR*, Result>)
            (void*)dev.Vk.GetDeviceProcAddr(dev.Device, "vkGetPipelineExecutableStatisticsKHR").Handle;
        var list = new List<(string, string)>();
        if (getProps == null || getStats == null) return list;
        lock (_lock)
            foreach (var (key, pipeline) in _pipelines.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                var info = new PipelineInfoKHR { SType = StructureType.PipelineInfoKhr, Pipeline = pipeline };
                uint count = 0;
                VkCheck.Ok(getProps(dev.Device, &info, &count, null), "vkGetPipelineExecutablePropertiesKHR");
                for (uint e = 0; e < count; e++)
                {
                    var ei = new PipelineExecutableInfoKHR { SType = StructureType.PipelineExecutableInfoKhr, Pipeline = pipeline, ExecutableIndex = e };
                    uint n = 0;
                    VkCheck.Ok(getStats(dev.Device, &ei, &n, null), "vkGetPipelineExecutableStatisticsKHR");
                    var stats = new PipelineExecutableStatisticKHR[n];
                    for (int i = 0; i < n; i++) stats[i].SType = StructureType.PipelineExecutableStatisticKhr;
                    fixed (PipelineExecutableStatisticKHR* p = stats)
                        VkCheck.Ok(getStats(dev.Device, &ei, &n, p), "vkGetPipelineExecutableStatisticsKHR");
                    var items = new List<string>();
                    foreach (var st in stats.AsSpan(0, (int)n))
                    {
                        string name = Marshal.PtrToStringUTF8((nint)st.Name) ?? "?";
                        string value = st.Format switch
                        {
                            PipelineExecutableStatisticFormatKHR.Bool32Khr => (uint)st.Value.B32 != 0 ? "true" : "false",
                            PipelineExecutableStatisticFormatKHR.Int64Khr => st.Value.I64.ToString(System.Globalization.CultureInfo.InvariantCulture),
                            PipelineExecutableStatisticFormatKHR.Uint64Khr => st.Value.U64.ToString(System.Globalization.CultureInfo.InvariantCulture),
                            _ => st.Value.F64.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture),
                        };
                        items.Add($"{name} = {value}");
                    }
                    list.Add((count > 1 ? $"{key} #{e}" : key, string.Join("; ", items)));
                }
            }
        return list;
    }

    public void Dispose()
    {
        foreach (var p in _pipelines.Values) dev.Vk.DestroyPipeline(dev.Device, p, null);
        foreach (var m in _modules.Values) dev.Vk.DestroyShaderModule(dev.Device, m, null);
        _pipelines.Clear();
        _modules.Clear();
    }
}

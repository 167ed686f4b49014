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

    public void Dispose()
    {
        foreach (var p in _pipelines.Values) dev.Vk.DestroyPipeline(dev.Device, p, null);
        foreach (var m in _modules.Values) dev.Vk.DestroyShaderModule(dev.Device, m, null);
        _pipelines.Clear();
        _modules.Clear();
    }
}

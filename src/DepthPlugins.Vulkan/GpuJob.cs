using System.Runtime.InteropServices;
using DepthPlugins.Core;
using Silk.NET.Vulkan;
using VkBuffer = Silk.NET.Vulkan.Buffer;

namespace DepthPlugins.Vulkan;

/// <summary>A byte range of a job's device-local arena, bound as one storage buffer.</summary>
readonly record struct Slice(ulong Offset, ulong Size);

/// <summary>
/// The resources of one operation on the device: a device-local arena (every plane of a tile lives in it), a host-visible
/// staging buffer (uploads, then downloads), one command buffer re-recorded per submit, descriptor sets from a pool reset
/// per submit, a fence per submit, and timestamp queries. Used by one thread at a time; only the queue is shared, and
/// submissions to it take the device's submit lock.
/// </summary>
sealed unsafe class GpuJob : IDisposable
{
    const uint SetsPerSubmit = 64;
    const uint Timestamps = 4;

    readonly VulkanDevice _dev;
    readonly Vk _vk;
    VkBuffer _arena, _staging;
    DeviceMemory _arenaMem, _stagingMem;
    CommandPool _pool;
    CommandBuffer _cmd;
    DescriptorPool _descriptors;
    Fence _fence;
    QueryPool _queries;
    readonly List<BufferCopy> _uploads = [];

    public byte* Staging { get; private set; }
    public ulong ArenaBytes { get; }
    public ulong StagingBytes { get; }
    public bool HasTimestamps => _queries.Handle != 0;

    public GpuJob(VulkanDevice dev, ulong arenaBytes, ulong stagingBytes)
    {
        _dev = dev;
        _vk = dev.Vk;
        dev.ThrowIfLost();
        ArenaBytes = Math.Max(arenaBytes, 256);
        StagingBytes = Math.Max(stagingBytes, 256);
        try
        {
            (_arena, _arenaMem) = CreateBuffer(ArenaBytes, BufferUsageFlags.StorageBufferBit | BufferUsageFlags.TransferSrcBit | BufferUsageFlags.TransferDstBit, dev.DeviceLocalType, "device-local arena");
            (_staging, _stagingMem) = CreateBuffer(StagingBytes, BufferUsageFlags.TransferSrcBit | BufferUsageFlags.TransferDstBit, dev.StagingType, "staging buffer");
            void* mapped;
            VkCheck.Ok(_vk.MapMemory(dev.Device, _stagingMem, 0, StagingBytes, 0, &mapped), "vkMapMemory");
            Staging = (byte*)mapped;

            var pci = new CommandPoolCreateInfo { SType = StructureType.CommandPoolCreateInfo, QueueFamilyIndex = dev.QueueFamily, Flags = CommandPoolCreateFlags.TransientBit };
            CommandPool pool;
            VkCheck.Ok(_vk.CreateCommandPool(dev.Device, &pci, null, &pool), "vkCreateCommandPool");
            _pool = pool;
            var ai = new CommandBufferAllocateInfo { SType = StructureType.CommandBufferAllocateInfo, CommandPool = _pool, Level = CommandBufferLevel.Primary, CommandBufferCount = 1 };
            CommandBuffer cmd;
            VkCheck.Ok(_vk.AllocateCommandBuffers(dev.Device, &ai, &cmd), "vkAllocateCommandBuffers");
            _cmd = cmd;

            var size = new DescriptorPoolSize { Type = DescriptorType.StorageBuffer, DescriptorCount = SetsPerSubmit * VulkanDevice.MaxBindings };
            var dci = new DescriptorPoolCreateInfo { SType = StructureType.DescriptorPoolCreateInfo, MaxSets = SetsPerSubmit, PoolSizeCount = 1, PPoolSizes = &size };
            DescriptorPool dp;
            VkCheck.Ok(_vk.CreateDescriptorPool(dev.Device, &dci, null, &dp), "vkCreateDescriptorPool");
            _descriptors = dp;

            var fci = new FenceCreateInfo { SType = StructureType.FenceCreateInfo };
            Fence f;
            VkCheck.Ok(_vk.CreateFence(dev.Device, &fci, null, &f), "vkCreateFence");
            _fence = f;

            if (dev.TimestampPeriodNs > 0)
            {
                var qci = new QueryPoolCreateInfo { SType = StructureType.QueryPoolCreateInfo, QueryType = QueryType.Timestamp, QueryCount = Timestamps };
                QueryPool q;
                VkCheck.Ok(_vk.CreateQueryPool(dev.Device, &qci, null, &q), "vkCreateQueryPool");
                _queries = q;
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    (VkBuffer, DeviceMemory) CreateBuffer(ulong bytes, BufferUsageFlags usage, uint memoryType, string what)
    {
        var bci = new BufferCreateInfo { SType = StructureType.BufferCreateInfo, Size = bytes, Usage = usage, SharingMode = SharingMode.Exclusive };
        VkBuffer b;
        VkCheck.Ok(_vk.CreateBuffer(_dev.Device, &bci, null, &b), $"vkCreateBuffer({what}, {bytes >> 20} MiB)");
        MemoryRequirements req;
        _vk.GetBufferMemoryRequirements(_dev.Device, b, &req);
        if ((req.MemoryTypeBits & (1u << (int)memoryType)) == 0)
        {
            _vk.DestroyBuffer(_dev.Device, b, null);
            throw new DpException(DpStatus.Unsupported, $"Vulkan: the {what} cannot live in the chosen memory type");
        }
        var mai = new MemoryAllocateInfo { SType = StructureType.MemoryAllocateInfo, AllocationSize = req.Size, MemoryTypeIndex = memoryType };
        DeviceMemory m;
        var r = _vk.AllocateMemory(_dev.Device, &mai, null, &m);
        if (r != Result.Success)
        {
            _vk.DestroyBuffer(_dev.Device, b, null);
            throw VkCheck.Error(r, $"vkAllocateMemory({what}, {req.Size >> 20} MiB)");
        }
        VkCheck.Ok(_vk.BindBufferMemory(_dev.Device, b, m, 0), "vkBindBufferMemory");
        return (b, m);
    }

    /// <summary>Starts recording a submit: resets the command buffer, descriptor sets and timestamps.</summary>
    public void Begin()
    {
        VkCheck.Ok(_vk.ResetCommandPool(_dev.Device, _pool, 0), "vkResetCommandPool");
        VkCheck.Ok(_vk.ResetDescriptorPool(_dev.Device, _descriptors, 0), "vkResetDescriptorPool");
        var bi = new CommandBufferBeginInfo { SType = StructureType.CommandBufferBeginInfo, Flags = CommandBufferUsageFlags.OneTimeSubmitBit };
        VkCheck.Ok(_vk.BeginCommandBuffer(_cmd, &bi), "vkBeginCommandBuffer");
        if (HasTimestamps) _vk.CmdResetQueryPool(_cmd, _queries, 0, Timestamps);
        _uploads.Clear();
    }

    /// <summary>Queues a copy of staging bytes into the arena; <see cref="FlushUploads"/> records them with the barrier that makes them visible to shaders.</summary>
    public void Upload(ulong stagingOffset, Slice dst, ulong bytes)
    {
        if (bytes > 0) _uploads.Add(new BufferCopy(stagingOffset, dst.Offset, bytes));
    }

    public void FlushUploads()
    {
        if (_uploads.Count > 0)
        {
            var regions = CollectionsMarshal.AsSpan(_uploads);
            fixed (BufferCopy* r = regions) _vk.CmdCopyBuffer(_cmd, _staging, _arena, (uint)regions.Length, r);
        }
        // Host writes to staging are made available by the submit itself; this orders the copies before the shaders.
        Barrier(PipelineStageFlags.TransferBit, AccessFlags.TransferWriteBit, PipelineStageFlags.ComputeShaderBit, AccessFlags.ShaderReadBit | AccessFlags.ShaderWriteBit);
    }

    /// <summary>What <see cref="Poison"/> fills the arena with: -1e30 as a float, a value no filter produces from 0..1 data.</summary>
    public const float PoisonValue = -1e30f;

    /// <summary>For benchmarks: fills the whole arena with <see cref="PoisonValue"/> before this submit's uploads, so an output
    /// pixel that no pass writes shows up instead of a previous run's value.</summary>
    public void Poison()
    {
        _vk.CmdFillBuffer(_cmd, _arena, 0, Vk.WholeSize, BitConverter.SingleToUInt32Bits(PoisonValue));
        Barrier(PipelineStageFlags.TransferBit, AccessFlags.TransferWriteBit, PipelineStageFlags.TransferBit | PipelineStageFlags.ComputeShaderBit,
            AccessFlags.TransferWriteBit | AccessFlags.ShaderReadBit | AccessFlags.ShaderWriteBit);
    }

    /// <summary>Makes every earlier shader write visible to later shaders (one pass feeds the next).</summary>
    public void ComputeBarrier() =>
        Barrier(PipelineStageFlags.ComputeShaderBit, AccessFlags.ShaderWriteBit, PipelineStageFlags.ComputeShaderBit, AccessFlags.ShaderReadBit | AccessFlags.ShaderWriteBit);

    /// <summary>Copies an arena range back to staging after the shaders have written it; readable once <see cref="Submit"/> returns.</summary>
    public void Download(Slice src, ulong stagingOffset, ulong bytes)
    {
        Barrier(PipelineStageFlags.ComputeShaderBit, AccessFlags.ShaderWriteBit, PipelineStageFlags.TransferBit, AccessFlags.TransferReadBit);
        var region = new BufferCopy(src.Offset, stagingOffset, bytes);
        _vk.CmdCopyBuffer(_cmd, _arena, _staging, 1, &region);
        Barrier(PipelineStageFlags.TransferBit, AccessFlags.TransferWriteBit, PipelineStageFlags.HostBit, AccessFlags.HostReadBit);
    }

    void Barrier(PipelineStageFlags src, AccessFlags srcAccess, PipelineStageFlags dst, AccessFlags dstAccess)
    {
        var mb = new MemoryBarrier { SType = StructureType.MemoryBarrier, SrcAccessMask = srcAccess, DstAccessMask = dstAccess };
        _vk.CmdPipelineBarrier(_cmd, src, dst, 0, 1, &mb, 0, null, 0, null);
    }

    public void Timestamp(uint index)
    {
        if (HasTimestamps) _vk.CmdWriteTimestamp(_cmd, PipelineStageFlags.AllCommandsBit, _queries, index);
    }

    /// <summary>Records one dispatch of <paramref name="shader"/> over a <paramref name="sizeX"/> × <paramref name="sizeY"/> grid of
    /// invocations (rounded up to whole workgroups; the shader bounds-checks).</summary>
    public void Dispatch(string shader, ReadOnlySpan<Slice> bindings, ReadOnlySpan<byte> push, uint sizeX, uint sizeY,
        ReadOnlySpan<uint> extraConstants = default, uint wantX = 16, uint wantY = 16)
    {
        if (sizeX == 0 || sizeY == 0) return;
        var (gx, gy) = Workgroup(_dev, wantX, wantY);
        Span<uint> constants = stackalloc uint[2 + extraConstants.Length];
        constants[0] = gx;
        constants[1] = gy;
        extraConstants.CopyTo(constants[2..]);
        var pipeline = _dev.Pipelines.Get(shader, constants);

        var layout = _dev.SetLayout;
        var ai = new DescriptorSetAllocateInfo { SType = StructureType.DescriptorSetAllocateInfo, DescriptorPool = _descriptors, DescriptorSetCount = 1, PSetLayouts = &layout };
        DescriptorSet set;
        VkCheck.Ok(_vk.AllocateDescriptorSets(_dev.Device, &ai, &set), "vkAllocateDescriptorSets");
        var infos = stackalloc DescriptorBufferInfo[VulkanDevice.MaxBindings];
        var writes = stackalloc WriteDescriptorSet[VulkanDevice.MaxBindings];
        for (int i = 0; i < VulkanDevice.MaxBindings; i++)
        {
            // Bindings a shader does not use still need a valid buffer: repeat the first.
            var s = i < bindings.Length ? bindings[i] : bindings[0];
            infos[i] = new DescriptorBufferInfo(_arena, s.Offset, Math.Max(4, s.Size));
            writes[i] = new WriteDescriptorSet
            {
                SType = StructureType.WriteDescriptorSet,
                DstSet = set,
                DstBinding = (uint)i,
                DescriptorCount = 1,
                DescriptorType = DescriptorType.StorageBuffer,
                PBufferInfo = &infos[i],
            };
        }
        _vk.UpdateDescriptorSets(_dev.Device, VulkanDevice.MaxBindings, writes, 0, null);
        _vk.CmdBindPipeline(_cmd, PipelineBindPoint.Compute, pipeline);
        _vk.CmdBindDescriptorSets(_cmd, PipelineBindPoint.Compute, _dev.Layout, 0, 1, &set, 0, null);
        fixed (byte* p = push) _vk.CmdPushConstants(_cmd, _dev.Layout, ShaderStageFlags.ComputeBit, 0, (uint)push.Length, p);
        _vk.CmdDispatch(_cmd, (sizeX + gx - 1) / gx, (sizeY + gy - 1) / gy, 1);
    }

    /// <summary>The workgroup size actually used for a wanted one: clamped to the device's per-axis and total limits.</summary>
    public static (uint X, uint Y) Workgroup(VulkanDevice dev, uint wantX, uint wantY)
    {
        uint x = Math.Max(1, Math.Min(wantX, dev.MaxGroupX)), y = Math.Max(1, Math.Min(wantY, dev.MaxGroupY));
        while (x * y > dev.MaxGroupInvocations)
        {
            if (y >= x && y > 1) y /= 2;
            else x /= 2;
        }
        return (x, y);
    }

    /// <summary>Ends recording, submits with this job's fence (queue access serialised) and waits for completion.</summary>
    public void Submit()
    {
        VkCheck.Ok(_vk.EndCommandBuffer(_cmd), "vkEndCommandBuffer");
        var fence = _fence;
        VkCheck.Ok(_vk.ResetFences(_dev.Device, 1, &fence), "vkResetFences");
        var cmd = _cmd;
        var si = new SubmitInfo { SType = StructureType.SubmitInfo, CommandBufferCount = 1, PCommandBuffers = &cmd };
        _dev.ThrowIfLost();
        lock (_dev.SubmitLock) _dev.CheckQueue(_vk.QueueSubmit(_dev.Queue, 1, &si, _fence), "vkQueueSubmit");
        _dev.CheckQueue(_vk.WaitForFences(_dev.Device, 1, &fence, true, ulong.MaxValue), "vkWaitForFences");
    }

    /// <summary>Nanoseconds between timestamps <paramref name="from"/> and <paramref name="to"/> of the last submit (0 without
    /// timestamps); the submit must have written both and every timestamp between them.</summary>
    public double ElapsedNs(uint from, uint to)
    {
        if (!HasTimestamps) return 0;
        uint count = to - from + 1;
        var t = stackalloc ulong[(int)Timestamps];
        VkCheck.Ok(_vk.GetQueryPoolResults(_dev.Device, _queries, from, count, (nuint)(8 * count), t, 8, QueryResultFlags.Result64Bit | QueryResultFlags.ResultWaitBit),
            "vkGetQueryPoolResults");
        return (t[count - 1] - t[0]) * _dev.TimestampPeriodNs;
    }

    public void Dispose()
    {
        var d = _dev.Device;
        if (_queries.Handle != 0) _vk.DestroyQueryPool(d, _queries, null);
        if (_fence.Handle != 0) _vk.DestroyFence(d, _fence, null);
        if (_descriptors.Handle != 0) _vk.DestroyDescriptorPool(d, _descriptors, null);
        if (_pool.Handle != 0) _vk.DestroyCommandPool(d, _pool, null);
        if (Staging != null) _vk.UnmapMemory(d, _stagingMem);
        if (_staging.Handle != 0) _vk.DestroyBuffer(d, _staging, null);
        if (_stagingMem.Handle != 0) _vk.FreeMemory(d, _stagingMem, null);
        if (_arena.Handle != 0) _vk.DestroyBuffer(d, _arena, null);
        if (_arenaMem.Handle != 0) _vk.FreeMemory(d, _arenaMem, null);
        _queries = default;
        _fence = default;
        _descriptors = default;
        _pool = default;
        Staging = null;
        _staging = default;
        _stagingMem = default;
        _arena = default;
        _arenaMem = default;
    }
}

/// <summary>
/// Keeps the last operation's device buffers for the next one (hosts refine frame after frame: allocating a gigabyte of
/// device memory per call costs milliseconds). Holds at most one job, the largest recently needed; freed by
/// <see cref="Clear"/> or when its owner is disposed. Callers serialise their use of it.
/// </summary>
sealed class JobCache : IDisposable
{
    GpuJob? _job;

    public GpuJob Rent(VulkanDevice dev, ulong arenaBytes, ulong stagingBytes)
    {
        if (_job != null && _job.ArenaBytes >= arenaBytes && _job.StagingBytes >= stagingBytes) return _job;
        Clear();
        _job = new GpuJob(dev, arenaBytes, stagingBytes);
        return _job;
    }

    /// <summary>Rents buffers for the plan <paramref name="makePlan"/> makes of the budget, halving the budget (down to
    /// 64 MiB) while the driver has less memory than the budget promised: smaller tiles, same result.</summary>
    public (GpuJob Job, TPlan Plan) RentShrinking<TPlan>(VulkanDevice dev, ulong budget, Func<ulong, TPlan> makePlan,
        Func<TPlan, (ulong Arena, ulong Staging)> bytes)
    {
        var plan = makePlan(budget);
        while (true)
        {
            try
            {
                var (arena, staging) = bytes(plan);
                return (Rent(dev, arena, staging), plan);
            }
            catch (DpException e) when (e.Status == DpStatus.OutOfMemory && budget > 64UL << 20)
            {
                budget /= 2;
                plan = makePlan(budget);
            }
        }
    }

    /// <summary>Runs work on the rented buffers; a lost device or exhausted memory drops them first (they may be unusable,
    /// or their memory wanted back), then the failure goes on.</summary>
    public T Use<T>(Func<T> work)
    {
        try { return work(); }
        catch (DpException e) when (e.Status is DpStatus.Device or DpStatus.OutOfMemory)
        {
            Clear();
            throw;
        }
    }

    public void Clear()
    {
        _job?.Dispose();
        _job = null;
    }

    public void Dispose() => Clear();
}

/// <summary>Little helper to build a push-constant block field by field (ints and floats, 4 bytes each).</summary>
ref struct Push
{
    readonly Span<byte> _buf;
    int _n;

    public Push(Span<byte> buffer)
    {
        _buf = buffer;
        _n = 0;
    }

    public Push Int(int v)
    {
        if (_n + 4 > VulkanDevice.PushConstantBytes) throw new DpException(DpStatus.Internal, "push constants exceed 128 bytes");
        MemoryMarshal.Write(_buf[_n..], in v);
        _n += 4;
        return this;
    }

    public Push Float(float v) => Int(BitConverter.SingleToInt32Bits(v));

    public readonly ReadOnlySpan<byte> Bytes => _buf[.._n];
}

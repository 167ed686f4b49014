using DepthPlugins.Core;
using DepthPlugins.Core.Deformable;
using DepthPlugins.Core.Imaging;
using DepthPlugins.Core.Processing;

namespace DepthPlugins.Vulkan;

/// <summary>
/// FDKN on the device — the computation of <see cref="FdknCpu"/>, which the tests hold it to. Per strip of
/// ¼-resolution rows, one submit uploads the guide-luminance and target rows the strip needs, runs each branch's six
/// convolutions as implicit-GEMM passes (fdkn_conv.comp: space-to-depth folded into conv1's loads, bias and ReLU into
/// the epilogue), the image heads, the depth heads (whose epilogue multiplies the branches and spreads the result to
/// full resolution), then the deformable filter (deformable.comp), and reads the strip's output rows back. Strips get
/// smaller until their buffers fit the memory budget; the 6-row halo makes them join exactly, as on the CPU.
/// </summary>
sealed unsafe class FdknJob
{
    const int GemmThreads = 256, GemmPixels = 128, GemmChannels = 64;

    readonly VulkanDevice _dev;
    readonly Plane _guide, _target;   // padded to multiples of 4
    readonly int _outW, _outH, _w4, _h4, _wq, _hq;
    readonly float[] _weights;
    readonly (long Offset, int Floats)[] _layers; // per layer (image convs, image heads, depth convs, depth heads): floats into _weights
    readonly ConvLayer[] _layerDefs;

    public FdknJob(VulkanDevice dev, FdknModel model, Plane guide, Plane target, int outW, int outH)
    {
        _dev = dev;
        _guide = guide;
        _target = target;
        _outW = outW;
        _outH = outH;
        _w4 = guide.Width;
        _h4 = guide.Height;
        _wq = _w4 / FdknModel.Factor;
        _hq = _h4 / FdknModel.Factor;
        _layerDefs = [.. model.Image.Convs, model.Image.Heads, .. model.Depth.Convs, model.Depth.Heads];
        // Each layer as [k][cout] (k = ci·KK + tap) followed by its biases, aligned for binding as its own buffer.
        long align = (long)Math.Max(4UL, dev.StorageAlignment) / 4;
        _layers = new (long, int)[_layerDefs.Length];
        long total = 0;
        for (int l = 0; l < _layerDefs.Length; l++)
        {
            var L = _layerDefs[l];
            int n = L.InChannels * L.Kernel * L.Kernel * L.OutChannels + L.OutChannels;
            _layers[l] = (total, n);
            total += (n + align - 1) / align * align;
        }
        _weights = new float[total];
        for (int l = 0; l < _layerDefs.Length; l++)
        {
            var L = _layerDefs[l];
            int K = L.InChannels * L.Kernel * L.Kernel;
            long o = _layers[l].Offset;
            for (int co = 0; co < L.OutChannels; co++)
            {
                for (int k = 0; k < K; k++) _weights[o + (long)k * L.OutChannels + co] = L.Weights[co * K + k];
                _weights[o + (long)K * L.OutChannels + co] = L.Bias[co];
            }
        }
    }

    sealed class Plan
    {
        public required int Strip;
        public required Dictionary<string, Slice> Arena;
        public required Dictionary<string, ulong> Staging;
        public required ulong ArenaBytes, StagingBytes;
    }

    Plan? TryPlan(int strip, ulong budget)
    {
        int cap = Math.Min(_hq, strip + 2 * FdknModel.Halo), widest = FdknModel.Channels.Max();
        ulong F(long n) => 4UL * (ulong)n;
        var buffers = new List<(string Name, ulong Bytes, bool Staged)>
        {
            ("weights", F(_weights.LongLength), true),
            ("guide", F((long)FdknModel.Factor * cap * _w4), true),
            ("target", F((long)FdknModel.Factor * cap * _w4), true),
            ("ping", F((long)widest * cap * _wq), false),
            ("pong", F((long)widest * cap * _wq), false),
            ("heads", F((long)FdknModel.HeadChannels * strip * _wq), false),
            ("kernels", F(3L * FdknModel.Taps * FdknModel.Factor * strip * _w4), false),
            ("out", F((long)FdknModel.Factor * strip * _outW), true),
        };
        ulong align = _dev.StorageAlignment, arena = 0, staging = 0;
        var arenaLayout = new Dictionary<string, Slice>();
        var stagingLayout = new Dictionary<string, ulong>();
        foreach (var (name, bytes, staged) in buffers)
        {
            if (bytes > _dev.MaxStorageBufferRange || bytes > int.MaxValue) return null; // one binding, int indices in the shaders
            arenaLayout[name] = new Slice(arena, bytes);
            arena += (bytes + align - 1) / align * align;
            if (staged)
            {
                stagingLayout[name] = staging;
                staging += (bytes + 15) & ~15UL;
            }
        }
        if (arena > _dev.MaxAllocation || staging > _dev.MaxAllocation || arena + staging > budget) return null;
        return new Plan { Strip = strip, Arena = arenaLayout, Staging = stagingLayout, ArenaBytes = arena, StagingBytes = staging };
    }

    Plan MakePlan(ulong budget)
    {
        for (int strip = _hq; ; strip = (strip + 1) / 2)
        {
            var p = TryPlan(strip, budget);
            if (p != null) return p;
            if (strip == 1)
                throw new DpException(DpStatus.OutOfMemory, $"Vulkan: the device memory budget of {budget >> 20} MiB cannot hold one strip of FDKN at width {_w4}; raise the budget or use the CPU backend");
        }
    }

    public (Plane Result, GpuTiming Timing) Run(ulong budget, Progress progress, JobCache cache)
    {
        var (gx, gy) = GpuJob.Workgroup(_dev, GemmThreads, 1);
        if (gx != GemmThreads || gy != 1)
            throw new DpException(DpStatus.Unsupported, $"Vulkan: FDKN needs workgroups of {GemmThreads} invocations; this device allows {_dev.MaxGroupInvocations}");
        var (job, plan) = cache.RentShrinking(_dev, budget, MakePlan, p => (p.ArenaBytes, p.StagingBytes));
        return cache.Use(() => RunStrips(job, plan, progress));
    }

    (Plane, GpuTiming) RunStrips(GpuJob job, Plan plan, Progress progress)
    {
        var result = new Plane(_outW, _outH);
        int S = plan.Strip, strips = (_hq + S - 1) / S, f = FdknModel.Factor;
        double ns = 0, allNs = 0;
        Span<byte> pb = stackalloc byte[(int)VulkanDevice.PushConstantBytes];
        // The weights go up with the first strip and stay in the arena for the others.
        _weights.AsSpan().CopyTo(new Span<float>(job.Staging + plan.Staging["weights"], _weights.Length));
        for (int s0 = 0, i = 0; s0 < _hq; s0 += S, i++)
        {
            progress.Report((float)i / strips);
            int s1 = Math.Min(_hq, s0 + S);
            int r0 = Math.Max(0, s0 - FdknModel.Halo), r1 = Math.Min(_hq, s1 + FdknModel.Halo);
            int y0 = f * s0, y1 = Math.Min(_outH, f * s1);
            if (y1 <= y0) break; // only padding rows are left
            int n = f * (r1 - r0) * _w4;
            _guide.Data.AsSpan(f * r0 * _w4, n).CopyTo(new Span<float>(job.Staging + plan.Staging["guide"], n));
            _target.Data.AsSpan(f * r0 * _w4, n).CopyTo(new Span<float>(job.Staging + plan.Staging["target"], n));
            job.Begin();
            var A = plan.Arena;
            if (i == 0) job.Upload(plan.Staging["weights"], A["weights"], A["weights"].Size);
            job.Upload(plan.Staging["guide"], A["guide"], 4UL * (ulong)n);
            job.Upload(plan.Staging["target"], A["target"], 4UL * (ulong)n);
            job.FlushUploads();
            job.Timestamp(0);
            job.Timestamp(1);
            Branch(job, plan, 0, A["guide"], s0, s1, r0, r1);
            Branch(job, plan, 7, A["target"], s0, s1, r0, r1);
            var push = new Push(pb).Int(_w4).Int(_h4).Int(f * r0).Int(f * (r1 - r0)).Int(f * s0).Int(f * (s1 - s0))
                .Int(y0).Int(y1 - y0).Int(_outW).Int(FdknModel.KernelSize).Int(FdknModel.WindowSize).Int(1);
            job.Dispatch("deformable", [A["target"], A["kernels"], A["out"]], push.Bytes, (uint)_outW, (uint)(y1 - y0));
            job.Timestamp(2);
            ulong outBytes = 4UL * (ulong)((y1 - y0) * _outW);
            job.Download(A["out"], plan.Staging["out"], outBytes);
            job.Timestamp(3);
            job.Submit();
            ns += job.ElapsedNs(1, 2);
            allNs += job.ElapsedNs(0, 3);
            new ReadOnlySpan<float>(job.Staging + plan.Staging["out"], (y1 - y0) * _outW).CopyTo(result.Data.AsSpan(y0 * _outW));
        }
        progress.Report(1f);
        return (result, new GpuTiming(ns / 1e6, allNs / 1e6, strips));
    }

    /// <summary>The deformable filter alone over a whole image (what <see cref="DeformableFilter.Apply"/> computes).</summary>
    public static Plane Deformable(VulkanDevice dev, Plane target, DeformableKernels kernels, DeformableParams p, ulong budget, JobCache cache)
    {
        int w = target.Width, h = target.Height;
        ulong align = dev.StorageAlignment, t = 4UL * (ulong)target.Length, wk = 4UL * (ulong)kernels.Weights.Length, ok = 4UL * (ulong)kernels.Offsets.Length;
        ulong A(ulong b) => (b + align - 1) / align * align;
        ulong arena = A(t) + A(wk + ok) + A(t), staging = t + wk + ok + t;
        if (t + wk + ok > dev.MaxStorageBufferRange || arena + staging > budget || arena > dev.MaxAllocation)
            throw new DpException(DpStatus.OutOfMemory, $"Vulkan: a {w}x{h} deformable filter does not fit the device memory budget of {budget >> 20} MiB");
        var job = cache.Rent(dev, arena, staging);
        var sTarget = new Slice(0, t);
        var sKernels = new Slice(A(t), wk + ok);
        var sOut = new Slice(A(t) + A(wk + ok), t);
        target.Data.AsSpan().CopyTo(new Span<float>(job.Staging, target.Data.Length));
        kernels.Weights.AsSpan().CopyTo(new Span<float>(job.Staging + t, kernels.Weights.Length));
        kernels.Offsets.AsSpan().CopyTo(new Span<float>(job.Staging + t + wk, kernels.Offsets.Length));
        job.Begin();
        job.Upload(0, sTarget, t);
        job.Upload(t, sKernels, wk + ok);
        job.FlushUploads();
        Span<byte> pb = stackalloc byte[(int)VulkanDevice.PushConstantBytes];
        var push = new Push(pb).Int(w).Int(h).Int(0).Int(h).Int(0).Int(h).Int(0).Int(h).Int(w)
            .Int(p.KernelSize).Int(p.WindowSize).Int(p.Mode == DeformableMode.Residual ? 1 : 0);
        job.Dispatch("deformable", [sTarget, sKernels, sOut], push.Bytes, (uint)w, (uint)h);
        job.Download(sOut, t + wk + ok, t);
        job.Submit();
        var result = new Plane(w, h);
        new ReadOnlySpan<float>(job.Staging + t + wk + ok, result.Data.Length).CopyTo(result.Data);
        return result;
    }

    /// <summary>Records one branch for strip rows [s0, s1): six 3×3 convolutions on shrinking row ranges (the first reads
    /// the full-resolution plane through space-to-depth), then the heads on the strip rows — the image heads into "heads",
    /// the depth heads combined with them into the full-resolution "kernels".</summary>
    void Branch(GpuJob job, Plan plan, int firstLayer, Slice source, int s0, int s1, int r0, int r1)
    {
        var A = plan.Arena;
        int halo = FdknModel.Halo;
        Slice input = source;
        int inTop = r0, inRows = r1 - r0;
        for (int l = 1; l <= 6; l++)
        {
            int o0 = Math.Max(0, s0 - (halo - l)), o1 = Math.Min(_hq, s1 + (halo - l));
            var output = A[l % 2 == 1 ? "ping" : "pong"];
            Conv(job, plan, firstLayer + l - 1, input, output, output, inTop, inRows, o0, o1 - o0, o0, o1 - o0, s2d: l == 1, epilogue: 0);
            job.ComputeBarrier();
            input = output;
            inTop = o0;
            inRows = o1 - o0;
        }
        bool image = firstLayer == 0;
        Conv(job, plan, firstLayer + 6, input, image ? A["heads"] : A["kernels"], A["heads"], inTop, inRows, s0, s1 - s0, s0, s1 - s0, s2d: false, epilogue: image ? 1 : 2);
        job.ComputeBarrier();
    }

    void Conv(GpuJob job, Plan plan, int layer, Slice input, Slice output, Slice other, int inTop, int inRows, int y0, int ny, int outTop, int outRows, bool s2d, int epilogue)
    {
        var L = _layerDefs[layer];
        var (offset, floats) = _layers[layer];
        var w = plan.Arena["weights"];
        var weights = new Slice(w.Offset + 4UL * (ulong)offset, 4UL * (ulong)floats);
        Span<byte> pb = stackalloc byte[(int)VulkanDevice.PushConstantBytes];
        var push = new Push(pb).Int(L.InChannels).Int(L.OutChannels).Int(_wq).Int(_hq).Int(inTop).Int(inRows).Int(y0).Int(ny).Int(outTop).Int(outRows);
        uint groupsX = (uint)((ny * _wq + GemmPixels - 1) / GemmPixels), groupsY = (uint)((L.OutChannels + GemmChannels - 1) / GemmChannels);
        job.Dispatch("fdkn_conv", [input, weights, output, other], push.Bytes, groupsX * GemmThreads, groupsY,
            [(uint)L.Kernel, s2d ? 1u : 0u, (uint)epilogue], GemmThreads, 1);
    }
}

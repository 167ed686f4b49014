using DepthPlugins.Core;
using DepthPlugins.Core.Imaging;
using DepthPlugins.Core.Processing;
using DepthPlugins.Core.Refinement;

namespace DepthPlugins.Vulkan;

/// <summary>
/// Cascade upsampling on the device: the computation of <see cref="CascadeUpsampling.Apply"/>, which the tests hold it
/// to. Guide and depth go up once and the estimate stays on the device until the last stage is read back. The bicubic
/// start is the masked resampling pair (resample_h/v, the vertical half with the start's 0.3 weight threshold); each
/// stage is cascade_stage.comp; back-projection between stages is a masked shrink (resample_h/v), the soft-thresholded
/// residual (cascade_residual.comp), an enlargement (resample_h/v) and cascade_add.comp. One submit per stage, so
/// progress and cancellation are checked between stages. The noise sigma (a median) is computed on the host.
/// Back-projection compares the whole estimate with the whole input, so the image is not tiled: <see cref="Run"/>
/// returns null when it does not fit the budget, and the caller runs the CPU cascade instead.
/// </summary>
sealed unsafe class CascadeJob
{
    readonly VulkanDevice _dev;
    readonly Image _guide;
    readonly Plane _depth;
    readonly DepthValidity _validity;
    readonly int _W, _H, _w, _h, _nc;
    readonly int[] _radii;
    readonly float _tau, _rangeScale;
    readonly float[] _spatial;
    // Resampling tables (taps, weights): up = low → full resolution, down = full → low; X then Y.
    readonly (int[] Taps, float[] Weights) _upX, _upY, _downX, _downY;

    public CascadeJob(VulkanDevice dev, Image guide, Plane depth, CascadeParams p, DepthValidity validity)
    {
        _dev = dev;
        _guide = guide;
        _depth = depth;
        _validity = validity;
        (_W, _H, _w, _h, _nc) = (guide.Width, guide.Height, depth.Width, depth.Height, guide.Channels.Length);
        _radii = CascadeUpsampling.Radii(p.StartRadius > 0 ? p.StartRadius : CascadeUpsampling.AutoStartRadius(_W, _H, _w, _h));
        var (d, m) = validity.Split(depth);
        _tau = (float)(CascadeUpsampling.NoiseThreshold * CascadeUpsampling.NoiseSigma(d, m, _w, _h));
        _rangeScale = -1f / (2f * p.SigmaRange * p.SigmaRange);
        // Every stage's spatial weights, 25 (R = 1: 9) each, computed as the CPU computes them.
        var sp = new List<float>();
        foreach (int R in _radii)
        {
            var (step, n) = Taps(R);
            for (int j = -n; j <= n; j++)
                for (int i = -n; i <= n; i++)
                {
                    int dx = i * step, dy = j * step;
                    sp.Add(MathF.Exp(-(dx * dx + dy * dy) / (2f * R * R)));
                }
        }
        _spatial = sp.ToArray();
        _upX = VulkanImageOps.Flatten(Resampler.Weights(_w, _W, ResampleFilter.Bicubic));
        _upY = VulkanImageOps.Flatten(Resampler.Weights(_h, _H, ResampleFilter.Bicubic));
        _downX = VulkanImageOps.Flatten(Resampler.Weights(_W, _w, ResampleFilter.Bicubic));
        _downY = VulkanImageOps.Flatten(Resampler.Weights(_H, _h, ResampleFilter.Bicubic));
    }

    /// <summary>A stage's tap spacing and half-width: 5×5 taps R/2 apart, 3×3 taps 1 apart at R = 1.</summary>
    static (int Step, int N) Taps(int R) => R >= 2 ? (R / 2, 2) : (1, 1);

    sealed record Plan(Dictionary<string, Slice> Arena, Dictionary<string, ulong> Staging, ulong ArenaBytes, ulong StagingBytes);

    /// <summary>The buffers of the whole image, or null when they do not fit the budget or the device's limits.</summary>
    Plan? TryPlan(ulong budget)
    {
        ulong F(long n) => 4UL * (ulong)n;
        long full = (long)_W * _H, low = (long)_w * _h;
        var buffers = new List<(string Name, ulong Bytes, bool Staged)>
        {
            ("guide", F(_nc * full), true),
            ("depth", F(low), true),
            ("spatial", F(_spatial.Length), true),
        };
        foreach (var (name, t) in new[] { ("upX", _upX), ("upY", _upY), ("downX", _downX), ("downY", _downY) })
        {
            buffers.Add(($"{name}Taps", F(t.Taps.Length), true));
            buffers.Add(($"{name}Weights", F(t.Weights.Length), true));
        }
        buffers.Add(("x", F(full), false));
        buffers.Add(("y", F(full), false));
        // The horizontal half of a masked resampling writes sums and weight sums: enlarging W × h, shrinking w × H.
        buffers.Add(("tmp", F(2 * Math.Max((long)_W * _h, (long)_w * _H)), false));
        buffers.Add(("shrunk", F(low), false));
        buffers.Add(("residual", F(low), false));
        buffers.Add(("out", F(full), true));
        ulong align = _dev.StorageAlignment, arena = 0, staging = 0;
        var arenaLayout = new Dictionary<string, Slice>();
        var stagingLayout = new Dictionary<string, ulong>();
        foreach (var (name, bytes, staged) in buffers)
        {
            if (bytes > _dev.MaxStorageBufferRange || bytes > int.MaxValue) return null;
            if (staged)
            {
                stagingLayout[name] = staging;
                staging += (bytes + 15) & ~15UL;
            }
            if (name == "out") continue; // read back from "x": staging only
            arenaLayout[name] = new Slice(arena, bytes);
            arena += (bytes + align - 1) / align * align;
        }
        if (arena > _dev.MaxAllocation || staging > _dev.MaxAllocation || arena + staging > budget) return null;
        return new Plan(arenaLayout, stagingLayout, arena, staging);
    }

    /// <summary>Runs every stage on the device; null when the image does not fit (nothing was run).</summary>
    public Plane? Run(ulong budget, Progress progress, JobCache cache)
    {
        var plan = TryPlan(budget);
        if (plan == null) return null;
        GpuJob job;
        try { job = cache.Rent(_dev, plan.ArenaBytes, plan.StagingBytes); }
        catch (DpException e) when (e.Status == DpStatus.OutOfMemory)
        {
            return null; // the driver had less memory than the budget promised
        }
        return cache.Use(() => RunStages(job, plan, progress));
    }

    Plane RunStages(GpuJob job, Plan plan, Progress progress)
    {
        var A = plan.Arena;
        var S = plan.Staging;
        void Put<T>(string name, T[] data) where T : unmanaged =>
            data.AsSpan().CopyTo(new Span<T>(job.Staging + S[name], data.Length));
        for (int c = 0; c < _nc; c++)
            _guide.Channels[c].Data.AsSpan().CopyTo(new Span<float>(job.Staging + S["guide"] + 4UL * (ulong)c * (ulong)_W * (ulong)_H, _W * _H));
        Put("depth", _depth.Data);
        Put("spatial", _spatial);
        foreach (var (name, t) in new[] { ("upX", _upX), ("upY", _upY), ("downX", _downX), ("downY", _downY) })
        {
            Put($"{name}Taps", t.Taps);
            Put($"{name}Weights", t.Weights);
        }

        Span<byte> pb = stackalloc byte[(int)VulkanDevice.PushConstantBytes];
        int zi = _validity.ZeroIsInvalid ? 1 : 0, stages = _radii.Length, spatialBase = 0;
        Slice x = A["x"], y = A["y"];
        for (int k = 0; k < stages; k++)
        {
            progress.Report((float)k / stages);
            job.Begin();
            if (k == 0)
            {
                foreach (var (name, offset) in S)
                    if (name != "out") job.Upload(offset, A[name], A[name].Size);
                job.FlushUploads();
                // Bicubic start over the known samples; unknown where they carry 0.3 of the weight or less.
                ResampleH(job, A["depth"], A["tmp"], A, "upX", _w, _h, _W, 1 + zi, pb);
                ResampleV(job, A["tmp"], x, A, "upY", _W, _h, _H, true, CascadeUpsampling.MinStartWeight, pb);
            }
            int R = _radii[k];
            var (step, n) = Taps(R);
            job.Dispatch("cascade_stage", [A["guide"], x, A["spatial"], y],
                new Push(pb).Int(_W).Int(_H).Int(step).Int(n).Int(_nc).Float(_rangeScale).Int(spatialBase).Bytes, (uint)_W, (uint)_H);
            job.ComputeBarrier();
            spatialBase += (2 * n + 1) * (2 * n + 1);
            (x, y) = (y, x);
            if (k + 1 < stages)
            {
                // Back-projection: shrink over the estimate's known pixels, residual on the input's, enlarge into y, add.
                ResampleH(job, x, A["tmp"], A, "downX", _W, _H, _w, 1, pb);
                ResampleV(job, A["tmp"], A["shrunk"], A, "downY", _w, _H, _h, true, 1e-6f, pb);
                job.Dispatch("cascade_residual", [A["depth"], A["shrunk"], A["residual"]], new Push(pb).Int(_w).Int(_h).Int(zi).Float(_tau).Bytes, (uint)_w, (uint)_h);
                job.ComputeBarrier();
                ResampleH(job, A["residual"], A["tmp"], A, "upX", _w, _h, _W, 0, pb);
                ResampleV(job, A["tmp"], y, A, "upY", _W, _h, _H, false, 0f, pb);
                job.Dispatch("cascade_add", [x, y], new Push(pb).Int(_W).Int(_H).Bytes, (uint)_W, (uint)_H);
                job.ComputeBarrier();
            }
            else job.Download(x, S["out"], 4UL * (ulong)_W * (ulong)_H);
            job.Submit();
        }
        var result = new Plane(_W, _H);
        new ReadOnlySpan<float>(job.Staging + S["out"], result.Data.Length).CopyTo(result.Data);
        progress.Report(1f);
        return result;
    }

    static void ResampleH(GpuJob job, Slice src, Slice dst, Dictionary<string, Slice> A, string table, int srcW, int rows, int dstW, int mask, Span<byte> pb)
    {
        job.Dispatch("resample_h", [src, dst, A[$"{table}Taps"], A[$"{table}Weights"]],
            new Push(pb).Int(srcW).Int(rows).Int(dstW).Int(1).Int(mask).Bytes, (uint)dstW, (uint)rows);
        job.ComputeBarrier();
    }

    static void ResampleV(GpuJob job, Slice src, Slice dst, Dictionary<string, Slice> A, string table, int width, int srcRows, int dstRows, bool masked, float minWeight, Span<byte> pb)
    {
        job.Dispatch("resample_v", [src, dst, A[$"{table}Taps"], A[$"{table}Weights"]],
            new Push(pb).Int(width).Int(srcRows).Int(dstRows).Int(1).Int(masked ? 1 : 0).Float(minWeight).Bytes, (uint)width, (uint)dstRows);
        job.ComputeBarrier();
    }
}

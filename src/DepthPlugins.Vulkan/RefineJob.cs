using System.Runtime.InteropServices;
using DepthPlugins.Core;
using DepthPlugins.Core.Imaging;
using DepthPlugins.Core.Processing;
using DepthPlugins.Core.Refinement;

namespace DepthPlugins.Vulkan;

/// <summary>A rectangle [X0, X1) × [Y0, Y1) in some image's pixel grid.</summary>
readonly record struct Rect(int X0, int Y0, int X1, int Y1)
{
    public int W => X1 - X0;
    public int H => Y1 - Y0;
    public long Area => (long)W * H;
    public Rect Expand(int r) => new(X0 - r, Y0 - r, X1 + r, Y1 + r);
    public Rect Clip(int w, int h) => new(Math.Max(0, X0), Math.Max(0, Y0), Math.Min(w, X1), Math.Min(h, Y1));
    public Rect Union(Rect o) => new(Math.Min(X0, o.X0), Math.Min(Y0, o.Y0), Math.Max(X1, o.X1), Math.Max(Y1, o.Y1));
}

/// <summary>
/// What one GPU refinement reads and writes. The guide is one caller buffer (decoded, and prepared as
/// <see cref="DepthRefiner.PrepareGuide"/> does when <see cref="PrepareGuide"/> is set) or one GrayF32 buffer per plane
/// (the <see cref="IRefineKernels"/> path, whose planes are already prepared). Parameters are resolved ones.
/// </summary>
sealed record RefineSpec(
    PixelBuffer[] Guide,
    bool PrepareGuide,
    bool GreyGuide,
    PixelBuffer Depth,
    PixelBuffer Output,
    bool FinalizeUnknown,
    RefineMethod Method,
    int Radius,
    float SigmaSpatial,
    float SigmaRange,
    float Eps,
    bool ZeroIsInvalid)
{
    public int W => Guide[0].Width;
    public int H => Guide[0].Height;
    /// <summary>Planes the filters see: 1 for a grey guide (or luma), else 3.</summary>
    public int Channels => Guide.Length > 1 ? Guide.Length : Guide[0].IsGrey || GreyGuide ? 1 : 3;
}

/// <summary>GPU time of the last run, summed over tiles: the filter passes alone, and all passes incl. format conversion.</summary>
public readonly record struct GpuTiming(double FilterMs, double ComputeMs, int Tiles);

/// <summary>
/// Runs one refinement on the device, tile by tile within a memory budget. Each output tile T is computed from a region
/// G of the guide and D of the depth around it, large enough for every window the filter looks at, so each output pixel
/// sees exactly the values it would see untiled; every pass sums in a fixed order relative to the pixel, so tiled and
/// untiled results are bit-identical. Per tile: raw caller bytes go to staging once, then one submit decodes, filters,
/// encodes and copies the result back.
/// </summary>
sealed unsafe class RefineJob
{
    enum Kind { Jbf, JbfResized, Guided, GuidedUpsampled, Jbu }

    readonly VulkanDevice _dev;
    readonly RefineSpec _s;
    readonly Kind _kind;
    readonly int _nc, _r, _rLow, _W, _H, _w, _h;
    readonly (int Start, double[] W)[]? _ax, _ay, _bx, _by;
    readonly float _sx, _sy;
    readonly float[]? _spatial;
    // jbf_tile's invocation rows when it serves this radius on this device, else null (the generic jbf pass runs, with
    // the spatial weight table).
    readonly uint? _jbfTile;
    // The walking guided passes' shape (invocations per strip) when they serve this radius on this device, else null
    // (separable passes through device memory).
    readonly WalkShape? _walk;

    public RefineJob(VulkanDevice dev, RefineSpec spec)
    {
        _dev = dev;
        _s = spec;
        _nc = spec.Channels;
        _r = spec.Radius;
        _W = spec.W;
        _H = spec.H;
        _w = spec.Depth.Width;
        _h = spec.Depth.Height;
        bool smaller = _w != _W || _h != _H;
        switch (spec.Method)
        {
            case RefineMethod.JointBilateral:
                _kind = smaller ? Kind.JbfResized : Kind.Jbf;
                if (smaller)
                {
                    _bx = Resampler.Weights(_w, _W, ResampleFilter.Bicubic);
                    _by = Resampler.Weights(_h, _H, ResampleFilter.Bicubic);
                }
                _jbfTile = JbfTileRows(dev, _r);
                if (_jbfTile == null)
                {
                    // Exactly the CPU's table (JointBilateralFilter.Apply), so both paths weigh taps identically.
                    _spatial = new float[(2 * _r + 1) * (2 * _r + 1)];
                    for (int dy = -_r, t = 0; dy <= _r; dy++)
                        for (int dx = -_r; dx <= _r; dx++, t++)
                            _spatial[t] = MathF.Max(MathF.Exp(-(dx * dx + dy * dy) / (2f * spec.SigmaSpatial * spec.SigmaSpatial)), 1e-10f);
                }
                break;
            case RefineMethod.Guided:
                _kind = smaller ? Kind.GuidedUpsampled : Kind.Guided;
                if (smaller)
                {
                    _ax = Resampler.AreaWeights(_W, _w);
                    _ay = Resampler.AreaWeights(_H, _h);
                    _bx = Resampler.Weights(_w, _W, ResampleFilter.Bilinear);
                    _by = Resampler.Weights(_h, _H, ResampleFilter.Bilinear);
                    double scale = Math.Max((double)_W / _w, (double)_H / _h);
                    _rLow = Math.Max(1, (int)Math.Round(_r / scale));
                }
                _walk = WalkShape.For(dev, smaller ? _rLow : _r);
                break;
            case RefineMethod.JointBilateralUpsampling:
                _kind = Kind.Jbu;
                _ax = Resampler.AreaWeights(_W, _w);
                _ay = Resampler.AreaWeights(_H, _h);
                _sx = (float)_w / _W;
                _sy = (float)_h / _H;
                break;
            default:
                throw new DpException(DpStatus.Unsupported, $"refine method {spec.Method} has no Vulkan pass");
        }
    }

    /// <summary>Where a tile reads and writes, and the resampling tables sliced for it (taps relative to the source region).</summary>
    sealed record Geometry(Rect T, Rect G, Rect D, (int[] Taps, float[] Weights)[] Tables);

    Geometry Geometry_(Rect t)
    {
        switch (_kind)
        {
            case Kind.Jbf:
            {
                var g = t.Expand(_r).Clip(_W, _H);
                return new(t, g, g, []);
            }
            case Kind.JbfResized:
            {
                var g = t.Expand(_r).Clip(_W, _H);
                var (x0, x1) = TapRange(_bx!, g.X0, g.X1);
                var (y0, y1) = TapRange(_by!, g.Y0, g.Y1);
                var d = new Rect(x0, y0, x1, y1);
                return new(t, g, d, [Table(_bx!, g.X0, g.X1, d.X0), Table(_by!, g.Y0, g.Y1, d.Y0)]);
            }
            case Kind.Guided:
            {
                var g = GuidedGrid(t, _r, _W, _H);
                return new(t, g, g, []);
            }
            case Kind.GuidedUpsampled:
            {
                var (lx0, lx1) = TapRange(_bx!, t.X0, t.X1);
                var (ly0, ly1) = TapRange(_by!, t.Y0, t.Y1);
                var d = GuidedGrid(new Rect(lx0, ly0, lx1, ly1), _rLow, _w, _h);
                var g = AreaFootprint(d).Union(t);
                return new(t, g, d, [Table(_ax!, d.X0, d.X1, g.X0), Table(_ay!, d.Y0, d.Y1, g.Y0), Table(_bx!, t.X0, t.X1, d.X0), Table(_by!, t.Y0, t.Y1, d.Y0)]);
            }
            default:
            {
                int cx0 = JbuCentre(t.X0, _sx), cx1 = JbuCentre(t.X1 - 1, _sx);
                int cy0 = JbuCentre(t.Y0, _sy), cy1 = JbuCentre(t.Y1 - 1, _sy);
                var d = new Rect(cx0 - _r, cy0 - _r, cx1 + _r + 1, cy1 + _r + 1).Clip(_w, _h);
                var g = AreaFootprint(d).Union(t);
                return new(t, g, d, [Table(_ax!, d.X0, d.X1, g.X0), Table(_ay!, d.Y0, d.Y1, g.Y0)]);
            }
        }
    }

    /// <summary>
    /// The grid region the guided passes read for outputs over <paramref name="need"/>: the coefficients within r of an
    /// output, each from data within r of it, and further back to where the walks computing them start
    /// (guided_walk.glsl anchors segments at multiples of their rows and column groups at multiples of 4 in image
    /// coordinates): a mean at p is walked from its anchor A(p) and uses coefficients from A(p) − r on; a coefficient at c
    /// from A(c), using data from A(c) − r on. The same region serves the other guided passes (they need less).
    /// </summary>
    Rect GuidedGrid(Rect need, int r, int w, int h)
    {
        int rows = _walk != null ? WalkShape.Rows : 1;
        static int Down(int p, int a) => p >= 0 ? p / a * a : -((-p + a - 1) / a * a);
        static int Back(int p, int r, int a) => Down(Down(p, a) - r, a) - r;
        return new Rect(Back(need.X0, r, 4), Back(need.Y0, r, rows), need.X1 + 2 * r, need.Y1 + 2 * r).Clip(w, h);
    }

    /// <summary>The nearest low-resolution index to full-resolution pixel x, computed as the CPU (and jbu.comp) does.</summary>
    static int JbuCentre(int x, float s) => (int)MathF.Round((x + 0.5f) * s - 0.5f);

    Rect AreaFootprint(Rect d)
    {
        var (x0, x1) = TapRange(_ax!, d.X0, d.X1);
        var (y0, y1) = TapRange(_ay!, d.Y0, d.Y1);
        return new Rect(x0, y0, x1, y1);
    }

    static (int Lo, int Hi) TapRange((int Start, double[] W)[] table, int o0, int o1)
    {
        int lo = int.MaxValue, hi = int.MinValue;
        for (int i = o0; i < o1; i++)
        {
            lo = Math.Min(lo, table[i].Start);
            hi = Math.Max(hi, table[i].Start + table[i].W.Length);
        }
        return (lo, hi);
    }

    /// <summary>Taps (first relative to <paramref name="origin"/>, count, weight offset) and float weights for outputs [o0, o1).</summary>
    static (int[] Taps, float[] Weights) Table((int Start, double[] W)[] table, int o0, int o1, int origin)
    {
        var taps = new int[3 * (o1 - o0)];
        int total = 0;
        for (int i = o0; i < o1; i++) total += table[i].W.Length;
        var w = new float[total];
        int k = 0;
        for (int i = o0; i < o1; i++)
        {
            var (start, ws) = table[i];
            taps[3 * (i - o0)] = start - origin;
            taps[3 * (i - o0) + 1] = ws.Length;
            taps[3 * (i - o0) + 2] = k;
            foreach (var x in ws) w[k++] = (float)x;
        }
        return (taps, w);
    }

    static int Bpp(in PixelBuffer b) => PixelFormats.BytesPerPixel(b.Format);
    static ulong Pitch(int width, in PixelBuffer b) => ((ulong)width * (ulong)Bpp(b) + 3) & ~3UL;

    /// <summary>Every buffer a tile needs (name, bytes), and which of them travel through staging.</summary>
    List<(string Name, ulong Bytes, bool Staged)> Buffers(Geometry g)
    {
        ulong F(long n) => 4UL * (ulong)n;
        var list = new List<(string, ulong, bool)>();
        for (int k = 0; k < _s.Guide.Length; k++) list.Add(($"rawGuide{k}", Pitch(g.G.W, _s.Guide[k]) * (ulong)g.G.H, true));
        list.Add(("rawDepth", Pitch(g.D.W, _s.Depth) * (ulong)g.D.H, true));
        for (int i = 0; i < g.Tables.Length; i++)
        {
            list.Add(($"taps{i}", 4UL * (ulong)g.Tables[i].Taps.Length, true));
            list.Add(($"weights{i}", 4UL * (ulong)g.Tables[i].Weights.Length, true));
        }
        if (_spatial != null) list.Add(("spatial", F(_spatial.Length), true));
        list.Add(("rawOut", Pitch(g.T.W, _s.Output) * (ulong)g.T.H, true));
        list.Add(("guide", F(_nc * g.G.Area), false));
        list.Add(("depth", F(g.D.Area), false));
        list.Add(("out", F(g.T.Area), false));
        // "stats": the 14 (grey: 5) statistics of the separable coefficient pass, later the coefficients' horizontal
        // sums of the separable mean pass (_nc + 2 of them, fewer); the walking passes need neither.
        int K = _walk == null ? (_nc == 1 ? 5 : 14) : 0;
        switch (_kind)
        {
            case Kind.JbfResized:
                list.Add(("resampleTmp", F(2L * g.G.W * g.D.H), false));
                list.Add(("full", F(g.G.Area), false));
                break;
            case Kind.Guided:
                list.Add(("stats", F(K * g.G.Area), false));
                list.Add(("coef", F((_nc + 2) * g.G.Area), false));
                break;
            case Kind.GuidedUpsampled:
                list.Add(("areaTmp", F((long)_nc * g.D.W * g.G.H), false));
                list.Add(("low", F(_nc * g.D.Area), false));
                list.Add(("stats", F(K * g.D.Area), false));
                list.Add(("coef", F((_nc + 2) * g.D.Area), false));
                list.Add(("mean", F((_nc + 1) * g.D.Area), false));
                list.Add(("resampleTmp", F(2L * (_nc + 1) * g.T.W * g.D.H), false));
                list.Add(("meanT", F((_nc + 1) * g.T.Area), false));
                break;
            case Kind.Jbu:
                list.Add(("areaTmp", F((long)_nc * g.D.W * g.G.H), false));
                list.Add(("low", F(_nc * g.D.Area), false));
                break;
        }
        return list;
    }

    /// <summary>Tiles and the buffer layout that holds the largest of them.</summary>
    sealed class Plan
    {
        public required List<Geometry> Tiles;
        public required Dictionary<string, Slice> Arena;
        public required Dictionary<string, ulong> Staging;
        public required ulong ArenaBytes, StagingBytes;
    }

    Plan? TryPlan(int tw, int th, ulong budget)
    {
        var tiles = new List<Geometry>();
        var max = new Dictionary<string, (ulong Bytes, bool Staged)>();
        var order = new List<string>();
        for (int y = 0; y < _H; y += th)
            for (int x = 0; x < _W; x += tw)
            {
                var g = Geometry_(new Rect(x, y, Math.Min(_W, x + tw), Math.Min(_H, y + th)));
                tiles.Add(g);
                foreach (var (name, bytes, staged) in Buffers(g))
                {
                    if (bytes > _dev.MaxStorageBufferRange) return null; // one binding must stay addressable
                    if (!max.TryGetValue(name, out var cur)) order.Add(name);
                    max[name] = (Math.Max(cur.Bytes, bytes), staged);
                }
            }
        ulong align = _dev.StorageAlignment, arena = 0, staging = 0;
        var arenaLayout = new Dictionary<string, Slice>();
        var stagingLayout = new Dictionary<string, ulong>();
        foreach (var name in order)
        {
            var (bytes, staged) = max[name];
            arenaLayout[name] = new Slice(arena, bytes);
            arena += (bytes + align - 1) / align * align;
            if (staged)
            {
                stagingLayout[name] = staging;
                staging += (bytes + 15) & ~15UL;
            }
        }
        if (arena > _dev.MaxAllocation || staging > _dev.MaxAllocation || arena + staging > budget) return null;
        return new Plan { Tiles = tiles, Arena = arenaLayout, Staging = stagingLayout, ArenaBytes = arena, StagingBytes = staging };
    }

    /// <summary>The largest tiles (halving the longer side) whose buffers fit the budget.</summary>
    Plan MakePlan(ulong budget)
    {
        int tw = _W, th = _H;
        while (true)
        {
            var p = TryPlan(tw, th, budget);
            if (p != null) return p;
            if (tw <= 16 && th <= 16)
                throw new DpException(DpStatus.OutOfMemory,
                    $"Vulkan: the device memory budget of {budget >> 20} MiB cannot hold even a 16x16 tile of this operation (radius {_r}); raise the budget or use the CPU backend");
            if (tw >= th) tw = Math.Max(16, (tw + 1) / 2);
            else th = Math.Max(16, (th + 1) / 2);
        }
    }

    /// <summary>Runs the whole refinement; writes the caller's output only after every tile has succeeded. Buffers come
    /// from <paramref name="cache"/>, which keeps them for the next call.</summary>
    public GpuTiming Run(ulong budget, Progress progress, JobCache cache)
    {
        var (job, plan) = cache.RentShrinking(_dev, budget, MakePlan, p => (p.ArenaBytes, p.StagingBytes));
        return cache.Use(() => RunTiles(job, plan, progress));
    }

    /// <summary>
    /// For benchmarks (<see cref="VulkanRefineKernels.Profile"/>): one complete run with every device buffer poisoned first,
    /// so a pixel that no pass writes comes out as <see cref="GpuJob.PoisonValue"/> instead of an earlier run's value; then
    /// the filter passes alone, re-submitted back to back on the same device data, first for <paramref name="warmup"/> of
    /// wall time (the GPU busy, so its clocks settle) and then <paramref name="runs"/> times, each timed by timestamps.
    /// Returns the filter time of each timed run in ms. Only for operations that fit one tile.
    /// </summary>
    public double[] Profile(ulong budget, JobCache cache, int runs, TimeSpan warmup)
    {
        var plan = MakePlan(budget);
        if (plan.Tiles.Count != 1) throw DpException.Invalid($"profiling needs the operation in one tile; it takes {plan.Tiles.Count} within the budget");
        var job = cache.Rent(_dev, plan.ArenaBytes, plan.StagingBytes);
        var g = plan.Tiles[0];
        Stage(job, plan, g);
        job.Begin();
        RecordTile(job, plan, g, poison: true);
        job.Submit();
        CopyResult(job, plan, g, null, 0);

        var pb = new byte[VulkanDevice.PushConstantBytes];
        double Once()
        {
            job.Begin();
            job.Timestamp(1);
            RecordFilter(job, plan, g, pb);
            job.Timestamp(2);
            job.Submit();
            return job.ElapsedNs(1, 2) / 1e6;
        }
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        while (System.Diagnostics.Stopwatch.GetElapsedTime(start) < warmup) Once();
        var ms = new double[runs];
        for (int i = 0; i < runs; i++) ms[i] = Once();
        return ms;
    }

    GpuTiming RunTiles(GpuJob job, Plan plan, Progress progress)
    {
        {
            var o = _s.Output;
            int outBpp = Bpp(o);
            bool single = plan.Tiles.Count == 1;
            // Several tiles: collect the result in host memory first. The caller's buffer is written only after the last
            // tile and the last progress report (which may cancel), so a failure or cancel leaves it untouched.
            byte[]? result = single ? null : new byte[checked((long)_W * _H * outBpp)];
            double filterNs = 0, computeNs = 0;
            for (int i = 0; i < plan.Tiles.Count; i++)
            {
                progress.Report((float)i / plan.Tiles.Count);
                var g = plan.Tiles[i];
                Stage(job, plan, g);
                job.Begin();
                RecordTile(job, plan, g);
                job.Submit();
                filterNs += job.ElapsedNs(1, 2);
                computeNs += job.ElapsedNs(0, 3);
                if (result != null) CopyResult(job, plan, g, result, _W * outBpp);
            }
            progress.Report(1f);
            if (result != null)
                fixed (byte* r = result)
                    for (int y = 0; y < _H; y++)
                        System.Buffer.MemoryCopy(r + (long)y * _W * outBpp, (byte*)o.Data + (long)y * o.RowStrideBytes, _W * outBpp, _W * outBpp);
            else CopyResult(job, plan, plan.Tiles[0], null, 0);
            return new GpuTiming(filterNs / 1e6, computeNs / 1e6, plan.Tiles.Count);
        }
    }

    /// <summary>Copies a tile's encoded rows from staging into <paramref name="result"/> (packed rows), or into the caller's buffer when null.</summary>
    void CopyResult(GpuJob job, Plan plan, Geometry g, byte[]? result, int resultStride)
    {
        var o = _s.Output;
        int bpp = Bpp(o), rowBytes = g.T.W * bpp;
        ulong pitch = Pitch(g.T.W, o);
        var src = job.Staging + plan.Staging["rawOut"];
        for (int y = 0; y < g.T.H; y++)
        {
            var from = new ReadOnlySpan<byte>(src + (ulong)y * pitch, rowBytes);
            if (result == null) from.CopyTo(new Span<byte>((byte*)o.Data + (long)(g.T.Y0 + y) * o.RowStrideBytes + (long)g.T.X0 * bpp, rowBytes));
            else from.CopyTo(result.AsSpan(checked((int)((long)(g.T.Y0 + y) * resultStride + (long)g.T.X0 * bpp)), rowBytes));
        }
    }

    /// <summary>Host side of a tile: the caller's bytes of each region (one copy per row) and the tables into staging.</summary>
    void Stage(GpuJob job, Plan plan, Geometry g)
    {
        for (int k = 0; k < _s.Guide.Length; k++) CopyRegion(_s.Guide[k], g.G, job.Staging + plan.Staging[$"rawGuide{k}"]);
        CopyRegion(_s.Depth, g.D, job.Staging + plan.Staging["rawDepth"]);
        for (int i = 0; i < g.Tables.Length; i++)
        {
            g.Tables[i].Taps.AsSpan().CopyTo(new Span<int>(job.Staging + plan.Staging[$"taps{i}"], g.Tables[i].Taps.Length));
            g.Tables[i].Weights.AsSpan().CopyTo(new Span<float>(job.Staging + plan.Staging[$"weights{i}"], g.Tables[i].Weights.Length));
        }
        if (_spatial != null) _spatial.AsSpan().CopyTo(new Span<float>(job.Staging + plan.Staging["spatial"], _spatial.Length));
    }

    static void CopyRegion(in PixelBuffer b, Rect r, byte* dst)
    {
        int bpp = Bpp(b), rowBytes = r.W * bpp;
        ulong pitch = Pitch(r.W, b);
        for (int y = 0; y < r.H; y++)
        {
            var src = (byte*)b.Data + (long)(r.Y0 + y) * b.RowStrideBytes + (long)r.X0 * bpp;
            System.Buffer.MemoryCopy(src, dst + (ulong)y * pitch, rowBytes, rowBytes);
        }
    }

    void RecordTile(GpuJob job, Plan plan, Geometry g, bool poison = false)
    {
        var A = plan.Arena;
        if (poison) job.Poison();
        foreach (var (name, off) in plan.Staging)
            if (name != "rawOut") job.Upload(off, A[name], A[name].Size);
        job.FlushUploads();
        job.Timestamp(0);
        Span<byte> pb = stackalloc byte[(int)VulkanDevice.PushConstantBytes];

        // Decode: guide planes over G, depth over D.
        for (int k = 0; k < _s.Guide.Length; k++)
        {
            var b = _s.Guide[k];
            bool colour = !b.IsGrey;
            var pc = new Push(pb).Int(g.G.W).Int(g.G.H).Int((int)(Pitch(g.G.W, b) / 4)).Int((int)b.Format).Int(1)
                .Int(colour && b.Alpha == AlphaMode.Premultiplied ? 1 : 0)
                .Int(_s.PrepareGuide && PixelFormats.Resolve(b.Format, b.Transfer) == Transfer.Linear ? 1 : 0)
                .Int(_s.PrepareGuide && _s.GreyGuide && colour ? 1 : 0)
                .Int(_s.PrepareGuide ? 1 : 0).Int(0).Int(k);
            job.Dispatch("decode", [A[$"rawGuide{k}"], A["guide"]], pc.Bytes, (uint)g.G.W, (uint)g.G.H);
        }
        {
            var d = _s.Depth;
            var pc = new Push(pb).Int(g.D.W).Int(g.D.H).Int((int)(Pitch(g.D.W, d) / 4)).Int((int)d.Format).Int(0).Int(0).Int(0).Int(0).Int(0).Int(0).Int(0);
            job.Dispatch("decode", [A["rawDepth"], A["depth"]], pc.Bytes, (uint)g.D.W, (uint)g.D.H);
        }
        job.ComputeBarrier();
        job.Timestamp(1);

        RecordFilter(job, plan, g, pb);
        job.Timestamp(2);

        var o = _s.Output;
        int unknown = !_s.FinalizeUnknown ? 0 : _s.ZeroIsInvalid ? 1 : 2;
        var ep = new Push(pb).Int(g.T.W).Int(g.T.H).Int((int)(Pitch(g.T.W, o) / 4)).Int((int)o.Format).Int(1).Int(0).Int(0).Int(0).Int(unknown);
        uint words = (uint)((Pitch(g.T.W, o) + 3) / 4);
        job.Dispatch("encode", [A["out"], A["rawOut"]], ep.Bytes, words, (uint)g.T.H);
        job.Timestamp(3);
        job.Download(A["rawOut"], plan.Staging["rawOut"], A["rawOut"].Size);
    }

    /// <summary>The filter passes of a tile (decoded planes in, "out" written), between timestamps 1 and 2.</summary>
    void RecordFilter(GpuJob job, Plan plan, Geometry g, Span<byte> pb)
    {
        var A = plan.Arena;
        int zi = _s.ZeroIsInvalid ? 1 : 0;
        int tx = g.T.X0 - g.G.X0, ty = g.T.Y0 - g.G.Y0;
        switch (_kind)
        {
            case Kind.Jbf:
                Jbf(job, A, g, A["depth"], tx, ty, zi, pb);
                break;
            case Kind.JbfResized:
                // Bicubic, validity-masked upsampling of the depth over G (DepthRefiner does this before the JBF).
                ResampleH(job, A["depth"], A["resampleTmp"], A["taps0"], A["weights0"], g.D.W, g.D.H, g.G.W, 1, _s.ZeroIsInvalid ? 2 : 1, pb);
                ResampleV(job, A["resampleTmp"], A["full"], A["taps1"], A["weights1"], g.G.W, g.D.H, g.G.H, 1, true, pb);
                Jbf(job, A, g, A["full"], tx, ty, zi, pb);
                break;
            case Kind.Guided:
                Coefficients(job, A, A["guide"], g.G, _r, zi, pb);
                Means(job, A, A["guide"], A["out"], g.G, _r, true, tx, ty, g.T.W, g.T.H, pb);
                break;
            case Kind.GuidedUpsampled:
                LowGuide(job, A, g, pb);
                Coefficients(job, A, A["low"], g.D, _rLow, zi, pb);
                Means(job, A, A["low"], A["mean"], g.D, _rLow, false, 0, 0, g.D.W, g.D.H, pb);
                // Coefficients are smooth: bilinear (NaN-skipping) upsampling of them, then q = a·I + b at full size.
                ResampleH(job, A["mean"], A["resampleTmp"], A["taps2"], A["weights2"], g.D.W, g.D.H, g.T.W, _nc + 1, 1, pb);
                ResampleV(job, A["resampleTmp"], A["meanT"], A["taps3"], A["weights3"], g.T.W, g.D.H, g.T.H, _nc + 1, true, pb);
                job.Dispatch("guided_apply", [A["meanT"], A["guide"], A["out"]],
                    new Push(pb).Int(g.G.W).Int(g.G.H).Int(tx).Int(ty).Int(g.T.W).Int(g.T.H).Int(_nc).Bytes, (uint)g.T.W, (uint)g.T.H);
                job.ComputeBarrier();
                break;
            default:
                LowGuide(job, A, g, pb);
                job.Dispatch("jbu", [A["guide"], A["low"], A["depth"], A["out"]],
                    new Push(pb).Int(g.G.X0).Int(g.G.Y0).Int(g.G.W).Int(g.G.H).Int(g.D.X0).Int(g.D.Y0).Int(g.D.W).Int(g.D.H)
                        .Int(g.T.X0).Int(g.T.Y0).Int(g.T.W).Int(g.T.H).Int(_w).Int(_h).Int(_r).Int(_nc).Int(zi)
                        .Float(_sx).Float(_sy).Float(-1f / (2f * _s.SigmaSpatial * _s.SigmaSpatial)).Float(-1f / (2f * _s.SigmaRange * _s.SigmaRange)).Bytes,
                    (uint)g.T.W, (uint)g.T.H);
                job.ComputeBarrier();
                break;
        }
    }

    /// <summary>jbf_tile's largest radius: its rows and outputs are unrolled per radius, so code grows with r².</summary>
    const int JbfTileMaxRadius = 16;

    /// <summary>Output rows per jbf_tile invocation (its specialisation constant P). 4 rather than 8: the H100 ran the
    /// 13 × 13 filter in 0.90 ms with 4 and 1.18 ms with 8 (bench/RESULTS.md).</summary>
    const uint JbfRowsPerInvocation = 4;

    /// <summary>jbf_tile's invocation rows for radius r: 32 × WY invocations with 4 output rows each (a 32 × 32 block, or
    /// 32 × 16 / 32 × 8 / 32 × 4 when the window does not fit the device's shared memory), or null for the generic pass.</summary>
    static uint? JbfTileRows(VulkanDevice dev, int r)
    {
        if (r > JbfTileMaxRadius) return null;
        for (uint wy = 32 / JbfRowsPerInvocation; wy >= 1; wy /= 2)
        {
            ulong bytes = (ulong)(32 + 2 * r) * (ulong)(wy * JbfRowsPerInvocation + 2 * r) * 20; // vec4 + float per staged tap
            if (bytes <= dev.MaxSharedBytes && GpuJob.Workgroup(dev, 32, wy) == (32u, wy)) return wy;
        }
        return null;
    }

    void Jbf(GpuJob job, Dictionary<string, Slice> A, Geometry g, Slice depth, int tx, int ty, int zi, Span<byte> pb)
    {
        if (_jbfTile is uint wy)
        {
            // Base-2 constants: the guide is prescaled so that |k dI|^2 = |dI|^2 log2(e) / 2 sr^2; ks turns dx^2 + dy^2
            // into the spatial weight's log2.
            float kr = MathF.Sqrt(MathF.Log2(MathF.E) / (2f * _s.SigmaRange * _s.SigmaRange));
            float ks = MathF.Log2(MathF.E) / (2f * _s.SigmaSpatial * _s.SigmaSpatial);
            uint rows = wy * JbfRowsPerInvocation, groupsX = (uint)(g.T.W + 31) / 32, groupsY = ((uint)g.T.H + rows - 1) / rows;
            job.Dispatch("jbf_tile", [A["guide"], depth, A["out"]],
                new Push(pb).Int(g.G.W).Int(g.G.H).Int(tx).Int(ty).Int(g.T.W).Int(g.T.H).Int(zi).Float(kr).Float(ks).Bytes,
                groupsX * 32, groupsY * wy, [(uint)_r, JbfRowsPerInvocation, (uint)_nc], 32, wy);
            job.ComputeBarrier();
            return;
        }
        // Generic pass: 16×8 invocations, 4 output rows each: a 16×32 block per workgroup, so each staged tap serves 4
        // pixels. Shared memory holds the workgroup's window when it fits; otherwise (very large radius) the shader reads
        // global memory. Sizing the array to the need keeps more workgroups resident.
        const uint Rows = 4, WantX = 16, WantY = 8;
        var (wx, wyg) = GpuJob.Workgroup(_dev, WantX, WantY);
        uint need = (uint)((wx + 2 * _r) * (wyg * Rows + 2 * _r));
        uint cap = need * 16 <= _dev.MaxSharedBytes ? need : 1;
        job.Dispatch("jbf", [A["guide"], depth, A["spatial"], A["out"]],
            new Push(pb).Int(g.G.W).Int(g.G.H).Int(tx).Int(ty).Int(g.T.W).Int(g.T.H).Int(_r).Int(_nc)
                .Float(-1f / (2f * _s.SigmaRange * _s.SigmaRange)).Int(zi).Bytes,
            (uint)g.T.W, (uint)((g.T.H + Rows - 1) / Rows), [cap, Rows], WantX, WantY);
        job.ComputeBarrier();
    }

    /// <summary>
    /// The walking guided passes (guided_walk.glsl) for one radius: <see cref="Threads"/> invocations per workgroup, each
    /// owning 4 adjacent columns of the strip, walking segments of <see cref="Rows"/> rows and loading each step's rows a
    /// step ahead.
    /// </summary>
    internal sealed record WalkShape(uint Threads)
    {
        /// <summary>Rows per walk segment (the shaders' specialisation constant L; tile regions reach back to segment
        /// starts). 16: on an H100 the 4K colour r = 8 filter took 0.711 ms with 16, 0.768 with 32 and 0.864 with 64
        /// (bench/RESULTS.md, with why), although each segment starts with a direct sum of 2r + 1 rows.</summary>
        public const int Rows = 16;

        /// <summary>Largest radius walked: the strip must hold the 2r halo besides its outputs, and at 48 its 3 warps'
        /// colour statistics take 30 KiB of shared memory (lavapipe offers 32 KiB); the separable passes take larger radii.</summary>
        public const int MaxRadius = 48;

        /// <summary>Shared bytes of guided_coef_walk (4 vec4 groups per column, plus the 4-column totals); the mean pass
        /// needs half.</summary>
        public static ulong SharedBytes(uint threads) => 4UL * 5 * threads * 16;

        /// <summary>The shape for radius r on this device, or null when the walk does not serve it. Strips of ⌈3h / 64⌉
        /// warps of 32 invocations for a halo of h = r rounded up to a multiple of 4: 128 columns up to r = 20 (112 of
        /// them outputs at r = 8), 256 up to 40, 384 up to 48; at least two thirds of every strip are outputs.</summary>
        public static WalkShape? For(VulkanDevice dev, int r)
        {
            if (r > MaxRadius) return null;
            int halo = (r + 3) & ~3;
            uint warps = (uint)Math.Max(1, (3 * halo + 63) / 64);
            var shape = new WalkShape(32 * warps);
            if (SharedBytes(shape.Threads) > dev.MaxSharedBytes || GpuJob.Workgroup(dev, shape.Threads, 1) != (shape.Threads, 1u)) return null;
            return shape;
        }

        /// <summary>Output columns per strip for radius r.</summary>
        public int StripOutputs(int r) => 4 * (int)Threads - 2 * ((r + 3) & ~3);

        /// <summary>Push constants and dispatch size common to both passes: the anchored strips and segments covering grid
        /// columns [x0, x1) and rows [y0, y1) of the grid at <paramref name="grid"/>.</summary>
        public (int K0, int S0, uint Strips, uint Segments) Cover(Rect grid, int r, int x0, int x1, int y0, int y1)
        {
            int bx = StripOutputs(r), rows = Rows;
            static int Floor(int p, int a) => p >= 0 ? p / a : -((-p + a - 1) / a);
            int k0 = Floor(grid.X0 + x0, bx), k1 = Floor(grid.X0 + x1 - 1, bx);
            int s0 = Floor(grid.Y0 + y0, rows), s1 = Floor(grid.Y0 + y1 - 1, rows);
            return (k0, s0, (uint)(k1 - k0 + 1), (uint)(s1 - s0 + 1));
        }
    }

    /// <summary>Guided-filter coefficients a, b, v over a grid into "coef": walked when the radius allows, else horizontal
    /// sums of the 14 statistics to device memory ("stats"), then vertical sums + solve.</summary>
    void Coefficients(GpuJob job, Dictionary<string, Slice> A, Slice guide, Rect grid, int r, int zi, Span<byte> pb)
    {
        int cw = grid.W, ch = grid.H;
        if (_walk is { } w)
        {
            var (k0, s0, strips, segments) = w.Cover(grid, r, 0, cw, 0, ch);
            job.Dispatch("guided_coef_walk", [guide, A["depth"], A["coef"]],
                new Push(pb).Int(cw).Int(ch).Int(grid.X0).Int(grid.Y0).Int(k0).Int(s0).Int(r).Int(zi).Float(_s.Eps).Bytes,
                strips * w.Threads, segments, [(uint)_nc, (uint)WalkShape.Rows], w.Threads, 1);
        }
        else
        {
            job.Dispatch("guided_stats", [guide, A["depth"], A["stats"]], new Push(pb).Int(cw).Int(ch).Int(r).Int(_nc).Int(zi).Bytes, (uint)cw, (uint)ch);
            job.ComputeBarrier();
            job.Dispatch("guided_coef", [A["stats"], A["coef"]], new Push(pb).Int(cw).Int(ch).Int(r).Int(_nc).Float(_s.Eps).Bytes, (uint)cw, (uint)ch);
        }
        job.ComputeBarrier();
    }

    /// <summary>Mean coefficients over each pixel's windows: applied at once over the output rectangle (apply), or written
    /// as planes over the grid. Walked when the radius allows, else box_h then guided_mean.</summary>
    void Means(GpuJob job, Dictionary<string, Slice> A, Slice guide, Slice output, Rect grid, int r, bool apply, int tx, int ty, int tw, int th, Span<byte> pb)
    {
        int cw = grid.W, ch = grid.H;
        var pc = new Push(pb).Int(cw).Int(ch);
        if (_walk is { } w)
        {
            var (k0, s0, strips, segments) = apply ? w.Cover(grid, r, tx, tx + tw, ty, ty + th) : w.Cover(grid, r, 0, cw, 0, ch);
            pc = pc.Int(grid.X0).Int(grid.Y0).Int(k0).Int(s0).Int(r).Int(apply ? 1 : 0).Int(tx).Int(ty).Int(tw).Int(th);
            job.Dispatch("guided_mean_walk", [A["coef"], guide, output], pc.Bytes, strips * w.Threads, segments, [(uint)_nc, (uint)WalkShape.Rows], w.Threads, 1);
        }
        else
        {
            job.Dispatch("box_h", [A["coef"], A["stats"]], new Push(pb).Int(cw).Int(ch).Int(r).Int(_nc + 2).Bytes, (uint)cw, (uint)ch);
            job.ComputeBarrier();
            pc = new Push(pb).Int(cw).Int(ch).Int(r).Int(_nc).Int(apply ? 1 : 0).Int(tx).Int(ty).Int(tw).Int(th);
            job.Dispatch("guided_mean", [A["stats"], guide, output], pc.Bytes, (uint)tw, (uint)th);
        }
        job.ComputeBarrier();
    }

    /// <summary>The guide averaged over each low-resolution pixel's footprint (Resampler.AreaAverage), over D.</summary>
    void LowGuide(GpuJob job, Dictionary<string, Slice> A, Geometry g, Span<byte> pb)
    {
        ResampleH(job, A["guide"], A["areaTmp"], A["taps0"], A["weights0"], g.G.W, g.G.H, g.D.W, _nc, 0, pb);
        ResampleV(job, A["areaTmp"], A["low"], A["taps1"], A["weights1"], g.D.W, g.G.H, g.D.H, _nc, false, pb);
    }

    static void ResampleH(GpuJob job, Slice src, Slice dst, Slice taps, Slice weights, int srcW, int rows, int dstW, int planes, int mask, Span<byte> pb)
    {
        job.Dispatch("resample_h", [src, dst, taps, weights], new Push(pb).Int(srcW).Int(rows).Int(dstW).Int(planes).Int(mask).Bytes, (uint)dstW, (uint)rows);
        job.ComputeBarrier();
    }

    static void ResampleV(GpuJob job, Slice src, Slice dst, Slice taps, Slice weights, int width, int srcRows, int dstRows, int planes, bool masked, Span<byte> pb)
    {
        job.Dispatch("resample_v", [src, dst, taps, weights], new Push(pb).Int(width).Int(srcRows).Int(dstRows).Int(planes).Int(masked ? 1 : 0).Float(1e-6f).Bytes, (uint)width, (uint)dstRows);
        job.ComputeBarrier();
    }
}

using System.Runtime.InteropServices;
using DepthPlugins.Core;
using DepthPlugins.Core.Imaging;
using DepthPlugins.Core.LensBlur;
using DepthPlugins.Core.Processing;

namespace DepthPlugins.Vulkan;

/// <summary>
/// A whole lens blur from caller buffers on the device, as <see cref="PixelCodec.ReadImage"/>, <see
/// cref="LensBlurRenderer.Render"/> and <see cref="PixelCodec.WriteImage"/> would do it on the host: the raw bytes go
/// up once and the result's bytes come back once. Three submits, each waited for, because the host decides between
/// them:
/// <list type="number">
/// <item>decode the image (to planes in its own transfer) and the depth, CoC per pixel and the per-bin extremes of |e|
/// (lensblur_coc) — the host places the layers from those (<see cref="LayerPlan.LevelsFromBins"/>);</item>
/// <item>layer pair and weight per pixel, premultiplied linear colour with highlights (lensblur_prepare), and per 16×16
/// cell the layers present (lensblur_cells) — the host lists each layer's tiles and blocks (<see cref="LayerTables"/>);</item>
/// <item>the composite (<see cref="LensBlurPasses"/>), the finish in place on the decoded planes (lensblur_finish_raw:
/// untouched pixels keep the input) and the encoding to the output's format; then the download.</item>
/// </list>
/// The depth must have the image's size (a smaller one needs guided upsampling first, which the caller does).
/// </summary>
sealed unsafe class LensBlurRawJob
{
    readonly VulkanDevice _dev;
    readonly PixelBuffer _image, _depth, _out;
    readonly LensBlurOptions _o;
    readonly int _w, _h, _nc;
    readonly long _n;
    readonly bool _alpha, _srgb;

    public LensBlurGpuTiming Timing { get; private set; }
    public LensBlurHostTiming HostTiming { get; private set; }
    /// <summary>Layers of the last run.</summary>
    public int Layers { get; private set; }

    public LensBlurRawJob(VulkanDevice dev, in PixelBuffer image, in PixelBuffer depth, in PixelBuffer output, LensBlurOptions options)
    {
        _dev = dev;
        _image = image;
        _depth = depth;
        _out = output;
        _o = options;
        _w = image.Width;
        _h = image.Height;
        _n = (long)_w * _h;
        _nc = image.IsGrey ? 1 : 3;
        _alpha = !image.IsGrey; // PixelCodec.ReadImage gives colour images an alpha plane
        _srgb = PixelFormats.Resolve(image.Format, image.Transfer) == Transfer.Srgb;
        if (depth.Width != _w || depth.Height != _h) throw new DpException(DpStatus.Internal, "raw lens blur needs a depth of the image's size");
        LensBlurPasses.CheckWorkgroups(dev);
    }

    static ulong Pitch(in PixelBuffer b) => ((ulong)b.Width * (ulong)b.BytesPerPixel + 3) & ~3UL;

    public void Run(ulong budget, Progress progress, JobCache cache)
    {
        var o = _o;
        float focus = o.FocusFromPoint ? LensBlurRenderer.FocusAt(_depth, o.FocusX, o.FocusY) : o.Focus;
        progress.Report(0f);
        ulong n = (ulong)_n;
        int planes = _nc + (_alpha ? 1 : 0);
        ulong pitchIn = Pitch(_image), pitchDepth = Pitch(_depth), pitchOut = Pitch(_out);
        ulong rawIn = pitchIn * (ulong)_h, rawDepth = pitchDepth * (ulong)_h, rawOut = pitchOut * (ulong)_h;
        int nsegFull = _w / LensBlurPasses.Seg + 1;
        ulong lpCount = 2UL * (ulong)_h * (ulong)(nsegFull * LensBlurPasses.Seg) + (ulong)_h * (ulong)nsegFull;
        ulong grid = o.FullResolution ? 1 : (ulong)LayerKernel.CoarseSize(_w, 2) * (ulong)LayerKernel.CoarseSize(_h, 2);
        int cellsX = (_w + LayerPresence.Cell - 1) / LayerPresence.Cell, cellsY = (_h + LayerPresence.Cell - 1) / LayerPresence.Cell;
        ulong cellWords = (ulong)cellsX * (ulong)cellsY * (ulong)(LayerPresence.Words(LayerPlan.MaxLayers) + 1);
        ulong binWords = 4UL * LayerPlan.BinsPerSide;

        var a = new Layout(_dev.StorageAlignment);
        var raw = a.Add("raw", Math.Max(rawIn, rawOut));
        // Scratch: the raw depth and its decoded plane until the layers are prepared, then the table of the composite.
        ulong depthPlaneOffset = (rawDepth + 15) / 16 * 16;
        var scratch = a.Add("scratch", depthPlaneOffset + n * 4 + (1UL << 20));
        var rawDepthSlice = new Slice(scratch.Offset, rawDepth);
        var depthPlane = new Slice(scratch.Offset + depthPlaneOffset, n * 4);
        var orig = a.Add("planes", n * 4 * (ulong)planes);
        var colour = a.Add("colour", n * 4 * (ulong)_nc);
        var lower = a.Add("lower", (n + 3) / 4 * 4);
        var upper = a.Add("upper", n * 4);
        var lp = a.Add("lp", lpCount * 16);
        var lpa = a.Add("lpa", _alpha ? lpCount * 4 : 4);
        var acc = a.Add("acc", n * 16);
        var cov = a.Add("cov", n * 8);
        var g = a.Add("g", grid * 16);
        var ga = a.Add("ga", _alpha ? grid * 4 : 4);
        var bins = a.Add("bins", binWords * 4);
        var levels = a.Add("levels", 4UL * LayerPlan.MaxLayers);
        var cells = a.Add("cells", cellWords * 4);
        var flags = a.Add("flags", 16);
        a.CheckRanges(_dev, _w, _h);
        // Staging: a big region (raw image and depth up, then the table up, then the result down) and a small one.
        var st = new Layout(16);
        var stBig = st.Add("big", Math.Max(rawIn + rawDepth + 16, Math.Max(scratch.Size, rawOut)));
        var stBins = st.Add("bins", bins.Size);
        var stLevels = st.Add("levels", levels.Size);
        var stFlags = st.Add("flags", flags.Size);
        var stCells = st.Add("cells", cells.Size);
        if (a.Size > _dev.MaxAllocation || st.Size > _dev.MaxAllocation || a.Size + st.Size > budget)
            throw new DpException(DpStatus.OutOfMemory, $"Vulkan: lens blur of {_w}x{_h} needs {(a.Size + st.Size) >> 20} MiB of device memory, more than the budget of {budget >> 20} MiB; use the CPU backend or raise the budget");

        var job = cache.Rent(_dev, a.Size, st.Size);
        try
        {
            byte* stg = job.Staging;
            Span<byte> pb = stackalloc byte[(int)VulkanDevice.PushConstantBytes];
            var session = new SubmitSession(job);

            // 1. Decode, CoC, bins.
            var clock = System.Diagnostics.Stopwatch.StartNew();
            CopyRows(_image, stg + stBig.Offset, pitchIn);
            ulong depthStaging = stBig.Offset + (rawIn + 15) / 16 * 16;
            CopyRows(_depth, stg + depthStaging, pitchDepth);
            double copyIn = clock.Elapsed.TotalMilliseconds;
            var binInit = new Span<uint>(stg + stBins.Offset, (int)binWords);
            binInit[..(int)(2 * LayerPlan.BinsPerSide)].Fill(uint.MaxValue);
            binInit[(int)(2 * LayerPlan.BinsPerSide)..].Clear();
            session.Begin(() =>
            {
                job.Upload(stBig.Offset, raw, rawIn);
                job.Upload(depthStaging, rawDepthSlice, rawDepth);
                job.Upload(stBins.Offset, bins, bins.Size);
            });
            job.Dispatch("decode", [raw, orig], new Push(pb).Int(_w).Int(_h).Int((int)(pitchIn / 4)).Int((int)_image.Format).Int(1)
                .Int(!_image.IsGrey && _image.Alpha == AlphaMode.Premultiplied ? 1 : 0).Int(0).Int(0).Int(0).Int(_alpha ? 1 : 0).Int(0).Bytes, (uint)_w, (uint)_h);
            job.Dispatch("decode", [rawDepthSlice, depthPlane], new Push(pb).Int(_w).Int(_h).Int((int)(pitchDepth / 4)).Int((int)_depth.Format)
                .Int(0).Int(0).Int(0).Int(0).Int(0).Int(0).Int(0).Bytes, (uint)_w, (uint)_h);
            job.ComputeBarrier();
            float sign = o.DepthNear == DepthNear.White ? 1f : -1f;
            float nearMax = Math.Min(o.MaxNearRadius, LensBlurOptions.MaxRadius), farMax = Math.Min(o.MaxFarRadius, LensBlurOptions.MaxRadius);
            Push Coc(Push p) => p.Float(sign).Float(o.Aperture).Float(focus).Float(nearMax).Float(farMax);
            job.Dispatch("lensblur_coc", [depthPlane, bins], Coc(new Push(pb)).Int(_w).Int(_h).Int(LayerPlan.BinsPerSide).Int(LayerPlan.BinsPerPixel).Bytes, (uint)_w, (uint)_h);
            session.Downloads();
            job.Download(bins, stBins.Offset, bins.Size);
            session.End();
            progress.Report(0.05f);

            clock.Restart();
            var words = new ReadOnlySpan<uint>(stg + stBins.Offset, (int)binWords);
            var min = MemoryMarshal.Cast<uint, float>(words[..(int)(2 * LayerPlan.BinsPerSide)]);
            var max = MemoryMarshal.Cast<uint, float>(words[(int)(2 * LayerPlan.BinsPerSide)..]);
            // Empty bins hold min = all ones (a NaN as float) and max = 0: LevelsFromBins skips them (min ≤ max fails).
            var (e, signed, center) = LayerPlan.LevelsFromBins(min, max);
            int count = e.Length;
            Layers = count;

            double plan = clock.Elapsed.TotalMilliseconds;
            // 2. Layer pair and weight, colour, cells.
            e.AsSpan().CopyTo(new Span<float>(stg + stLevels.Offset, count));
            *(uint*)(stg + stFlags.Offset) = 1;
            int cellWordsPerCell = LayerPresence.Words(count);
            session.Begin(() =>
            {
                job.Upload(stLevels.Offset, levels, (ulong)count * 4);
                job.Upload(stFlags.Offset, flags, 4);
            });
            ulong quads = (n + 3) / 4;
            const uint Row = 65536;
            job.Dispatch("lensblur_prepare", [orig, depthPlane, levels, colour, lower, upper, flags],
                Coc(new Push(pb)).Int(_w).Int(_h).Int(count).Int(_nc).Int(_alpha ? 1 : 0).Int(_srgb ? 1 : 0).Float(o.HighlightThreshold).Float(o.HighlightGain).Bytes,
                (uint)Math.Min(quads, Row), (uint)((quads + Row - 1) / Row));
            job.ComputeBarrier();
            job.Dispatch("lensblur_cells", [lower, upper, cells], new Push(pb).Int(_w).Int(_h).Int(cellsX).Int(cellWordsPerCell).Bytes,
                (uint)_w, (uint)_h, [(uint)LayerPresence.Words(LayerPlan.MaxLayers)], LayerPresence.Cell, LayerPresence.Cell);
            session.Downloads();
            ulong usedCells = (ulong)cellsX * (ulong)cellsY * (ulong)(cellWordsPerCell + 1);
            job.Download(cells, stCells.Offset, usedCells * 4);
            job.Download(flags, stFlags.Offset, 4);
            session.End();
            progress.Report(0.1f);

            clock.Restart();
            var cellData = new ReadOnlySpan<uint>(stg + stCells.Offset, (int)usedCells);
            var bits = new uint[(long)cellsX * cellsY * cellWordsPerCell];
            var pure = new byte[(long)cellsX * cellsY];
            for (long c = 0; c < pure.LongLength; c++)
            {
                cellData.Slice((int)(c * (cellWordsPerCell + 1)), cellWordsPerCell).CopyTo(bits.AsSpan((int)(c * cellWordsPerCell)));
                pure[c] = (byte)cellData[(int)(c * (cellWordsPerCell + 1) + cellWordsPerCell)];
            }
            bool blurAlpha = _alpha && *(uint*)(stg + stFlags.Offset) == 0;
            var presence = LayerPresence.FromCells(_w, _h, count, bits, pure, Parallelism.Default);
            var shape = new ApertureShape(o.Blades, o.Rotation);
            var kernels = new LayerKernel[count];
            Parallel.For(0, count, k => kernels[k] = new LayerKernel(Math.Abs(signed[k]), shape, o.FullResolution));
            var tables = LayerTables.Build(presence, kernels, _w, _h);
            ulong tableBytes = (ulong)tables.Table.Length * 4;
            if (tableBytes > scratch.Size || tables.MaxGridPoints > (long)grid)
                throw new DpException(DpStatus.OutOfMemory, $"Vulkan: the lens blur's work lists ({tableBytes >> 20} MiB) do not fit the space set aside for them; use the CPU backend");
            var tab = new Slice(scratch.Offset, Math.Max(16, tableBytes));
            progress.Report(0.15f);

            // 3. Composite, finish, encode, download.
            tables.Table.AsSpan().CopyTo(new Span<int>(stg + stBig.Offset, tables.Table.Length));
            plan += clock.Elapsed.TotalMilliseconds;
            session.Begin(() => job.Upload(stBig.Offset, tab, tableBytes));
            var alphaPlane = _alpha ? new Slice(orig.Offset + (ulong)_nc * n * 4, n * 4) : new Slice(orig.Offset, 4);
            var b = new LensBlurPasses.Buffers(colour, alphaPlane, lower, upper, lp, lpa, tab, acc, cov, g, ga);
            LensBlurPasses.Record(session, tables, b, _w, _h, _nc, blurAlpha, center, progress, 0.15f, 0.95f);
            job.Dispatch("lensblur_finish_raw", [acc, cov, lower, upper, orig],
                new Push(pb).Int(_w).Int(_h).Int(_nc).Int(_alpha ? 1 : 0).Int(blurAlpha ? 1 : 0).Int(center).Int(_srgb ? 1 : 0).Bytes, (uint)_w, (uint)_h);
            job.ComputeBarrier();
            var have = PixelFormats.Resolve(_image.Format, _image.Transfer);
            var want = PixelFormats.Resolve(_out.Format, _out.Transfer);
            var rawOutSlice = new Slice(raw.Offset, rawOut);
            job.Dispatch("encode", [orig, rawOutSlice], new Push(pb).Int(_w).Int(_h).Int((int)(pitchOut / 4)).Int((int)_out.Format).Int(_nc).Int(_alpha ? 1 : 0)
                .Int(have == want ? 0 : want == Transfer.Srgb ? 1 : 2).Int(_out.Alpha == AlphaMode.Premultiplied && !_out.IsGrey ? 1 : 0).Int(0).Bytes,
                (uint)(pitchOut / 4), (uint)_h);
            session.Downloads();
            job.Download(rawOutSlice, stBig.Offset, rawOut);
            session.End();
            Timing = session.Timing;
            progress.Report(0.97f);

            clock.Restart();
            var dst = _out;
            byte* src = stg + stBig.Offset;
            int rowBytes = _w * _out.BytesPerPixel;
            Parallel.For(0, _h, y => System.Buffer.MemoryCopy(src + (ulong)y * pitchOut, (byte*)dst.Data + y * dst.RowStrideBytes, rowBytes, rowBytes));
            HostTiming = new LensBlurHostTiming(copyIn, plan, clock.Elapsed.TotalMilliseconds);
            progress.Report(1f);
        }
        catch (DpException ex) when (ex.Status is DpStatus.Device or DpStatus.OutOfMemory)
        {
            cache.Clear();
            throw;
        }
    }

    /// <summary>The buffer's rows into staging, each padded to a whole number of 4-byte words (rows in parallel: at 4K
    /// these copies are tens of megabytes).</summary>
    static void CopyRows(PixelBuffer b, byte* dst, ulong pitch)
    {
        int rowBytes = b.Width * b.BytesPerPixel;
        Parallel.For(0, b.Height, y => System.Buffer.MemoryCopy((byte*)b.Data + y * b.RowStrideBytes, dst + (ulong)y * pitch, rowBytes, rowBytes));
    }
}

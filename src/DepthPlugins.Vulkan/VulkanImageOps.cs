using System.Runtime.InteropServices;
using DepthPlugins.Core;
using DepthPlugins.Core.Imaging;
using DepthPlugins.Core.Refinement;

namespace DepthPlugins.Vulkan;

/// <summary>
/// Single passes on the device, each the GPU twin of a CPU routine: pixel-format decoding and encoding
/// (<see cref="PixelCodec"/>), resampling (<see cref="Resampler"/>). The refinement pipeline uses the same shaders
/// inside its tiles; these whole-image entry points serve other operations and let tests hold each pass to its CPU twin.
/// Images must fit the budget in one piece.
/// </summary>
public static unsafe class VulkanImageOps
{
    /// <summary><see cref="PixelCodec.ReadImage"/> followed by conversion to <paramref name="transfer"/>.</summary>
    public static Image Decode(VulkanDevice dev, in PixelBuffer b, Transfer transfer, long budget = VulkanRefineKernels.DefaultBudgetBytes)
    {
        b.Validate("image");
        var have = PixelFormats.Resolve(b.Format, b.Transfer);
        int planes = b.IsGrey ? 1 : 4;
        int w = b.Width, h = b.Height;
        ulong pitch = Pitch(w, b), raw = pitch * (ulong)h, outBytes = 4UL * (ulong)planes * (ulong)w * (ulong)h;
        var arena = new Arena(dev, [raw, outBytes]);
        using var job = arena.Job(budget, raw + outBytes);
        Copy(b, job.Staging, pitch);
        job.Begin();
        job.Upload(0, arena[0], raw);
        job.FlushUploads();
        Span<byte> pb = stackalloc byte[(int)VulkanDevice.PushConstantBytes];
        var pc = new Push(pb).Int(w).Int(h).Int((int)(pitch / 4)).Int((int)b.Format).Int(1)
            .Int(!b.IsGrey && b.Alpha == AlphaMode.Premultiplied ? 1 : 0)
            .Int(have == transfer ? 0 : transfer == Transfer.Srgb ? 1 : 2).Int(0).Int(0).Int(b.IsGrey ? 0 : 1).Int(0);
        job.Dispatch("decode", [arena[0], arena[1]], pc.Bytes, (uint)w, (uint)h);
        job.Download(arena[1], raw, outBytes);
        job.Submit();
        var p = ReadPlanes(job.Staging + raw, planes, w, h);
        return b.IsGrey ? new Image([p[0]], null, transfer) : new Image([p[0], p[1], p[2]], p[3], transfer);
    }

    /// <summary><see cref="PixelCodec.WriteImage"/>: converts transfer, channel count, premultiplication and format.</summary>
    public static void Encode(VulkanDevice dev, Image img, in PixelBuffer b, long budget = VulkanRefineKernels.DefaultBudgetBytes)
    {
        b.Validate("output");
        if (img.Width != b.Width || img.Height != b.Height) throw DpException.Invalid($"output is {b.Width}x{b.Height} but the result is {img.Width}x{img.Height}");
        var want = PixelFormats.Resolve(b.Format, b.Transfer);
        var planes = img.Channels.Concat(img.Alpha != null ? [img.Alpha] : []).ToArray();
        int w = b.Width, h = b.Height;
        ulong pitch = Pitch(w, b), raw = pitch * (ulong)h, inBytes = 4UL * (ulong)planes.Length * (ulong)w * (ulong)h;
        var arena = new Arena(dev, [inBytes, raw]);
        using var job = arena.Job(budget, raw + inBytes);
        WritePlanes(planes, job.Staging);
        job.Begin();
        job.Upload(0, arena[0], inBytes);
        job.FlushUploads();
        Span<byte> pb = stackalloc byte[(int)VulkanDevice.PushConstantBytes];
        var pc = new Push(pb).Int(w).Int(h).Int((int)(pitch / 4)).Int((int)b.Format).Int(img.Channels.Length).Int(img.Alpha != null ? 1 : 0)
            .Int(img.Transfer == want ? 0 : want == Transfer.Srgb ? 1 : 2)
            .Int(b.Alpha == AlphaMode.Premultiplied && !b.IsGrey ? 1 : 0).Int(0);
        job.Dispatch("encode", [arena[0], arena[1]], pc.Bytes, (uint)(pitch / 4), (uint)h);
        job.Download(arena[1], inBytes, raw);
        job.Submit();
        int rowBytes = w * PixelFormats.BytesPerPixel(b.Format);
        for (int y = 0; y < h; y++)
            System.Buffer.MemoryCopy(job.Staging + inBytes + (ulong)y * pitch, (byte*)b.Data + y * b.RowStrideBytes, rowBytes, rowBytes);
    }

    /// <summary><see cref="Resampler.Resize"/>; with <paramref name="validity"/>, invalid samples are skipped (normalised convolution)
    /// and pixels no valid sample reaches are NaN (Resampler.Resize's empty = NaN).</summary>
    public static Plane Resize(VulkanDevice dev, Plane src, int width, int height, ResampleFilter filter, DepthValidity? validity, long budget = VulkanRefineKernels.DefaultBudgetBytes)
        => Separable(dev, src, width, height, Resampler.Weights(src.Width, width, filter), Resampler.Weights(src.Height, height, filter),
            validity == null ? 0 : validity.Value.ZeroIsInvalid ? 2 : 1, budget);

    /// <summary><see cref="Resampler.AreaAverage"/>.</summary>
    public static Plane AreaAverage(VulkanDevice dev, Plane src, int width, int height, long budget = VulkanRefineKernels.DefaultBudgetBytes)
        => Separable(dev, src, width, height, Resampler.AreaWeights(src.Width, width), Resampler.AreaWeights(src.Height, height), 0, budget);

    static Plane Separable(VulkanDevice dev, Plane src, int width, int height, (int Start, double[] W)[] xs, (int Start, double[] W)[] ys, int mask, long budget)
    {
        if (width <= 0 || height <= 0) throw DpException.Invalid($"size {width}x{height} must be positive");
        var (tx, wx) = Flatten(xs);
        var (ty, wy) = Flatten(ys);
        int sw = src.Width, sh = src.Height, tmpPlanes = mask != 0 ? 2 : 1;
        ulong inBytes = 4UL * (ulong)src.Length, outBytes = 4UL * (ulong)width * (ulong)height;
        ulong[] sizes = [inBytes, 4UL * (ulong)tx.Length, 4UL * (ulong)wx.Length, 4UL * (ulong)ty.Length, 4UL * (ulong)wy.Length,
            4UL * (ulong)tmpPlanes * (ulong)width * (ulong)sh, outBytes];
        var arena = new Arena(dev, sizes);
        ulong up = sizes[..5].Aggregate(0UL, (a, s) => a + s);
        using var job = arena.Job(budget, up + outBytes);
        ulong off = 0;
        var stagingOffsets = new ulong[5];
        foreach (var (i, data) in new (int, Array)[] { (0, src.Data), (1, tx), (2, wx), (3, ty), (4, wy) })
        {
            stagingOffsets[i] = off;
            var bytes = MemoryMarshal.AsBytes(data is float[] f ? f.AsSpan() : MemoryMarshal.Cast<int, float>(((int[])data).AsSpan()));
            bytes.CopyTo(new Span<byte>(job.Staging + off, bytes.Length));
            off += sizes[i];
        }
        job.Begin();
        for (int i = 0; i < 5; i++) job.Upload(stagingOffsets[i], arena[i], sizes[i]);
        job.FlushUploads();
        Span<byte> pb = stackalloc byte[(int)VulkanDevice.PushConstantBytes];
        job.Dispatch("resample_h", [arena[0], arena[5], arena[1], arena[2]], new Push(pb).Int(sw).Int(sh).Int(width).Int(1).Int(mask).Bytes, (uint)width, (uint)sh);
        job.ComputeBarrier();
        job.Dispatch("resample_v", [arena[5], arena[6], arena[3], arena[4]], new Push(pb).Int(width).Int(sh).Int(height).Int(1).Int(mask != 0 ? 1 : 0).Float(1e-6f).Bytes, (uint)width, (uint)height);
        job.Download(arena[6], up, outBytes);
        job.Submit();
        return ReadPlanes(job.Staging + up, 1, width, height)[0];
    }

    /// <summary>A resampling table as the resample_h/v passes read it: per output (first tap, count, weight offset), and float weights.</summary>
    internal static (int[] Taps, float[] Weights) Flatten((int Start, double[] W)[] table)
    {
        var taps = new int[3 * table.Length];
        var w = new List<float>();
        for (int i = 0; i < table.Length; i++)
        {
            taps[3 * i] = table[i].Start;
            taps[3 * i + 1] = table[i].W.Length;
            taps[3 * i + 2] = w.Count;
            w.AddRange(table[i].W.Select(x => (float)x));
        }
        return (taps, w.ToArray());
    }

    static ulong Pitch(int width, in PixelBuffer b) => ((ulong)width * (ulong)PixelFormats.BytesPerPixel(b.Format) + 3) & ~3UL;

    static void Copy(in PixelBuffer b, byte* dst, ulong pitch)
    {
        int rowBytes = b.Width * PixelFormats.BytesPerPixel(b.Format);
        for (int y = 0; y < b.Height; y++) System.Buffer.MemoryCopy((byte*)b.Data + y * b.RowStrideBytes, dst + (ulong)y * pitch, rowBytes, rowBytes);
    }

    static void WritePlanes(Plane[] planes, byte* dst)
    {
        foreach (var p in planes)
        {
            p.Data.AsSpan().CopyTo(new Span<float>(dst, p.Data.Length));
            dst += 4L * p.Data.Length;
        }
    }

    static Plane[] ReadPlanes(byte* src, int count, int w, int h)
    {
        var res = new Plane[count];
        for (int c = 0; c < count; c++)
        {
            res[c] = new Plane(w, h);
            new ReadOnlySpan<float>(src + 4L * c * w * h, w * h).CopyTo(res[c].Data);
        }
        return res;
    }

    /// <summary>Consecutive, aligned slices of one arena.</summary>
    sealed class Arena
    {
        readonly Slice[] _slices;
        readonly VulkanDevice _dev;
        public ulong Bytes { get; }

        public Arena(VulkanDevice dev, ulong[] sizes)
        {
            _dev = dev;
            _slices = new Slice[sizes.Length];
            ulong off = 0, a = dev.StorageAlignment;
            for (int i = 0; i < sizes.Length; i++)
            {
                if (sizes[i] > dev.MaxStorageBufferRange)
                    throw new DpException(DpStatus.OutOfMemory, $"Vulkan: a {sizes[i] >> 20} MiB buffer exceeds the device's storage-buffer range");
                _slices[i] = new Slice(off, sizes[i]);
                off += (sizes[i] + a - 1) / a * a;
            }
            Bytes = off;
        }

        public Slice this[int i] => _slices[i];

        public GpuJob Job(long budget, ulong staging)
        {
            if (Bytes + staging > (ulong)budget)
                throw new DpException(DpStatus.OutOfMemory, $"Vulkan: this image needs {(Bytes + staging) >> 20} MiB, more than the budget of {budget >> 20} MiB");
            return new GpuJob(_dev, Bytes, staging);
        }
    }
}

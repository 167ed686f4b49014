using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using DepthPlugins.Core.Processing;

namespace DepthPlugins.Core.Deformable;

/// <summary>
/// Channel-planar activations for a band of image rows [<see cref="Top"/>, Top + <see cref="Rows"/>). Each channel
/// plane has a one-pixel zero border (buffer row 0 and Rows + 1, column 0 and columns past the width), so a 3×3
/// convolution with zero padding reads shifted rows without bounds checks: the GEMM operand for tap (ky, kx) is the
/// input row itself, offset by ky rows and kx columns (no im2col copy).
/// </summary>
internal sealed class FeatureMap
{
    public FeatureMap(int channels, int width, int capacityRows)
    {
        Channels = channels;
        Width = width;
        CapacityRows = capacityRows;
        // Full vector groups may be read past the last pixel; the extra columns stay zero.
        Stride = (width + ConvCpu.Nr - 1) / ConvCpu.Nr * ConvCpu.Nr + 2;
        PlaneStride = (long)(capacityRows + 2) * Stride;
        long total = PlaneStride * channels;
        if (total > Array.MaxLength) throw new DpException(DpStatus.OutOfMemory, $"activation buffer {width}x{capacityRows}x{channels} is too large");
        Data = GC.AllocateArray<float>((int)total, pinned: true);
    }

    public int Channels { get; }
    public int Width { get; }
    public int CapacityRows { get; }
    public int Stride { get; }
    public long PlaneStride { get; }
    public float[] Data { get; }
    public int Top { get; private set; }
    public int Rows { get; private set; }

    /// <summary>Makes the map hold image rows [top, top + rows) and zeroes the border rows around them.</summary>
    public void Cover(int top, int rows)
    {
        if (rows < 1 || rows > CapacityRows) throw new InvalidOperationException($"{rows} rows exceed the map's capacity {CapacityRows}");
        Top = top;
        Rows = rows;
        for (int c = 0; c < Channels; c++)
        {
            Array.Clear(Data, (int)(c * PlaneStride), Stride);
            Array.Clear(Data, (int)(c * PlaneStride + (long)(rows + 1) * Stride), Stride);
        }
    }

    /// <summary>Index of pixel x of image row y in channel c (x may be −1 or y may be Top − 1 / Top + Rows: the border).</summary>
    public long Index(int c, int y, int x) => c * PlaneStride + (long)(y - Top + 1) * Stride + 1 + x;
}

/// <summary>
/// A convolution packed for the CPU kernel: output channels in blocks of <see cref="Mr"/>, weights stored
/// [block][in channel][tap][Mr] so the inner loop broadcasts 4 consecutive floats. The micro-kernel keeps a 4-channel ×
/// 3-vector tile of outputs in 12 registers and streams the input rows (an outer-product GEMM step per tap).
/// </summary>
internal sealed class ConvCpu
{
    public const int Mr = 4;
    static readonly int V = Vector<float>.Count;
    public static readonly int Nr = 3 * Vector<float>.Count;

    readonly float[] _packed;
    readonly float[] _bias;

    public ConvCpu(ConvLayer layer)
    {
        Layer = layer;
        Blocks = (layer.OutChannels + Mr - 1) / Mr;
        int taps = layer.Kernel * layer.Kernel, per = layer.InChannels * taps;
        _packed = GC.AllocateArray<float>(Blocks * per * Mr, pinned: true);
        _bias = GC.AllocateArray<float>(Blocks * Mr, pinned: true);
        for (int o = 0; o < layer.OutChannels; o++)
        {
            int b = o / Mr, m = o % Mr;
            _bias[o] = layer.Bias[o];
            for (int i = 0; i < layer.InChannels; i++)
                for (int t = 0; t < taps; t++)
                    _packed[((b * layer.InChannels + i) * taps + t) * Mr + m] = layer.Weights[(o * layer.InChannels + i) * taps + t];
        }
    }

    public ConvLayer Layer { get; }
    public int Blocks { get; }

    /// <summary>Computes output rows [y0, y1) (image rows; <paramref name="output"/> must cover them), reading the
    /// input rows around them, which <paramref name="input"/> must hold unless they lie outside the image
    /// (<paramref name="imageHeight"/>): there the zero border stands in for the padding.</summary>
    public unsafe void Run(FeatureMap input, FeatureMap output, int y0, int y1, int imageHeight, bool relu, Parallelism par)
    {
        var L = Layer;
        int pad = L.Kernel / 2;
        if (input.Channels < L.InChannels || output.Channels < L.OutChannels || input.Width != output.Width)
            throw new InvalidOperationException("feature maps do not match the convolution");
        if (y0 < output.Top || y1 > output.Top + output.Rows
            || Math.Max(0, y0 - pad) < input.Top || Math.Min(imageHeight, y1 + pad) > input.Top + input.Rows)
            throw new InvalidOperationException($"rows {y0}..{y1} are not covered (input {input.Top}+{input.Rows}, output {output.Top}+{output.Rows})");
        int rows = y1 - y0, blocks = Blocks, width = input.Width;
        // Padding channels of a partial last block write into a scratch row whose values are never read (so the
        // threads may share it); FDKN's channel counts are multiples of Mr and never need it.
        var scratchRow = new float[L.OutChannels % Mr == 0 ? 1 : width];
        fixed (float* pin = input.Data, pout = output.Data, pw = _packed, pb = _bias, ps = scratchRow)
        {
            nint inBase = (nint)pin, outBase = (nint)pout, wBase = (nint)pw, bBase = (nint)pb, sBase = (nint)ps;
            Parallel.For(0, rows * blocks, par.Options, item =>
            {
                int y = y0 + item / blocks, b = item % blocks;
                float* src = (float*)inBase + input.Index(0, y - pad, -pad);
                float* w = (float*)wBase + (long)b * L.InChannels * L.Kernel * L.Kernel * Mr;
                float* bias = (float*)bBase + b * Mr;
                float* scratch = (float*)sBase;
                float* o0 = Dst(outBase, output, b * Mr + 0, y, scratch), o1 = Dst(outBase, output, b * Mr + 1, y, scratch);
                float* o2 = Dst(outBase, output, b * Mr + 2, y, scratch), o3 = Dst(outBase, output, b * Mr + 3, y, scratch);
                Tile(src, input.PlaneStride, input.Stride, L.InChannels, L.Kernel, w, bias, o0, o1, o2, o3, width, relu);
            });
        }
    }

    /// <summary>c + a·b: fused where the hardware has FMA; otherwise multiply then add (Vector.FusedMultiplyAdd would
    /// fall back to a slow software emulation, as in the library's baseline x86-64-v2 NativeAOT build).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector<float> Madd(Vector<float> a, Vector<float> b, Vector<float> c)
        => Fma.IsSupported || AdvSimd.IsSupported ? Vector.FusedMultiplyAdd(a, b, c) : a * b + c;

    unsafe float* Dst(nint outBase, FeatureMap output, int channel, int y, float* scratch)
        => channel < Layer.OutChannels ? (float*)outBase + output.Index(channel, y, 0) : scratch;

    static unsafe void Tile(float* src, long plane, int stride, int cin, int k, float* w, float* bias,
        float* o0, float* o1, float* o2, float* o3, int width, bool relu)
    {
        int v = V, nr = 3 * v;
        float* tail = stackalloc float[4 * nr];
        for (int x0 = 0; x0 < width; x0 += nr)
        {
            Vector<float> a00 = new(bias[0]), a01 = a00, a02 = a00;
            Vector<float> a10 = new(bias[1]), a11 = a10, a12 = a10;
            Vector<float> a20 = new(bias[2]), a21 = a20, a22 = a20;
            Vector<float> a30 = new(bias[3]), a31 = a30, a32 = a30;
            float* wp = w;
            float* col = src + x0;
            for (int ci = 0; ci < cin; ci++, col += plane)
            {
                float* row = col;
                for (int ky = 0; ky < k; ky++, row += stride)
                    for (int kx = 0; kx < k; kx++, wp += Mr)
                    {
                        var b0 = Vector.Load(row + kx);
                        var b1 = Vector.Load(row + kx + v);
                        var b2 = Vector.Load(row + kx + 2 * v);
                        var c = new Vector<float>(wp[0]);
                        a00 = Madd(c, b0, a00); a01 = Madd(c, b1, a01); a02 = Madd(c, b2, a02);
                        c = new Vector<float>(wp[1]);
                        a10 = Madd(c, b0, a10); a11 = Madd(c, b1, a11); a12 = Madd(c, b2, a12);
                        c = new Vector<float>(wp[2]);
                        a20 = Madd(c, b0, a20); a21 = Madd(c, b1, a21); a22 = Madd(c, b2, a22);
                        c = new Vector<float>(wp[3]);
                        a30 = Madd(c, b0, a30); a31 = Madd(c, b1, a31); a32 = Madd(c, b2, a32);
                    }
            }
            if (relu)
            {
                var z = Vector<float>.Zero;
                a00 = Vector.Max(a00, z); a01 = Vector.Max(a01, z); a02 = Vector.Max(a02, z);
                a10 = Vector.Max(a10, z); a11 = Vector.Max(a11, z); a12 = Vector.Max(a12, z);
                a20 = Vector.Max(a20, z); a21 = Vector.Max(a21, z); a22 = Vector.Max(a22, z);
                a30 = Vector.Max(a30, z); a31 = Vector.Max(a31, z); a32 = Vector.Max(a32, z);
            }
            int n = Math.Min(nr, width - x0);
            // A partial last group goes through a small buffer so the zero border past the width stays zero.
            bool full = n == nr;
            float* d0 = full ? o0 + x0 : tail, d1 = full ? o1 + x0 : tail + nr, d2 = full ? o2 + x0 : tail + 2 * nr, d3 = full ? o3 + x0 : tail + 3 * nr;
            Vector.Store(a00, d0); Vector.Store(a01, d0 + v); Vector.Store(a02, d0 + 2 * v);
            Vector.Store(a10, d1); Vector.Store(a11, d1 + v); Vector.Store(a12, d1 + 2 * v);
            Vector.Store(a20, d2); Vector.Store(a21, d2 + v); Vector.Store(a22, d2 + 2 * v);
            Vector.Store(a30, d3); Vector.Store(a31, d3 + v); Vector.Store(a32, d3 + 2 * v);
            if (!full)
            {
                new Span<float>(tail, n).CopyTo(new Span<float>(o0 + x0, n));
                new Span<float>(tail + nr, n).CopyTo(new Span<float>(o1 + x0, n));
                new Span<float>(tail + 2 * nr, n).CopyTo(new Span<float>(o2 + x0, n));
                new Span<float>(tail + 3 * nr, n).CopyTo(new Span<float>(o3 + x0, n));
            }
        }
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using DepthPlugins.Core.Imaging;
using DepthPlugins.Core.Processing;

namespace DepthPlugins.Core.LensBlur;

/// <summary>
/// dp_lens_blur on the CPU straight from and to 8-bit RGBA/BGRA caller buffers (what photo hosts pass): the image is
/// decoded directly into the premultiplied linear colour the layers blur (no planes in the input's encoding), and the
/// composite is finished and encoded directly into the output (pixels the blur does not reach are decoded from the input
/// again and re-encoded). Every value goes through the same float operations as <see cref="PixelCodec.ReadImage"/>,
/// <see cref="LensBlurRenderer.Render"/> and <see cref="PixelCodec.WriteImage"/>, so the bytes are the same (the tests
/// compare them); it only skips the intermediate planes and passes. Other formats take the planes path.
/// </summary>
public static unsafe class LensBlurRawCpu
{
    /// <summary>Linear light of every 8-bit sRGB code, as the planes path computes it (code / 255 through the table).</summary>
    static readonly float[] Linear8 = BuildLinear8();

    static float[] BuildLinear8()
    {
        var t = new float[256];
        var lut = SrgbTable.ToLinearTable;
        for (int b = 0; b < 256; b++) t[b] = SrgbTable.ToLinear(lut, b * (1f / 255f));
        return t;
    }

    /// <summary>Whether <see cref="Render"/> takes these buffers: 8-bit RGBA or BGRA in and out, both sRGB-encoded, a depth
    /// map of the image's size, and an output that does not overlap the image unless it is the image itself.</summary>
    public static bool Supports(in PixelBuffer image, in PixelBuffer depth, in PixelBuffer output)
    {
        static bool Rgba8(in PixelBuffer b) => b.Format is PixelFormat.Rgba8 or PixelFormat.Bgra8 && PixelFormats.Resolve(b.Format, b.Transfer) == Transfer.Srgb;
        if (!Rgba8(image) || !Rgba8(output)) return false;
        if (depth.Width != image.Width || depth.Height != image.Height) return false;
        bool same = output.Data == image.Data && output.RowStrideBytes == image.RowStrideBytes && output.Format == image.Format;
        return same || !Overlap(image, output);
    }

    static bool Overlap(in PixelBuffer a, in PixelBuffer b)
    {
        static (long Lo, long Hi) Range(in PixelBuffer p)
        {
            long first = p.Data, last = p.Data + (p.Height - 1) * p.RowStrideBytes;
            return (Math.Min(first, last), Math.Max(first, last) + (long)p.Width * p.BytesPerPixel);
        }
        var (a0, a1) = Range(a);
        var (b0, b1) = Range(b);
        return a0 < b1 && b0 < a1;
    }

    /// <summary>The lens blur of <paramref name="image"/> into <paramref name="output"/> (see the class summary); the
    /// buffers must pass <see cref="Supports"/>. <paramref name="output"/> is written only at the end.</summary>
    public static void Render(ILensBlurKernels kernels, in PixelBuffer image, in PixelBuffer depth, in PixelBuffer output, LensBlurOptions o, Progress progress, Parallelism par)
    {
        if (!Supports(image, depth, output)) throw new DpException(DpStatus.Internal, "LensBlurRawCpu.Render: unsupported buffers");
        o.Validate(image.Width, image.Height);
        progress.Report(0f);
        float focus = o.FocusFromPoint ? LensBlurRenderer.FocusAt(depth, o.FocusX, o.FocusY) : o.Focus;
        var coc = LensBlurRenderer.CircleOfConfusion(depth, focus, o, par);
        var plan = LayerPlan.Build(coc, par);
        var scene = Prepare(image, coc, plan, o, par);
        progress.Report(0.15f);
        var comp = kernels.Composite(scene, progress.Stage(0.15f, 0.97f));
        if (image.Alpha == AlphaMode.Straight && output.Alpha == AlphaMode.Straight) FinishStraight(image, comp, output, par);
        else Finish(image, comp, output, par);
        // Every plane of this call is its own (backends allocate the composite per call): the next call may reuse them.
        RecycledArrays.Return(coc.Data, plan.Lower, plan.UpperWeight, scene.Colour[0].Data, scene.Colour[1].Data, scene.Colour[2].Data,
            scene.Alpha?.Data, comp.Colour[0].Data, comp.Colour[1].Data, comp.Colour[2].Data, comp.Alpha?.Data, comp.Untouched);
        progress.Report(1f);
    }

    /// <summary>Offsets of R, G, B, A in a pixel of the format.</summary>
    static (int R, int G, int B) Order(PixelFormat f) => f == PixelFormat.Bgra8 ? (2, 1, 0) : (0, 1, 2);

    /// <summary>The scene of <see cref="LensBlurRenderer.PrepareScene"/> decoded from the bytes.</summary>
    static LensBlurScene Prepare(PixelBuffer image, Plane coc, LayerPlan plan, LensBlurOptions o, Parallelism par)
    {
        int w = image.Width, h = image.Height;
        var colour = new[] { Plane.Uninitialized(w, h), Plane.Uninitialized(w, h), Plane.Uninitialized(w, h) };
        // Alpha 1 everywhere is not blurred (see LensBlurRenderer): the same result for a channel less, and then not stored.
        var alpha = Opaque(image, par) ? null : Plane.Uninitialized(w, h);
        float[] d0 = colour[0].Data, d1 = colour[1].Data, d2 = colour[2].Data, cd = coc.Data, table = Linear8, lut = SrgbTable.ToLinearTable;
        float[]? da = alpha?.Data;
        var (oR, oG, oB) = Order(image.Format);
        bool premultiplied = image.Alpha == AlphaMode.Premultiplied;
        float threshold = o.HighlightThreshold, gain = o.HighlightGain;
        Parallel.For(0, h, par.Options, y =>
        {
            byte* row = (byte*)image.Data + y * image.RowStrideBytes;
            fixed (float* p0 = &d0[y * w], p1 = &d1[y * w], p2 = &d2[y * w], alphaAll = da, pc = &cd[y * w], lin = table)
            {
                float* pa = alphaAll == null ? null : alphaAll + y * w;
                for (int x = 0; x < w; x++)
                {
                    byte* px = row + 4 * x;
                    // As PixelCodec.ReadImage (code / 255, premultiplied colour divided by alpha) and LensBlurRenderer's Prepare.
                    float a = px[3] * (1f / 255f), r, g, b;
                    if (!premultiplied)
                    {
                        r = lin[px[oR]];
                        g = lin[px[oG]];
                        b = lin[px[oB]];
                    }
                    else
                    {
                        float rs = px[oR] * (1f / 255f), gs = px[oG] * (1f / 255f), bs = px[oB] * (1f / 255f);
                        if (a > 0f)
                        {
                            rs /= a;
                            gs /= a;
                            bs /= a;
                        }
                        r = SrgbTable.ToLinear(lut, rs);
                        g = SrgbTable.ToLinear(lut, gs);
                        b = SrgbTable.ToLinear(lut, bs);
                    }
                    if (pa != null) pa[x] = a;
                    float m = a * LensBlurRenderer.HighlightFactor(0.2126f * r + 0.7152f * g + 0.0722f * b, MathF.Abs(pc[x]), threshold, gain);
                    p0[x] = r * m;
                    p1[x] = g * m;
                    p2[x] = b * m;
                }
            }
        });
        return new LensBlurScene(colour, alpha, plan, new ApertureShape(o.Blades, o.Rotation), o.FullResolution);
    }

    /// <summary>Whether every pixel's alpha byte is 255 (then its alpha, 255 × (1/255), is exactly 1).</summary>
    static bool Opaque(PixelBuffer image, Parallelism par)
    {
        int translucent = 0;
        Parallel.For(0, image.Height, par.Options, (y, state) =>
        {
            byte* row = (byte*)image.Data + y * image.RowStrideBytes;
            int n = 4 * image.Width, x = 0;
            // Four pixels at a time: colour bytes set to 255, so only an alpha byte below 255 shows.
            var colour = Vector128.Create(0x00FFFFFFu).AsByte();
            for (; x + 16 <= n; x += 16)
                if (!Vector128.EqualsAll(Vector128.Load(row + x) | colour, Vector128<byte>.AllBitsSet)) break;
            for (x += 3; x < n; x += 4)
                if (row[x] != 255)
                {
                    translucent = 1;
                    state.Stop();
                    return;
                }
        });
        return translucent == 0;
    }

    /// <summary>LensBlurRenderer's Finish and PixelCodec.WriteImage in one pass: un-premultiplied, sRGB-encoded, then
    /// premultiplied again if the output is, and rounded; untouched pixels are the input's decoded values.</summary>
    static void Finish(PixelBuffer image, LensBlurComposite comp, PixelBuffer output, Parallelism par)
    {
        int w = image.Width, h = image.Height;
        float[] c0 = comp.Colour[0].Data, c1 = comp.Colour[1].Data, c2 = comp.Colour[2].Data;
        float[]? ca = comp.Alpha?.Data;
        bool[] untouched = comp.Untouched;
        float[] lut = SrgbTable.ToSrgbTable;
        var (iR, iG, iB) = Order(image.Format);
        var (oR, oG, oB) = Order(output.Format);
        bool inPremultiplied = image.Alpha == AlphaMode.Premultiplied, outPremultiplied = output.Alpha == AlphaMode.Premultiplied;
        Parallel.For(0, h, par.Options, y =>
        {
            byte* src = (byte*)image.Data + y * image.RowStrideBytes, dst = (byte*)output.Data + y * output.RowStrideBytes;
            for (int x = 0, i = y * w; x < w; x++, i++)
            {
                byte* p = src + 4 * x;
                float r, g, b, a;
                if (untouched[i])
                {
                    a = p[3] * (1f / 255f);
                    r = p[iR] * (1f / 255f);
                    g = p[iG] * (1f / 255f);
                    b = p[iB] * (1f / 255f);
                    if (inPremultiplied && a > 0f)
                    {
                        r /= a;
                        g /= a;
                        b /= a;
                    }
                }
                else
                {
                    r = c0[i];
                    g = c1[i];
                    b = c2[i];
                    a = 1f;
                    if (ca != null)
                    {
                        a = ca[i];
                        r = a > 0f ? r / a : 0f;
                        g = a > 0f ? g / a : 0f;
                        b = a > 0f ? b / a : 0f;
                    }
                    r = SrgbTable.ToSrgb(lut, r);
                    g = SrgbTable.ToSrgb(lut, g);
                    b = SrgbTable.ToSrgb(lut, b);
                }
                float m = outPremultiplied ? a : 1f;
                byte* q = dst + 4 * x;
                q[oR] = PixelCodec.ToByte(r * m);
                q[oG] = PixelCodec.ToByte(g * m);
                q[oB] = PixelCodec.ToByte(b * m);
                q[3] = PixelCodec.ToByte(a);
            }
        });
    }

    /// <summary><see cref="Finish"/> for straight output from straight input (the common case) with the shortcuts that
    /// give the same bytes: an untouched pixel's bytes are copied (code / 255 × 255 rounds back to the code), and linear
    /// light goes to a byte through <see cref="SrgbTable.ToSrgbByte"/>.</summary>
    static void FinishStraight(PixelBuffer image, LensBlurComposite comp, PixelBuffer output, Parallelism par)
    {
        int w = image.Width, h = image.Height;
        float[] c0 = comp.Colour[0].Data, c1 = comp.Colour[1].Data, c2 = comp.Colour[2].Data;
        float[]? ca = comp.Alpha?.Data;
        bool[] untouched = comp.Untouched;
        var (iR, iG, iB) = Order(image.Format);
        var (oR, oG, oB) = Order(output.Format);
        Parallel.For(0, h, par.Options, y =>
        {
            byte* src = (byte*)image.Data + y * image.RowStrideBytes, dst = (byte*)output.Data + y * output.RowStrideBytes;
            fixed (float* p0 = &c0[y * w], p1 = &c1[y * w], p2 = &c2[y * w], alpha = ca)
            fixed (bool* u = &untouched[y * w])
            fixed (byte* buckets = SrgbTable.ByteBuckets)
            fixed (float* thresholds = SrgbTable.ByteThresholds)
            {
                float* pa = alpha == null ? null : alpha + y * w;
                int x = 0;
                if (pa == null && image.Format == output.Format && Vector128.IsHardwareAccelerated)
                    x = OpaqueRow4(p0, p1, p2, u, (uint*)src, (uint*)dst, w, oR, oG, oB, buckets, thresholds);
                for (; x < w; x++)
                {
                    byte* p = src + 4 * x, q = dst + 4 * x;
                    if (u[x])
                    {
                        byte pr = p[iR], pg = p[iG], pb = p[iB], a8 = p[3];
                        q[oR] = pr;
                        q[oG] = pg;
                        q[oB] = pb;
                        q[3] = a8;
                        continue;
                    }
                    float r = p0[x], g = p1[x], b = p2[x];
                    if (pa != null)
                    {
                        float a = pa[x];
                        r = a > 0f ? r / a : 0f;
                        g = a > 0f ? g / a : 0f;
                        b = a > 0f ? b / a : 0f;
                        q[3] = PixelCodec.ToByte(a);
                    }
                    else q[3] = 255;
                    q[oR] = SrgbTable.ToSrgbByte(buckets, thresholds, r);
                    q[oG] = SrgbTable.ToSrgbByte(buckets, thresholds, g);
                    q[oB] = SrgbTable.ToSrgbByte(buckets, thresholds, b);
                }
            }
        });
    }

    /// <summary>FinishStraight's loop for opaque output of the input's format, four pixels at a time: the sRGB bytes of
    /// each channel by <see cref="SrgbTable.ToSrgbByte(byte*, float*, float)"/>'s steps on vectors (its two table reads
    /// per value stay scalar), packed into pixels with alpha 255; untouched pixels take the input's four bytes. Returns
    /// the first column left to the scalar loop.</summary>
    static int OpaqueRow4(float* r, float* g, float* b, bool* untouched, uint* src, uint* dst, int w, int oR, int oG, int oB, byte* buckets, float* thresholds)
    {
        int x = 0;
        var alpha = Vector128.Create(255u << 24);
        for (; x + 4 <= w; x += 4)
        {
            var word = alpha | (SrgbBytes(Vector128.Load(r + x), buckets, thresholds) << (8 * oR))
                             | (SrgbBytes(Vector128.Load(g + x), buckets, thresholds) << (8 * oG))
                             | (SrgbBytes(Vector128.Load(b + x), buckets, thresholds) << (8 * oB));
            // One bool byte per pixel, widened to a 32-bit lane mask.
            var flags = Vector128.WidenLower(Vector128.WidenLower(Vector128.CreateScalar(*(uint*)(untouched + x)).AsByte()));
            var keep = ~Vector128.Equals(flags, Vector128<uint>.Zero);
            Vector128.ConditionalSelect(keep, Vector128.Load(src + x), word).Store(dst + x);
        }
        return x;
    }

    /// <summary>SrgbTable.ToSrgbByte of four values, as 32-bit lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector128<uint> SrgbBytes(Vector128<float> v, byte* buckets, float* thresholds)
    {
        // Bucket index of the bit pattern; out-of-range values (≤ 0, ≥ 1, NaN) are replaced below, their index only
        // has to stay inside the table.
        var idx = Vector128.ShiftRightArithmetic(v.AsInt32(), SrgbTable.ByteBucketShift);
        idx = Vector128.Min(Vector128.Max(idx, Vector128<int>.Zero), Vector128.Create((BitConverter.SingleToInt32Bits(1f) >> SrgbTable.ByteBucketShift) - 1));
        int k0 = buckets[idx.GetElement(0)], k1 = buckets[idx.GetElement(1)], k2 = buckets[idx.GetElement(2)], k3 = buckets[idx.GetElement(3)];
        var k = Vector128.Create(k0, k1, k2, k3);
        var t = Vector128.Create(thresholds[k0 + 1], thresholds[k1 + 1], thresholds[k2 + 1], thresholds[k3 + 1]);
        k -= Vector128.GreaterThanOrEqual(v, t).AsInt32(); // all-ones = −1: one more where v reaches the next threshold
        k &= Vector128.GreaterThan(v, Vector128<float>.Zero).AsInt32();  // ≤ 0 and NaN give 0
        k |= Vector128.GreaterThanOrEqual(v, Vector128<float>.One).AsInt32() & Vector128.Create(255); // ≥ 1 gives 255
        return k.AsUInt32();
    }
}

using System.Runtime.CompilerServices;
using DepthPlugins.Core.Imaging;

namespace DepthPlugins.Core.LensBlur;

/// <summary>
/// The sRGB transfer function in both directions by table lookup with linear interpolation over 65535 steps: exact at
/// every 16-bit (and so every 8-bit) code value, within 1e-7 of <see cref="ColorSpace"/> between them, and many times
/// faster than evaluating the power function per value. Values outside 0..1 (HDR highlights) use the exact function.
/// Hot loops fetch a table once (<see cref="ToLinearTable"/>, <see cref="ToSrgbTable"/>) and pass it in.
/// </summary>
static class SrgbTable
{
    const int Steps = 65535;
    public static readonly float[] ToLinearTable = Build(ColorSpace.SrgbToLinear);
    public static readonly float[] ToSrgbTable = Build(ColorSpace.LinearToSrgb);

    static float[] Build(Func<float, float> f)
    {
        var t = new float[Steps + 2];
        for (int i = 0; i <= Steps; i++) t[i] = f(i / (float)Steps);
        t[Steps + 1] = t[Steps];
        return t;
    }

    /// <summary>sRGB-encoded → linear with <paramref name="table"/> = <see cref="ToLinearTable"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToLinear(float[] table, float v) => v is >= 0f and <= 1f ? Lookup(table, v) : ColorSpace.SrgbToLinear(v);

    /// <summary>Linear → sRGB-encoded with <paramref name="table"/> = <see cref="ToSrgbTable"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToSrgb(float[] table, float v) => v is >= 0f and <= 1f ? Lookup(table, v) : ColorSpace.LinearToSrgb(v);

    /// <summary><see cref="PixelCodec.ToByte"/>(<see cref="ToSrgb"/>(v)) for any float, found without evaluating either: the
    /// composition is monotone, so the byte is the number of thresholds at or below v. A bucket table indexed by v's
    /// exponent and top mantissa bits gives the byte at the bucket's lower end; buckets are narrower (relatively) than the
    /// gap between neighbouring thresholds, so one comparison with the next threshold finishes it (no loop, no branch:
    /// about one bucket in six of those that occur holds a threshold, too many for a well-predicted branch). Hot loops
    /// pin <see cref="ByteBuckets"/> and <see cref="ByteThresholds"/> and call <see cref="ToSrgbByte(byte*, float*, float)"/>.</summary>
    public static unsafe byte ToSrgbByte(float v)
    {
        fixed (byte* b = ByteBuckets)
        fixed (float* t = ByteThresholds)
            return ToSrgbByte(b, t, v);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe byte ToSrgbByte(byte* buckets, float* thresholds, float v)
    {
        if (!(v > 0f)) return 0; // negative, zero and NaN all give 0
        if (v >= 1f) return 255;
        int k = buckets[BitConverter.SingleToInt32Bits(v) >> ByteBucketShift];
        return (byte)(k + (v >= thresholds[k + 1] ? 1 : 0));
    }

    /// <summary>Buckets of 2^16 float bit patterns: 7 mantissa bits, a relative width of at most 1/128, while neighbouring
    /// thresholds lie at least 1/112 apart (2.4/(k + 14) relatively near the top; more along the linear segment).</summary>
    public const int ByteBucketShift = 16;
    /// <summary>ByteThresholds[k]: the smallest float v in [0, 1] with ToByte(ToSrgb(v)) ≥ k (k = 1..255); [256] = ∞.</summary>
    public static readonly float[] ByteThresholds = BuildByteThresholds();
    /// <summary>Per bucket of v's bit pattern (v in (0, 1)), the byte at its lower end.</summary>
    public static readonly byte[] ByteBuckets = BuildByteBuckets();

    static float[] BuildByteThresholds()
    {
        var t = new float[257];
        static byte F(float v) => PixelCodec.ToByte(ToSrgb(ToSrgbTable, v));
        for (int k = 1; k < 256; k++)
        {
            // Bisection over the bit patterns of floats in [0, 1] (positive floats order like their bits).
            int lo = 0, hi = BitConverter.SingleToInt32Bits(1f);
            while (lo < hi)
            {
                int mid = lo + (hi - lo) / 2;
                if (F(BitConverter.Int32BitsToSingle(mid)) >= k) hi = mid;
                else lo = mid + 1;
            }
            t[k] = BitConverter.Int32BitsToSingle(lo);
        }
        t[256] = float.PositiveInfinity;
        return t;
    }

    static byte[] BuildByteBuckets()
    {
        int n = BitConverter.SingleToInt32Bits(1f) >> ByteBucketShift;
        var b = new byte[n];
        for (int i = 0, k = 0; i < n; i++)
        {
            float lo = BitConverter.Int32BitsToSingle(i << ByteBucketShift);
            float hi = BitConverter.Int32BitsToSingle(((i + 1) << ByteBucketShift) - 1);
            while (k < 255 && lo >= ByteThresholds[k + 1]) k++;
            b[i] = (byte)k;
            // The single comparison in ToSrgbByte relies on this.
            if (k < 254 && hi >= ByteThresholds[k + 2]) throw new InvalidOperationException($"sRGB byte bucket {i} spans two thresholds");
        }
        return b;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static float Lookup(float[] table, float v)
    {
        float x = v * Steps;
        int i = (int)x;
        float f = x - i;
        float a = table[i];
        return a + f * (table[i + 1] - a);
    }
}

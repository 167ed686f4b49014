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

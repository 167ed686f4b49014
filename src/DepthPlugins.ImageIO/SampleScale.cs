using System.Runtime.CompilerServices;

namespace DepthPlugins.ImageIO;

/// <summary>Integer ↔ float sample conversion shared by the codecs.</summary>
internal static class SampleScale
{
    /// <summary>v / 255 for every 8-bit value.</summary>
    public static readonly float[] From8 = Build(255);

    private static float[]? s_from16;

    /// <summary>v / 65535 for every 16-bit value (built on first use).</summary>
    public static float[] From16 => s_from16 ??= Build(65535);

    private static float[] Build(int max)
    {
        var t = new float[max + 1];
        for (int i = 0; i <= max; i++)
            t[i] = i / (float)max;
        return t;
    }

    /// <summary>Clamps to 0..1 and rounds to the nearest 8-bit value; NaN becomes 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte To8(float x)
    {
        if (!(x > 0f)) return 0;        // negative, zero and NaN
        if (x >= 1f) return 255;
        return (byte)(int)(x * 255f + 0.5f);
    }

    /// <summary>Clamps to 0..1 and rounds to the nearest 16-bit value; NaN becomes 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort To16(float x)
    {
        if (!(x > 0f)) return 0;
        if (x >= 1f) return 65535;
        return (ushort)(int)(x * 65535f + 0.5f);
    }
}

namespace DepthPlugins.Core.Imaging;

/// <summary>The sRGB transfer function (IEC 61966-2-1), applied per value; values outside 0..1 are extended by symmetry.</summary>
public static class ColorSpace
{
    public static float SrgbToLinear(float v)
    {
        float a = MathF.Abs(v);
        float l = a <= 0.04045f ? a / 12.92f : MathF.Pow((a + 0.055f) / 1.055f, 2.4f);
        return MathF.CopySign(l, v);
    }

    public static float LinearToSrgb(float v)
    {
        float a = MathF.Abs(v);
        float s = a <= 0.0031308f ? a * 12.92f : 1.055f * MathF.Pow(a, 1f / 2.4f) - 0.055f;
        return MathF.CopySign(s, v);
    }

    public static Plane SrgbToLinear(Plane p) => Map(p, SrgbToLinear);
    public static Plane LinearToSrgb(Plane p) => Map(p, LinearToSrgb);

    static Plane Map(Plane p, Func<float, float> f)
    {
        var o = new Plane(p.Width, p.Height);
        Parallel.For(0, p.Height, y =>
        {
            var src = p.Row(y);
            var dst = o.Row(y);
            for (int x = 0; x < src.Length; x++) dst[x] = f(src[x]);
        });
        return o;
    }
}

using DepthPlugins.Core.Imaging;

namespace DepthPlugins.Vulkan.Tests;

static class Compare
{
    /// <summary>Largest absolute difference; a NaN on one side only counts as infinite (unknown must stay unknown).</summary>
    public static double MaxDiff(Plane a, Plane b)
    {
        if (a.Width != b.Width || a.Height != b.Height) return double.PositiveInfinity;
        double m = 0;
        for (long i = 0; i < a.Length; i++)
        {
            float x = a.Data[i], y = b.Data[i];
            if (float.IsNaN(x) || float.IsNaN(y))
            {
                if (float.IsNaN(x) != float.IsNaN(y)) return double.PositiveInfinity;
                continue;
            }
            m = Math.Max(m, Math.Abs((double)x - y));
        }
        return m;
    }

    /// <summary>Largest difference between two encoded buffers, per sample of the format (integer steps or float values);
    /// row padding is not compared.</summary>
    public static double MaxSampleDiff(TestBuffer a, TestBuffer b)
    {
        double m = 0;
        var f = a.Buffer.Format;
        for (int y = 0; y < a.Buffer.Height; y++)
        {
            var ra = a.Row(y).ToArray();
            var rb = b.Row(y).ToArray();
            switch (f)
            {
                case PixelFormat.Gray8: case PixelFormat.Rgba8: case PixelFormat.Bgra8:
                    for (int i = 0; i < ra.Length; i++) m = Math.Max(m, Math.Abs(ra[i] - rb[i]));
                    break;
                case PixelFormat.Gray16: case PixelFormat.Rgba16:
                    for (int i = 0; i + 1 < ra.Length; i += 2) m = Math.Max(m, Math.Abs(BitConverter.ToUInt16(ra, i) - BitConverter.ToUInt16(rb, i)));
                    break;
                default:
                    for (int i = 0; i + 3 < ra.Length; i += 4)
                    {
                        float x = BitConverter.ToSingle(ra, i), z = BitConverter.ToSingle(rb, i);
                        if (float.IsNaN(x) || float.IsNaN(z)) { if (float.IsNaN(x) != float.IsNaN(z)) return double.PositiveInfinity; continue; }
                        m = Math.Max(m, Math.Abs((double)x - z) / Math.Max(1.0, Math.Abs((double)z)));
                    }
                    break;
            }
        }
        return m;
    }

    /// <summary>Like <see cref="MaxDiff"/> but relative to max(1, |b|): for values far outside 0..1 (un-premultiplied noise).</summary>
    public static double MaxRelDiff(Plane a, Plane b)
    {
        double m = 0;
        for (long i = 0; i < a.Length; i++)
        {
            float x = a.Data[i], y = b.Data[i];
            if (float.IsNaN(x) || float.IsNaN(y)) { if (float.IsNaN(x) != float.IsNaN(y)) return double.PositiveInfinity; continue; }
            m = Math.Max(m, Math.Abs((double)x - y) / Math.Max(1.0, Math.Abs((double)y)));
        }
        return m;
    }
}

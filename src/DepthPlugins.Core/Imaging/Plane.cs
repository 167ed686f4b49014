using System.Runtime.CompilerServices;
using DepthPlugins.Core.Processing;

namespace DepthPlugins.Core.Imaging;

/// <summary>One float32 channel, row-major and unpadded: the unit every filter works on.</summary>
public sealed class Plane
{
    public int Width { get; }
    public int Height { get; }
    public float[] Data { get; }

    public Plane(int width, int height)
        : this(width, height, new float[CheckedArea(width, height)]) { }

    public Plane(int width, int height, float[] data)
    {
        long area = CheckedArea(width, height);
        if (data.LongLength != area) throw new ArgumentException($"plane data has {data.Length} values, expected {area}");
        Width = width;
        Height = height;
        Data = data;
    }

    public long Length => (long)Width * Height;

    public float this[int x, int y]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Data[(long)y * Width + x];
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        set => Data[(long)y * Width + x] = value;
    }

    public Span<float> Row(int y) => Data.AsSpan(y * Width, Width);

    public Plane Clone() => new(Width, Height, (float[])Data.Clone());

    /// <summary>A plane whose values are not cleared first (possibly a recycled array, see <see cref="RecycledArrays"/>):
    /// for a caller that writes every one of them (saves zeroing, and touching, memory it overwrites anyway).</summary>
    public static Plane Uninitialized(int width, int height) => new(width, height, RecycledArrays.Rent<float>((int)CheckedArea(width, height)));

    public static Plane Filled(int width, int height, float value)
    {
        var p = new Plane(width, height);
        Array.Fill(p.Data, value);
        return p;
    }

    internal static long CheckedArea(int width, int height)
    {
        if (width <= 0 || height <= 0) throw DpException.Invalid($"image size {width}x{height} must be positive");
        long area = (long)width * height;
        if (area > Array.MaxLength) throw new DpException(DpStatus.OutOfMemory, $"image {width}x{height} is too large for one buffer");
        return area;
    }
}

using System.Runtime.InteropServices;

namespace DepthPlugins.Core.Imaging;

/// <summary>
/// Converts caller buffers (any <see cref="PixelFormat"/>, any stride) to float planes and back.
/// Reads happen during the call only; writes touch exactly width × height pixels of the destination.
/// </summary>
public static unsafe class PixelCodec
{
    /// <summary>Reads a colour or grey image; premultiplied colour is divided by alpha so filters see straight colour.</summary>
    public static Image ReadImage(in PixelBuffer b)
    {
        var transfer = PixelFormats.Resolve(b.Format, b.Transfer);
        if (b.IsGrey) return new Image([ReadChannel(b, 0)], null, transfer);
        Plane r = ReadChannel(b, 0), g = ReadChannel(b, 1), bl = ReadChannel(b, 2), a = ReadChannel(b, 3);
        if (b.Alpha == AlphaMode.Premultiplied)
        {
            float[] ad = a.Data;
            for (long i = 0; i < ad.LongLength; i++)
            {
                float al = ad[i];
                if (al > 0f)
                {
                    r.Data[i] /= al;
                    g.Data[i] /= al;
                    bl.Data[i] /= al;
                }
            }
        }
        return new Image([r, g, bl], a, transfer);
    }

    /// <summary>Reads a depth map: the grey channel, or red of a colour buffer. Integer formats map to 0..1.</summary>
    public static Plane ReadDepth(in PixelBuffer b) => ReadChannel(b, 0);

    /// <summary>Reads channel <paramref name="c"/> (0 = R or grey, 3 = alpha) as floats; integer formats scale to 0..1.</summary>
    public static Plane ReadChannel(in PixelBuffer b, int c)
    {
        var p = Plane.Uninitialized(b.Width, b.Height);
        var buf = b;
        Parallel.For(0, b.Height, y => ReadChannelRow(buf, c, y, p.Row(y)));
        return p;
    }

    /// <summary>Row <paramref name="y"/> of <see cref="ReadChannel"/> into <paramref name="dst"/> (Width values).</summary>
    public static void ReadChannelRow(in PixelBuffer b, int c, int y, Span<float> dst)
    {
        // BGRA stores blue first: map the logical channel to its byte offset.
        int ci = b.Format == PixelFormat.Bgra8 && c < 3 ? 2 - c : c;
        int n = PixelFormats.ChannelCount(b.Format);
        byte* row = (byte*)b.Data + y * b.RowStrideBytes;
        dst = dst[..b.Width];
        switch (b.Format)
        {
            case PixelFormat.Gray8:
            case PixelFormat.Rgba8:
            case PixelFormat.Bgra8:
                for (int x = 0; x < dst.Length; x++) dst[x] = row[x * n + ci] * (1f / 255f);
                break;
            case PixelFormat.Gray16:
            case PixelFormat.Rgba16:
                {
                    ushort* r16 = (ushort*)row;
                    for (int x = 0; x < dst.Length; x++) dst[x] = r16[x * n + ci] * (1f / 65535f);
                    break;
                }
            default:
                {
                    float* rf = (float*)row;
                    for (int x = 0; x < dst.Length; x++) dst[x] = rf[x * n + ci];
                    break;
                }
        }
    }

    /// <summary>Writes a depth plane: grey as is, colour buffers get R = G = B = depth and opaque alpha.</summary>
    public static void WriteDepth(Plane depth, in PixelBuffer b)
    {
        CheckSize(depth.Width, depth.Height, b);
        WritePlanes(b, depth, depth, depth, null);
    }

    /// <summary>Writes an image, converting transfer, channel count and premultiplication to the buffer's.</summary>
    public static void WriteImage(Image img, in PixelBuffer b)
    {
        CheckSize(img.Width, img.Height, b);
        var want = PixelFormats.Resolve(b.Format, b.Transfer);
        var src = want == Transfer.Linear ? img.AsLinear() : img.AsSrgb();
        if (b.IsGrey)
        {
            var l = src.Luma();
            WritePlanes(b, l, l, l, null);
            return;
        }
        Plane r = src.Channels[0], g = src.IsGrey ? r : src.Channels[1], bl = src.IsGrey ? r : src.Channels[2];
        WritePlanes(b, r, g, bl, src.Alpha);
    }

    static void CheckSize(int w, int h, in PixelBuffer b)
    {
        if (w != b.Width || h != b.Height) throw DpException.Invalid($"output is {b.Width}x{b.Height} but the result is {w}x{h}");
    }

    static void WritePlanes(PixelBuffer b, Plane r, Plane g, Plane bl, Plane? a)
    {
        int n = PixelFormats.ChannelCount(b.Format);
        bool premul = b.Alpha == AlphaMode.Premultiplied && n == 4;
        bool bgra = b.Format == PixelFormat.Bgra8;
        Parallel.For(0, b.Height, y =>
        {
            byte* row = (byte*)b.Data + y * b.RowStrideBytes;
            Span<float> px = stackalloc float[4];
            for (int x = 0; x < b.Width; x++)
            {
                float av = a != null ? a[x, y] : 1f;
                float m = premul ? av : 1f;
                px[0] = r[x, y] * m;
                px[1] = g[x, y] * m;
                px[2] = bl[x, y] * m;
                px[3] = av;
                if (bgra) (px[0], px[2]) = (px[2], px[0]);
                switch (b.Format)
                {
                    case PixelFormat.Gray8: case PixelFormat.Rgba8: case PixelFormat.Bgra8:
                        for (int c = 0; c < n; c++) row[x * n + c] = ToByte(px[c]);
                        break;
                    case PixelFormat.Gray16: case PixelFormat.Rgba16:
                        for (int c = 0; c < n; c++) ((ushort*)row)[x * n + c] = ToUShort(px[c]);
                        break;
                    default:
                        for (int c = 0; c < n; c++) ((float*)row)[x * n + c] = px[c];
                        break;
                }
            }
        });
    }

    /// <summary>Round to nearest after clamping; NaN becomes 0 so integer outputs never hold garbage.</summary>
    public static byte ToByte(float v) => float.IsNaN(v) ? (byte)0 : (byte)Math.Clamp(MathF.Round(v * 255f), 0f, 255f);

    public static ushort ToUShort(float v) => float.IsNaN(v) ? (ushort)0 : (ushort)Math.Clamp(MathF.Round(v * 65535f), 0f, 65535f);

    /// <summary>Pins a managed array as a <see cref="PixelBuffer"/> for the duration of <paramref name="use"/>: lets CLI and tests share the codec.</summary>
    public static T WithArray<TElem, T>(TElem[] array, int width, int height, PixelFormat format, Func<PixelBuffer, T> use, AlphaMode alpha = AlphaMode.Straight, TransferMode transfer = TransferMode.Default)
        where TElem : unmanaged
    {
        var handle = GCHandle.Alloc(array, GCHandleType.Pinned);
        try
        {
            long stride = (long)width * PixelFormats.BytesPerPixel(format);
            return use(new PixelBuffer(handle.AddrOfPinnedObject(), width, height, stride, format, alpha, transfer));
        }
        finally { handle.Free(); }
    }
}

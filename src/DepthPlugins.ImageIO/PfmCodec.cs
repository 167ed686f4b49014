using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace DepthPlugins.ImageIO;

/// <summary>
/// Portable Float Map: <c>PF</c> (RGB) or <c>Pf</c> (grey), header <c>PF\n&lt;w&gt; &lt;h&gt;\n&lt;scale&gt;\n</c>, rows stored
/// bottom to top, negative scale = little-endian samples, positive = big-endian. Sample values are kept as stored
/// (the magnitude of the scale is not applied).
/// </summary>
internal static class PfmCodec
{
    private const int MaxHeaderBytes = 256;

    public static bool HasSignature(ReadOnlySpan<byte> data) =>
        data.Length >= 3 && data[0] == 'P' && (data[1] == 'F' || data[1] == 'f') && IsSpace(data[2]);

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r';

    public static Raster Read(byte[] data, string name)
    {
        int channels = data[1] == 'F' ? 3 : 1;
        int pos = 2;
        string widthText = NextToken(data, ref pos, name, "width");
        string heightText = NextToken(data, ref pos, name, "height");
        string scaleText = NextToken(data, ref pos, name, "scale");
        // exactly one whitespace byte separates the header from the samples
        if (pos >= data.Length)
            throw new ImageFileException($"{name}: truncated PFM (the file ends after the header)");
        pos++;

        if (!long.TryParse(widthText, NumberStyles.None, CultureInfo.InvariantCulture, out long width))
            throw new ImageFileException($"{name}: corrupt PFM header (invalid width '{Printable(widthText)}')");
        if (!long.TryParse(heightText, NumberStyles.None, CultureInfo.InvariantCulture, out long height))
            throw new ImageFileException($"{name}: corrupt PFM header (invalid height '{Printable(heightText)}')");
        if (!double.TryParse(scaleText, NumberStyles.Float, CultureInfo.InvariantCulture, out double scale)
            || scale == 0 || !double.IsFinite(scale))
            throw new ImageFileException($"{name}: corrupt PFM header (invalid scale '{Printable(scaleText)}', expected a non-zero number)");
        ImageLimits.Check(name, "PFM", width, height, channels);

        int w = (int)width, h = (int)height;
        long rowFloats = (long)w * channels;
        long needed = rowFloats * h * 4;
        long available = data.Length - pos;
        if (available < needed)
            throw new ImageFileException(
                $"{name}: truncated PFM (pixel data ends early: {available} of {needed} bytes present)");

        bool littleEndian = scale < 0;
        var samples = new float[rowFloats * h];
        int rowBytes = (int)(rowFloats * 4);
        for (int fileRow = 0; fileRow < h; fileRow++)
        {
            ReadOnlySpan<byte> src = data.AsSpan(pos + fileRow * rowBytes, rowBytes);
            Span<float> dst = samples.AsSpan((h - 1 - fileRow) * (int)rowFloats, (int)rowFloats);
            MemoryMarshal.Cast<byte, float>(src).CopyTo(dst);
            if (littleEndian != BitConverter.IsLittleEndian)
            {
                Span<uint> bits = MemoryMarshal.Cast<float, uint>(dst);
                BinaryPrimitives.ReverseEndianness(bits, bits);
            }
        }
        return new Raster(w, h, channels, 32, samples);
    }

    /// <summary>A header token as it may appear in a message: printable ASCII only, at most 20 characters.</summary>
    private static string Printable(string token)
    {
        var chars = token.Select(c => c is >= ' ' and <= '~' ? c : '?').Take(21).ToArray();
        return chars.Length > 20 ? new string(chars, 0, 20) + "..." : new string(chars);
    }

    private static string NextToken(byte[] data, ref int pos, string name, string what)
    {
        while (pos < data.Length && IsSpace(data[pos])) pos++;
        if (pos > MaxHeaderBytes)
            throw new ImageFileException($"{name}: corrupt PFM header (too much white space before the {what})");
        int start = pos;
        while (pos < data.Length && !IsSpace(data[pos]))
        {
            pos++;
            if (pos > MaxHeaderBytes)
                throw new ImageFileException($"{name}: corrupt PFM header (the {what} field is malformed)");
        }
        if (pos == start || pos >= data.Length)
            throw new ImageFileException($"{name}: truncated PFM (the header ends before the {what})");
        return Encoding.ASCII.GetString(data, start, pos - start);
    }

    /// <summary>Writes little-endian PFM (scale -1.0); alpha is dropped, grey (+alpha) becomes Pf, colour becomes PF.</summary>
    public static void Write(Stream output, Raster raster)
    {
        int width = raster.Width, height = raster.Height, inChannels = raster.Channels;
        int outChannels = inChannels >= 3 ? 3 : 1;
        string header = (outChannels == 3 ? "PF" : "Pf") + $"\n{width} {height}\n-1.0\n";
        output.Write(Encoding.ASCII.GetBytes(header));

        var row = new byte[width * outChannels * 4];
        float[] src = raster.Samples;
        for (int y = height - 1; y >= 0; y--)
        {
            int s = y * width * inChannels;
            int o = 0;
            for (int x = 0; x < width; x++, s += inChannels)
                for (int c = 0; c < outChannels; c++, o += 4)
                    BinaryPrimitives.WriteSingleLittleEndian(row.AsSpan(o), src[s + c]);
            output.Write(row);
        }
    }
}

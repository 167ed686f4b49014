using StbImageSharp;
using StbImageWriteSharp;
using ReadComponents = StbImageSharp.ColorComponents;
using WriteComponents = StbImageWriteSharp.ColorComponents;

namespace DepthPlugins.ImageIO;

/// <summary>JPEG through StbImageSharp (8-bit baseline and progressive) and StbImageWriteSharp (quality 95, no alpha).</summary>
internal static class JpegCodec
{
    public const int Quality = 95;

    public static bool HasSignature(ReadOnlySpan<byte> data) =>
        data.Length >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF;

    public static Raster Read(byte[] data, string name)
    {
        ValidateStructure(data, name);

        // Check the declared size before stb allocates anything.
        ImageInfo? info;
        using (var header = new MemoryStream(data, writable: false))
            info = ImageInfo.FromStream(header);
        if (info is not { } i)
            throw new ImageFileException($"{name}: corrupt JPEG (the header could not be parsed)");
        int declaredChannels = i.ColorComponents is ReadComponents.Grey ? 1 : 3;
        ImageLimits.Check(name, "JPEG", i.Width, i.Height, declaredChannels);

        ImageResult result;
        try
        {
            result = ImageResult.FromMemory(data, ReadComponents.Default);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new ImageFileException($"{name}: corrupt JPEG ({DescribeDecoderError(e)})", e);
        }

        int channels = result.Comp switch
        {
            ReadComponents.Grey => 1,
            ReadComponents.GreyAlpha => 2,
            ReadComponents.RedGreenBlue => 3,
            ReadComponents.RedGreenBlueAlpha => 4,
            _ => throw new ImageFileException($"{name}: unsupported JPEG (unexpected component layout {result.Comp})"),
        };
        ImageLimits.Check(name, "JPEG", result.Width, result.Height, channels);
        long count = (long)result.Width * result.Height * channels;
        if (result.Data is null || result.Data.Length < count)
            throw new ImageFileException($"{name}: corrupt JPEG (the decoder returned incomplete data)");

        var samples = new float[count];
        float[] scale = SampleScale.From8;
        byte[] bytes = result.Data;
        for (long k = 0; k < count; k++)
            samples[k] = scale[bytes[k]];
        return new Raster(result.Width, result.Height, channels, 8, samples);
    }

    /// <summary>
    /// Walks the marker segments from SOI to EOI (skipping over entropy-coded scan data) and checks that every segment
    /// lies inside the file, that a frame header precedes the first scan and that an end-of-image marker exists.
    /// stb_image does not check for the end of its input in every loop, so a segment length pointing past the end
    /// could otherwise make it spin forever; after this walk every marker it looks for is really there.
    /// </summary>
    private static void ValidateStructure(ReadOnlySpan<byte> d, string name)
    {
        int pos = 2; // after SOI
        bool sawFrame = false, sawScan = false;
        while (true)
        {
            if (pos >= d.Length)
                throw new ImageFileException($"{name}: truncated JPEG (the file ends before the end-of-image marker)");
            if (d[pos] != 0xFF)
                throw new ImageFileException($"{name}: corrupt JPEG (expected a marker at byte offset {pos})");
            while (pos < d.Length && d[pos] == 0xFF) pos++; // fill bytes
            if (pos >= d.Length)
                throw new ImageFileException($"{name}: truncated JPEG (the file ends before the end-of-image marker)");
            byte marker = d[pos++];
            if (marker == 0xD9)
            {
                if (!sawScan) throw new ImageFileException($"{name}: corrupt JPEG (no image data before the end-of-image marker)");
                return;
            }
            if (marker is 0x00 or 0xD8)
                throw new ImageFileException($"{name}: corrupt JPEG (unexpected marker 0xFF{marker:X2} at byte offset {pos - 2})");
            if (marker is 0x01 or (>= 0xD0 and <= 0xD7))
                continue; // stand-alone markers without a length
            if (d.Length - pos < 2)
                throw new ImageFileException($"{name}: truncated JPEG (the file ends inside the 0xFF{marker:X2} segment)");
            int length = d[pos] << 8 | d[pos + 1];
            if (length < 2)
                throw new ImageFileException($"{name}: corrupt JPEG (the 0xFF{marker:X2} segment has invalid length {length})");
            if (d.Length - pos < length)
                throw new ImageFileException($"{name}: truncated JPEG (the 0xFF{marker:X2} segment ends early)");
            if (marker is >= 0xC0 and <= 0xCF and not (0xC4 or 0xC8 or 0xCC))
                sawFrame = true;
            pos += length;
            if (marker != 0xDA) continue;

            if (!sawFrame) throw new ImageFileException($"{name}: corrupt JPEG (image data before the frame header)");
            sawScan = true;
            // Entropy-coded data runs to the next marker other than byte stuffing (FF 00) and restarts (FF D0-D7).
            while (true)
            {
                int ff = d[pos..].IndexOf((byte)0xFF);
                if (ff < 0 || pos + ff + 1 >= d.Length)
                    throw new ImageFileException($"{name}: truncated JPEG (image data ends early)");
                pos += ff;
                byte next = d[pos + 1];
                if (next == 0x00 || next is >= 0xD0 and <= 0xD7) pos += 2;
                else if (next == 0xFF) pos += 1;
                else break;
            }
        }
    }

    /// <summary>
    /// stb_image reports terse reasons ("bad huffman code"); when JPEG decoding fails it also tries its other loaders,
    /// so the last reason may name another format ("bad png sig") and is replaced by a neutral one.
    /// </summary>
    private static string DescribeDecoderError(Exception e)
    {
        string m = e.Message.Trim().TrimEnd('.');
        bool usable = e is InvalidOperationException or InvalidDataException || e.GetType() == typeof(Exception);
        if (!usable || m.Length == 0 || m.Length > 80
            || m.Contains("png", StringComparison.OrdinalIgnoreCase) || m.Contains("gif", StringComparison.OrdinalIgnoreCase)
            || m.Contains("bmp", StringComparison.OrdinalIgnoreCase) || m.Contains("psd", StringComparison.OrdinalIgnoreCase)
            || m.Contains("tga", StringComparison.OrdinalIgnoreCase) || m.Contains("hdr", StringComparison.OrdinalIgnoreCase)
            || m.Contains("unknown image type", StringComparison.OrdinalIgnoreCase))
            return "the decoder rejected the data";
        return "decoder error: " + m;
    }

    /// <summary>Writes an 8-bit JPEG at quality 95; grey+alpha becomes grey and RGBA becomes RGB.</summary>
    public static void Write(Stream output, Raster raster)
    {
        int width = raster.Width, height = raster.Height, inChannels = raster.Channels;
        int outChannels = inChannels >= 3 ? 3 : 1;
        var bytes = new byte[(long)width * height * outChannels];
        float[] src = raster.Samples;
        long pixels = (long)width * height;
        for (long p = 0, s = 0, o = 0; p < pixels; p++, s += inChannels)
            for (int c = 0; c < outChannels; c++)
                bytes[o++] = SampleScale.To8(src[s + c]);

        var writer = new ImageWriter();
        writer.WriteJpg(bytes, width, height, outChannels == 3 ? WriteComponents.RedGreenBlue : WriteComponents.Grey,
            output, Quality);
    }
}

using System.Buffers.Binary;
using System.Runtime.InteropServices;
using BitMiracle.LibTiff.Classic;

namespace DepthPlugins.ImageIO;

/// <summary>
/// TIFF through BitMiracle.LibTiff.NET: 8/16-bit unsigned integer or 32-bit IEEE float samples, grey (MinIsBlack) or RGB,
/// optional alpha as an extra sample, contiguous planar configuration, strips or tiles, top-left orientation.
/// LibTiff's library-wide error handler is replaced so nothing is printed to the console; messages are collected per
/// thread and used in the <see cref="ImageFileException"/>.
/// </summary>
internal static class TiffCodec
{
    static TiffCodec()
    {
        Tiff.SetErrorHandler(new CollectingErrorHandler());
    }

    public static bool HasSignature(ReadOnlySpan<byte> d) =>
        d.Length >= 4 && ((d[0] == 'I' && d[1] == 'I' && (d[2] == 42 || d[2] == 43) && d[3] == 0)
                       || (d[0] == 'M' && d[1] == 'M' && d[2] == 0 && (d[3] == 42 || d[3] == 43)));

    private static ImageFileException Corrupt(string name, string detail) => new($"{name}: corrupt TIFF ({detail})");
    private static ImageFileException Unsupported(string name, string detail) => new($"{name}: unsupported TIFF variant ({detail})");

    // ------------------------------------------------------------------------------------------------ reading

    public static Raster Read(byte[] data, string name)
    {
        CheckFirstDirectory(data, name);
        CollectingErrorHandler.Reset(name);
        try
        {
            return ReadCore(data, name);
        }
        catch (Exception e) when (e is not (ImageFileException or OutOfMemoryException))
        {
            // LibTiff.NET throws casts and index errors on some malformed directories; report what it logged, if anything.
            string reason = CollectingErrorHandler.FirstError() ?? "malformed data that LibTiff could not decode";
            throw new ImageFileException($"{name}: corrupt TIFF ({reason})", e);
        }
    }

    private static Raster ReadCore(byte[] data, string name)
    {
        using var stream = new MemoryStream(data, writable: false);
        using Tiff? tif = Tiff.ClientOpen(name, "rm", stream, new NonClosingTiffStream());
        if (tif is null)
            throw Corrupt(name, CollectingErrorHandler.FirstError() ?? "the directory could not be read");

        long width = GetUInt(tif, TiffTag.IMAGEWIDTH) ?? throw Corrupt(name, "no ImageWidth tag");
        long height = GetUInt(tif, TiffTag.IMAGELENGTH) ?? throw Corrupt(name, "no ImageLength tag");
        int bits = GetIntDefaulted(tif, TiffTag.BITSPERSAMPLE, 1);
        int spp = GetIntDefaulted(tif, TiffTag.SAMPLESPERPIXEL, 1);
        var format = (SampleFormat)GetIntDefaulted(tif, TiffTag.SAMPLEFORMAT, (int)SampleFormat.UINT);
        var planar = (PlanarConfig)GetIntDefaulted(tif, TiffTag.PLANARCONFIG, (int)PlanarConfig.CONTIG);
        var orientation = (Orientation)GetIntDefaulted(tif, TiffTag.ORIENTATION, (int)Orientation.TOPLEFT);
        var photometric = (Photometric)(GetInt(tif, TiffTag.PHOTOMETRIC)
                                        ?? (int)(spp >= 3 ? Photometric.RGB : Photometric.MINISBLACK));

        if (spp < 1 || spp > 4)
            throw Unsupported(name, $"{spp} samples per pixel; 1 to 4 are supported");
        if (photometric == Photometric.MINISBLACK && spp > 2)
            throw Unsupported(name, $"grey image with {spp} samples per pixel");
        if (photometric == Photometric.RGB && spp < 3)
            throw Unsupported(name, $"RGB image with {spp} samples per pixel");
        if (photometric is not (Photometric.MINISBLACK or Photometric.RGB))
            throw Unsupported(name, $"photometric interpretation {photometric}; only grey (MinIsBlack) and RGB are supported");
        bool isFloat = format == SampleFormat.IEEEFP;
        if (!((bits is 8 or 16 && format == SampleFormat.UINT) || (bits == 32 && isFloat)))
            throw Unsupported(name, $"{bits}-bit {format} samples; 8/16-bit unsigned integer or 32-bit float are supported");
        if (planar != PlanarConfig.CONTIG)
            throw Unsupported(name, "separate sample planes; only contiguous (chunky) data is supported");
        if (orientation != Orientation.TOPLEFT)
            throw Unsupported(name, $"orientation {orientation}; only top-left is supported");
        var compression = (Compression)GetIntDefaulted(tif, TiffTag.COMPRESSION, (int)Compression.NONE);
        if (!tif.IsCodecConfigured(compression))
            throw Unsupported(name, $"compression scheme {compression}");
        ImageLimits.Check(name, "TIFF", width, height, spp);
        return ReadPixels(tif, data.Length, name, (int)width, (int)height, spp, bits);
    }

    private static Raster ReadPixels(Tiff tif, int fileSize, string name, int width, int height, int spp, int bits)
    {
        int bytesPerSample = bits / 8;
        long rowBytes = (long)width * spp * bytesPerSample;
        var samples = new float[(long)width * height * spp];

        if (tif.IsTiled())
        {
            int tileW = GetInt(tif, TiffTag.TILEWIDTH) ?? 0;
            int tileH = GetInt(tif, TiffTag.TILELENGTH) ?? 0;
            if (tileW <= 0 || tileH <= 0 || tileW > ImageLimits.MaxSide || tileH > ImageLimits.MaxSide)
                throw Corrupt(name, $"invalid tile size {tileW}x{tileH}");
            long tileRowBytes = (long)tileW * spp * bytesPerSample;
            long tileBytes = tileRowBytes * tileH;
            if (tileBytes > int.MaxValue / 2)
                throw Unsupported(name, $"tiles of {tileW}x{tileH} pixels are too large");
            var buffer = new byte[tileBytes];
            for (int ty = 0; ty < height; ty += tileH)
            {
                for (int tx = 0; tx < width; tx += tileW)
                {
                    int tile = tif.ComputeTile(tx, ty, 0, 0);
                    CheckRawSize(name, tif.RawTileSize(tile), fileSize, "tile", tile);
                    int n = tif.ReadEncodedTile(tile, buffer, 0, (int)tileBytes);
                    if (n < 0)
                        throw Corrupt(name, CollectingErrorHandler.FirstError() ?? $"tile {tile} could not be decoded");
                    int rows = Math.Min(tileH, height - ty), cols = Math.Min(tileW, width - tx);
                    for (int r = 0; r < rows; r++)
                    {
                        long dst = ((long)(ty + r) * width + tx) * spp;
                        Convert(buffer.AsSpan((int)(r * tileRowBytes), cols * spp * bytesPerSample),
                            samples.AsSpan((int)dst, cols * spp), bits);
                    }
                }
            }
        }
        else
        {
            int rowsPerStrip = Math.Min(GetIntDefaulted(tif, TiffTag.ROWSPERSTRIP, height), height);
            if (rowsPerStrip <= 0) rowsPerStrip = height;
            long stripBytes = rowBytes * rowsPerStrip;
            if (stripBytes > int.MaxValue / 2)
                throw Unsupported(name, $"strips of {rowsPerStrip} rows of {width} pixels are too large");
            var buffer = new byte[stripBytes];
            int strips = (height + rowsPerStrip - 1) / rowsPerStrip;
            for (int strip = 0; strip < strips; strip++)
            {
                CheckRawSize(name, tif.RawStripSize(strip), fileSize, "strip", strip);
                int rows = Math.Min(rowsPerStrip, height - strip * rowsPerStrip);
                int want = (int)(rows * rowBytes);
                int n = tif.ReadEncodedStrip(strip, buffer, 0, want);
                if (n < 0)
                    throw Corrupt(name, CollectingErrorHandler.FirstError() ?? $"strip {strip} could not be decoded");
                if (n < want)
                    throw new ImageFileException($"{name}: truncated TIFF (strip {strip} holds {n} of {want} bytes)");
                long dst = (long)strip * rowsPerStrip * width * spp;
                Convert(buffer.AsSpan(0, want), samples.AsSpan((int)dst, (int)((long)rows * width * spp)), bits);
            }
        }

        return new Raster(width, height, spp, bits, samples);
    }

    /// <summary>
    /// Checks the first directory before LibTiff sees it: the whole directory (entry count, entries, next offset) must
    /// be inside the file, and so must every out-of-line entry value. LibTiff accepts a directory whose trailing
    /// next-directory offset is cut off, and it will allocate (and spend a long time filling) arrays for absurd value
    /// counts; both are reported here instead.
    /// </summary>
    private static void CheckFirstDirectory(ReadOnlySpan<byte> d, string name)
    {
        bool little = d[0] == 'I';
        bool big = (little ? d[2] : d[3]) == 43;
        int headerSize = big ? 16 : 8;
        if (d.Length < headerSize)
            throw new ImageFileException($"{name}: truncated TIFF (the file ends inside the header)");
        ulong length = (ulong)d.Length;
        ulong offset = big ? Read64(d[8..], little) : Read32(d[4..], little);
        ulong countSize = big ? 8u : 2u, entrySize = big ? 20u : 12u, nextSize = big ? 8u : 4u, inline = big ? 8u : 4u;
        if (offset < (ulong)headerSize || offset > length || length - offset < countSize)
            throw new ImageFileException($"{name}: truncated TIFF (the first directory lies outside the file)");
        ulong count = big ? Read64(d[(int)offset..], little) : Read16(d[(int)offset..], little);
        if (count > length / entrySize || length - offset - countSize < count * entrySize + nextSize)
            throw new ImageFileException($"{name}: truncated TIFF (the file ends inside the first directory)");

        for (ulong k = 0; k < count; k++)
        {
            ReadOnlySpan<byte> entry = d[(int)(offset + countSize + k * entrySize)..];
            ulong tag = Read16(entry, little), type = Read16(entry[2..], little);
            ulong values = big ? Read64(entry[4..], little) : Read32(entry[4..], little);
            ulong typeSize = type switch
            {
                1 or 2 or 6 or 7 => 1u,
                3 or 8 => 2u,
                4 or 9 or 11 or 13 => 4u,
                5 or 10 or 12 or 16 or 17 or 18 => 8u,
                _ => 0u, // unknown type: LibTiff skips the entry
            };
            if (typeSize == 0 || values * typeSize <= inline && values <= length) continue;
            ulong at = big ? Read64(entry[12..], little) : Read32(entry[8..], little);
            if (values > length || at > length || length - at < values * typeSize)
                throw new ImageFileException(
                    $"{name}: corrupt TIFF (the values of tag {(TiffTag)(int)tag} lie outside the file)");
        }
    }

    private static ulong Read16(ReadOnlySpan<byte> b, bool little) =>
        little ? BinaryPrimitives.ReadUInt16LittleEndian(b) : BinaryPrimitives.ReadUInt16BigEndian(b);

    private static ulong Read32(ReadOnlySpan<byte> b, bool little) =>
        little ? BinaryPrimitives.ReadUInt32LittleEndian(b) : BinaryPrimitives.ReadUInt32BigEndian(b);

    private static ulong Read64(ReadOnlySpan<byte> b, bool little) =>
        little ? BinaryPrimitives.ReadUInt64LittleEndian(b) : BinaryPrimitives.ReadUInt64BigEndian(b);

    private static void CheckRawSize(string name, long rawSize, long fileSize, string what, int index)
    {
        if (rawSize > fileSize)
            throw new ImageFileException(
                $"{name}: truncated TIFF ({what} {index} claims {rawSize} bytes but the file has only {fileSize})");
    }

    /// <summary>Decoded LibTiff data is in host byte order.</summary>
    private static void Convert(ReadOnlySpan<byte> src, Span<float> dst, int bits)
    {
        switch (bits)
        {
            case 8:
                float[] s8 = SampleScale.From8;
                for (int i = 0; i < dst.Length; i++) dst[i] = s8[src[i]];
                break;
            case 16:
                float[] s16 = SampleScale.From16;
                ReadOnlySpan<ushort> u = MemoryMarshal.Cast<byte, ushort>(src);
                for (int i = 0; i < dst.Length; i++) dst[i] = s16[u[i]];
                break;
            default:
                MemoryMarshal.Cast<byte, float>(src)[..dst.Length].CopyTo(dst);
                break;
        }
    }

    private static int? GetInt(Tiff tif, TiffTag tag)
    {
        FieldValue[]? v = tif.GetField(tag);
        return v is { Length: > 0 } ? v[0].ToInt() : null;
    }

    private static long? GetUInt(Tiff tif, TiffTag tag)
    {
        FieldValue[]? v = tif.GetField(tag);
        return v is { Length: > 0 } ? v[0].ToUInt() : null;
    }

    private static int GetIntDefaulted(Tiff tif, TiffTag tag, int fallback)
    {
        FieldValue[]? v = tif.GetFieldDefaulted(tag);
        return v is { Length: > 0 } ? v[0].ToInt() : fallback;
    }

    // ------------------------------------------------------------------------------------------------ writing

    /// <summary>Writes 8/16-bit unsigned or 32-bit float samples, Deflate-compressed with a predictor, in strips of about 256 KiB.</summary>
    public static void Write(Stream output, Raster raster, int bitDepth, string name)
    {
        CollectingErrorHandler.Reset(name);
        int width = raster.Width, height = raster.Height, channels = raster.Channels;
        int bytesPerSample = bitDepth / 8;
        int rowBytes = width * channels * bytesPerSample;
        int rowsPerStrip = Math.Clamp((256 * 1024) / Math.Max(rowBytes, 1), 1, height);

        using (Tiff? tif = Tiff.ClientOpen(name, "w", output, new NonClosingTiffStream()))
        {
            if (tif is null)
                throw new ImageFileException($"{name}: cannot write TIFF ({CollectingErrorHandler.FirstError() ?? "LibTiff could not start the file"})");
            tif.SetField(TiffTag.IMAGEWIDTH, width);
            tif.SetField(TiffTag.IMAGELENGTH, height);
            tif.SetField(TiffTag.SAMPLESPERPIXEL, channels);
            tif.SetField(TiffTag.BITSPERSAMPLE, bitDepth);
            tif.SetField(TiffTag.SAMPLEFORMAT, bitDepth == 32 ? SampleFormat.IEEEFP : SampleFormat.UINT);
            tif.SetField(TiffTag.PHOTOMETRIC, channels >= 3 ? Photometric.RGB : Photometric.MINISBLACK);
            tif.SetField(TiffTag.PLANARCONFIG, PlanarConfig.CONTIG);
            tif.SetField(TiffTag.ORIENTATION, Orientation.TOPLEFT);
            if (channels is 2 or 4)
                tif.SetField(TiffTag.EXTRASAMPLES, 1, new short[] { (short)ExtraSample.UNASSALPHA });
            tif.SetField(TiffTag.COMPRESSION, Compression.ADOBE_DEFLATE);
            tif.SetField(TiffTag.PREDICTOR, bitDepth == 32 ? Predictor.FLOATINGPOINT : Predictor.HORIZONTAL);
            tif.SetField(TiffTag.ROWSPERSTRIP, rowsPerStrip);

            var buffer = new byte[(long)rowsPerStrip * rowBytes];
            float[] src = raster.Samples;
            int samplesPerRow = width * channels;
            int strips = (height + rowsPerStrip - 1) / rowsPerStrip;
            for (int strip = 0; strip < strips; strip++)
            {
                int y0 = strip * rowsPerStrip;
                int rows = Math.Min(rowsPerStrip, height - y0);
                ReadOnlySpan<float> s = src.AsSpan(y0 * samplesPerRow, rows * samplesPerRow);
                switch (bitDepth)
                {
                    case 8:
                        for (int i = 0; i < s.Length; i++) buffer[i] = SampleScale.To8(s[i]);
                        break;
                    case 16:
                        Span<ushort> u = MemoryMarshal.Cast<byte, ushort>(buffer.AsSpan(0, s.Length * 2));
                        for (int i = 0; i < s.Length; i++) u[i] = SampleScale.To16(s[i]);
                        break;
                    default:
                        s.CopyTo(MemoryMarshal.Cast<byte, float>(buffer.AsSpan(0, s.Length * 4)));
                        break;
                }
                if (tif.WriteEncodedStrip(strip, buffer, rows * rowBytes) < 0)
                    throw new ImageFileException($"{name}: cannot write TIFF ({CollectingErrorHandler.FirstError() ?? $"strip {strip} failed"})");
            }
            if (!tif.WriteDirectory())
                throw new ImageFileException($"{name}: cannot write TIFF ({CollectingErrorHandler.FirstError() ?? "the directory could not be written"})");
        }
    }

    /// <summary>Lets the caller own the stream: LibTiff would otherwise close it when the <see cref="Tiff"/> is disposed.</summary>
    private sealed class NonClosingTiffStream : TiffStream
    {
        public override void Close(object clientData) { }
    }

    /// <summary>
    /// Library-wide LibTiff handler: never prints; keeps the messages of the current thread so that failures can be
    /// reported in the exception instead of on the console.
    /// </summary>
    private sealed class CollectingErrorHandler : TiffErrorHandler
    {
        [ThreadStatic] private static List<string>? t_errors;

        [ThreadStatic] private static string? t_name;

        /// <summary>Starts collecting for one file; <paramref name="name"/> is the name given to ClientOpen.</summary>
        public static void Reset(string name)
        {
            (t_errors ??= []).Clear();
            t_name = name;
        }

        public static string? FirstError() => t_errors is { Count: > 0 } e ? e[0] : null;

        private static void Add(string? method, string? format, object[]? args)
        {
            string text;
            try
            {
                text = format is null ? "" : args is { Length: > 0 } ? string.Format(format, args) : format;
            }
            catch (FormatException)
            {
                text = format ?? "";
            }
            text = text.Trim().TrimEnd('.');
            // LibTiff prefixes most messages with the name given to ClientOpen; the exception already starts with it.
            string? prefix = t_name;
            if (!string.IsNullOrEmpty(prefix) && text.StartsWith(prefix + ": ", StringComparison.Ordinal))
                text = text[(prefix.Length + 2)..];
            if (text.Length == 0) text = method ?? "unknown LibTiff error";
            var list = t_errors ??= [];
            if (list.Count < 16 && (list.Count == 0 || list[^1] != text))
                list.Add(text);
        }

        public override void ErrorHandler(Tiff tif, string method, string format, params object[] args) =>
            Add(method, format, args);

        public override void ErrorHandlerExt(Tiff tif, object clientData, string method, string format, params object[] args) =>
            Add(method, format, args);

        public override void WarningHandler(Tiff tif, string method, string format, params object[] args) { }

        public override void WarningHandlerExt(Tiff tif, object clientData, string method, string format, params object[] args) { }
    }
}

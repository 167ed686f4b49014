using System.Buffers.Binary;
using System.IO.Compression;

namespace DepthPlugins.ImageIO;

/// <summary>
/// PNG reader and writer (ISO/IEC 15948). Reads every colour type and bit depth, PLTE/tRNS, Adam7 and all filters
/// with CRC checks; writes grey, grey+alpha, RGB and RGBA at 8 or 16 bits with adaptive per-row filtering.
/// </summary>
internal static class PngCodec
{
    private static ReadOnlySpan<byte> Signature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private const uint ChunkIHDR = 0x49484452;
    private const uint ChunkPLTE = 0x504C5445;
    private const uint ChunkIDAT = 0x49444154;
    private const uint ChunkIEND = 0x49454E44;
    private const uint ChunkTRNS = 0x74524E53;

    /// <summary>Largest IDAT chunk the writer emits.</summary>
    private const int MaxIdatChunk = 1 << 20;

    // Adam7 pass geometry: x start, y start, x step, y step.
    private static readonly int[] Adam7X0 = [0, 4, 0, 2, 0, 1, 0];
    private static readonly int[] Adam7Y0 = [0, 0, 4, 0, 2, 0, 1];
    private static readonly int[] Adam7DX = [8, 8, 4, 4, 2, 2, 1];
    private static readonly int[] Adam7DY = [8, 8, 8, 4, 4, 2, 2];

    public static bool HasSignature(ReadOnlySpan<byte> data) => data.Length >= 8 && data[..8].SequenceEqual(Signature);

    private static ImageFileException Truncated(string name, string detail) => new($"{name}: truncated PNG ({detail})");
    private static ImageFileException Corrupt(string name, string detail) => new($"{name}: corrupt PNG ({detail})");
    private static ImageFileException Unsupported(string name, string detail) => new($"{name}: unsupported PNG ({detail})");

    // ------------------------------------------------------------------------------------------------ reading

    public static Raster Read(byte[] data, string name)
    {
        int pos = 8;
        bool haveHeader = false, ended = false;
        int width = 0, height = 0, bitDepth = 0, colorType = 0, interlace = 0;
        int paletteOffset = -1, paletteCount = 0;
        int trnsOffset = -1, trnsLength = 0;
        var idat = new List<(int Offset, int Length)>();
        long idatTotal = 0;

        while (!ended)
        {
            int left = data.Length - pos;
            if (left < 8)
                throw Truncated(name, left == 0 ? "the file ends before the IEND chunk" : "the file ends inside a chunk header");
            uint length = BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(pos));
            uint type = BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(pos + 4));
            if (!IsChunkTypeValid(data.AsSpan(pos + 4, 4)))
                throw Corrupt(name, $"invalid chunk type at byte offset {pos + 4}");
            string typeName = System.Text.Encoding.ASCII.GetString(data, pos + 4, 4);
            if (length > int.MaxValue)
                throw Corrupt(name, $"the {typeName} chunk has an invalid length");
            if ((long)left - 12 < length)
                throw Truncated(name, type == ChunkIDAT ? "IDAT data ends early" : $"the {typeName} chunk ends early");
            int body = pos + 8, len = (int)length;
            uint storedCrc = BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(body + len));
            if (Crc32.Compute(data.AsSpan(pos + 4, len + 4)) != storedCrc)
                throw Corrupt(name, $"bad CRC in the {typeName} chunk");
            if (!haveHeader && type != ChunkIHDR)
                throw Corrupt(name, $"the first chunk is {typeName}, not IHDR");

            switch (type)
            {
                case ChunkIHDR:
                    if (haveHeader) throw Corrupt(name, "more than one IHDR chunk");
                    if (len != 13) throw Corrupt(name, $"the IHDR chunk has length {len} instead of 13");
                    haveHeader = true;
                    uint w = BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(body));
                    uint h = BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(body + 4));
                    bitDepth = data[body + 8];
                    colorType = data[body + 9];
                    interlace = data[body + 12];
                    ValidateHeader(name, bitDepth, colorType, data[body + 10], data[body + 11], interlace);
                    ImageLimits.Check(name, "PNG", w, h, 1);
                    width = (int)w;
                    height = (int)h;
                    break;
                case ChunkPLTE:
                    if (len == 0 || len % 3 != 0 || len > 768)
                        throw Corrupt(name, $"the PLTE chunk has invalid length {len}");
                    paletteOffset = body;
                    paletteCount = len / 3;
                    break;
                case ChunkTRNS:
                    // tRNS is only meaningful for grey, RGB and palette images; it is ignored where it is not allowed.
                    bool okLength = colorType switch
                    {
                        0 => len == 2,
                        2 => len == 6,
                        3 => len <= 256,
                        _ => true,
                    };
                    if (!okLength) throw Corrupt(name, $"the tRNS chunk has invalid length {len}");
                    if (colorType is 0 or 2 or 3)
                    {
                        trnsOffset = body;
                        trnsLength = len;
                    }
                    break;
                case ChunkIDAT:
                    idat.Add((body, len));
                    idatTotal += len;
                    break;
                case ChunkIEND:
                    ended = true;
                    break;
                default:
                    if ((data[pos + 4] & 0x20) == 0)
                        throw Unsupported(name, $"unknown critical chunk {typeName}");
                    break; // ancillary chunks (gAMA, iCCP, tEXt, ...) carry no samples
            }
            pos = body + len + 4;
        }

        if (idat.Count == 0) throw Corrupt(name, "no IDAT chunk");
        if (colorType == 3 && paletteOffset < 0) throw Corrupt(name, "palette image without a PLTE chunk");

        bool hasTrns = trnsOffset >= 0;
        int fileSpp = colorType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, _ => 4 };
        int channels = colorType switch
        {
            0 => hasTrns ? 2 : 1,
            2 => hasTrns ? 4 : 3,
            3 => hasTrns ? 4 : 3,
            4 => 2,
            _ => 4,
        };
        ImageLimits.Check(name, "PNG", width, height, channels);

        int bitsPerPixel = fileSpp * bitDepth;
        int filterBpp = Math.Max(1, bitsPerPixel / 8);
        int passes = interlace == 1 ? 7 : 1;

        long rawSize = 0;
        long maxRowBytes = 0;
        for (int p = 0; p < passes; p++)
        {
            (int pw, int ph) = PassSize(interlace, p, width, height);
            if (pw == 0 || ph == 0) continue;
            long rowBytes = ((long)pw * bitsPerPixel + 7) / 8;
            maxRowBytes = Math.Max(maxRowBytes, rowBytes);
            rawSize += ph * (rowBytes + 1);
        }
        if (rawSize > Array.MaxLength)
            throw Unsupported(name, $"{width}x{height} image is too large to decode");
        // Deflate cannot expand data by more than about 1032:1, so a shorter stream is necessarily incomplete.
        if (rawSize > idatTotal * 1100 + 1024)
            throw Truncated(name, "IDAT data ends early");

        byte[] raw = Inflate(data, idat, idatTotal, (int)rawSize, name);

        var samples = new float[(long)width * height * channels];
        var zeroRow = new byte[maxRowBytes];
        var values = new int[(long)width * fileSpp];
        var ctx = new RowContext(name, data, bitDepth, colorType, channels, fileSpp, width,
            paletteOffset, paletteCount, trnsOffset, trnsLength, values, samples);

        int offset = 0;
        for (int p = 0; p < passes; p++)
        {
            (int pw, int ph) = PassSize(interlace, p, width, height);
            if (pw == 0 || ph == 0) continue;
            int rowBytes = (int)(((long)pw * bitsPerPixel + 7) / 8);
            int x0 = interlace == 1 ? Adam7X0[p] : 0, dx = interlace == 1 ? Adam7DX[p] : 1;
            int y0 = interlace == 1 ? Adam7Y0[p] : 0, dy = interlace == 1 ? Adam7DY[p] : 1;
            ReadOnlySpan<byte> prev = zeroRow.AsSpan(0, rowBytes);
            for (int y = 0; y < ph; y++)
            {
                int filter = raw[offset];
                Span<byte> cur = raw.AsSpan(offset + 1, rowBytes);
                if (filter > 4)
                    throw Corrupt(name, $"invalid filter type {filter} in row {y}" + (passes > 1 ? $" of Adam7 pass {p + 1}" : ""));
                Unfilter(filter, cur, prev, filterBpp);
                ctx.ConvertRow(cur, pw, y0 + y * dy, x0, dx);
                prev = cur;
                offset += rowBytes + 1;
            }
        }
        return new Raster(width, height, channels, bitDepth == 16 ? 16 : 8, samples);
    }

    private static bool IsChunkTypeValid(ReadOnlySpan<byte> type)
    {
        foreach (byte b in type)
            if (!((b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z')))
                return false;
        return true;
    }

    private static void ValidateHeader(string name, int bitDepth, int colorType, int compression, int filter, int interlace)
    {
        bool depthOk = colorType switch
        {
            0 => bitDepth is 1 or 2 or 4 or 8 or 16,
            3 => bitDepth is 1 or 2 or 4 or 8,
            2 or 4 or 6 => bitDepth is 8 or 16,
            _ => throw Corrupt(name, $"invalid colour type {colorType}"),
        };
        if (!depthOk) throw Corrupt(name, $"bit depth {bitDepth} is not allowed for colour type {colorType}");
        if (compression != 0) throw Unsupported(name, $"compression method {compression}");
        if (filter != 0) throw Unsupported(name, $"filter method {filter}");
        if (interlace > 1) throw Unsupported(name, $"interlace method {interlace}");
    }

    private static (int Width, int Height) PassSize(int interlace, int pass, int width, int height)
    {
        if (interlace == 0) return (width, height);
        int pw = (width - Adam7X0[pass] + Adam7DX[pass] - 1) / Adam7DX[pass];
        int ph = (height - Adam7Y0[pass] + Adam7DY[pass] - 1) / Adam7DY[pass];
        return (Math.Max(pw, 0), Math.Max(ph, 0));
    }

    private static byte[] Inflate(byte[] data, List<(int Offset, int Length)> idat, long idatTotal, int rawSize, string name)
    {
        Stream compressed;
        if (idat.Count == 1)
        {
            compressed = new MemoryStream(data, idat[0].Offset, idat[0].Length, writable: false);
        }
        else
        {
            var joined = new byte[idatTotal];
            int at = 0;
            foreach ((int off, int len) in idat)
            {
                Buffer.BlockCopy(data, off, joined, at, len);
                at += len;
            }
            compressed = new MemoryStream(joined, writable: false);
        }

        var raw = new byte[rawSize];
        int got = 0;
        try
        {
            using var z = new ZLibStream(compressed, CompressionMode.Decompress);
            while (got < rawSize)
            {
                int n = z.Read(raw, got, rawSize - got);
                if (n == 0) break;
                got += n;
            }
        }
        catch (InvalidDataException e)
        {
            throw new ImageFileException($"{name}: corrupt PNG (the compressed image data is invalid)", e);
        }
        if (got < rawSize)
            throw Truncated(name, "IDAT data ends early");
        return raw;
    }

    private static void Unfilter(int filter, Span<byte> cur, ReadOnlySpan<byte> prev, int bpp)
    {
        int n = cur.Length;
        switch (filter)
        {
            case 0:
                break;
            case 1:
                for (int i = bpp; i < n; i++)
                    cur[i] += cur[i - bpp];
                break;
            case 2:
                for (int i = 0; i < n; i++)
                    cur[i] += prev[i];
                break;
            case 3:
                for (int i = 0; i < bpp && i < n; i++)
                    cur[i] += (byte)(prev[i] >> 1);
                for (int i = bpp; i < n; i++)
                    cur[i] += (byte)((cur[i - bpp] + prev[i]) >> 1);
                break;
            case 4:
                for (int i = 0; i < bpp && i < n; i++)
                    cur[i] += prev[i];
                for (int i = bpp; i < n; i++)
                    cur[i] += Paeth(cur[i - bpp], prev[i], prev[i - bpp]);
                break;
        }
    }

    private static byte Paeth(int a, int b, int c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        if (pa <= pb && pa <= pc) return (byte)a;
        return pb <= pc ? (byte)b : (byte)c;
    }

    /// <summary>Per-image state for turning unfiltered rows into float samples (no per-row allocations).</summary>
    private sealed class RowContext(
        string name, byte[] data, int bitDepth, int colorType, int channels, int fileSpp, int width,
        int paletteOffset, int paletteCount, int trnsOffset, int trnsLength, int[] values, float[] samples)
    {
        private readonly float[] _scale = bitDepth == 16 ? SampleScale.From16 : BuildSubByteScale(bitDepth);
        private readonly int _trnsGrey = colorType == 0 && trnsOffset >= 0 ? BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(trnsOffset)) : -1;
        private readonly int _trnsR = colorType == 2 && trnsOffset >= 0 ? BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(trnsOffset)) : -1;
        private readonly int _trnsG = colorType == 2 && trnsOffset >= 0 ? BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(trnsOffset + 2)) : -1;
        private readonly int _trnsB = colorType == 2 && trnsOffset >= 0 ? BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(trnsOffset + 4)) : -1;

        private static float[] BuildSubByteScale(int bitDepth)
        {
            if (bitDepth == 8) return SampleScale.From8;
            int max = (1 << bitDepth) - 1;
            var t = new float[max + 1];
            for (int v = 0; v <= max; v++)
                t[v] = SampleScale.From8[v * 255 / max]; // 1/2/4-bit values map exactly onto 8-bit ones
            return t;
        }

        public void ConvertRow(ReadOnlySpan<byte> row, int pixels, int y, int x0, int dx)
        {
            int count = pixels * fileSpp;
            Span<int> v = values.AsSpan(0, count);
            switch (bitDepth)
            {
                case 8:
                    for (int i = 0; i < count; i++) v[i] = row[i];
                    break;
                case 16:
                    for (int i = 0; i < count; i++) v[i] = row[2 * i] << 8 | row[2 * i + 1];
                    break;
                default:
                    int mask = (1 << bitDepth) - 1;
                    for (int i = 0; i < count; i++)
                    {
                        int bit = i * bitDepth;
                        v[i] = (row[bit >> 3] >> (8 - bitDepth - (bit & 7))) & mask;
                    }
                    break;
            }

            float[] scale = _scale;
            long dst = ((long)y * width + x0) * channels;
            int step = dx * channels;
            if (colorType == 3)
            {
                float[] s8 = SampleScale.From8;
                for (int x = 0; x < pixels; x++, dst += step)
                {
                    int index = v[x];
                    if (index >= paletteCount)
                        throw Corrupt(name, $"palette index {index} is out of range (the palette has {paletteCount} entries)");
                    int e = paletteOffset + 3 * index;
                    samples[dst] = s8[data[e]];
                    samples[dst + 1] = s8[data[e + 1]];
                    samples[dst + 2] = s8[data[e + 2]];
                    if (channels == 4)
                        samples[dst + 3] = index < trnsLength ? s8[data[trnsOffset + index]] : 1f;
                }
            }
            else if (colorType == 0 && channels == 2)
            {
                for (int x = 0; x < pixels; x++, dst += step)
                {
                    samples[dst] = scale[v[x]];
                    samples[dst + 1] = v[x] == _trnsGrey ? 0f : 1f;
                }
            }
            else if (colorType == 2 && channels == 4)
            {
                for (int x = 0; x < pixels; x++, dst += step)
                {
                    int r = v[3 * x], g = v[3 * x + 1], b = v[3 * x + 2];
                    samples[dst] = scale[r];
                    samples[dst + 1] = scale[g];
                    samples[dst + 2] = scale[b];
                    samples[dst + 3] = r == _trnsR && g == _trnsG && b == _trnsB ? 0f : 1f;
                }
            }
            else if (dx == 1)
            {
                Span<float> outRow = samples.AsSpan((int)dst, count);
                for (int i = 0; i < count; i++) outRow[i] = scale[v[i]];
            }
            else
            {
                for (int x = 0; x < pixels; x++, dst += step)
                    for (int c = 0; c < channels; c++)
                        samples[dst + c] = scale[v[x * channels + c]];
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ writing

    /// <summary>
    /// Writes <paramref name="raster"/> (already validated) as a PNG with 8 or 16 bits per sample. Rows are quantised and
    /// filtered in bands of about 1 MiB, the rows of a band in parallel, then deflated in order into one zlib stream.
    /// </summary>
    public static void Write(Stream output, Raster raster, int bitDepth)
    {
        int width = raster.Width, height = raster.Height, channels = raster.Channels;
        int colorType = channels switch { 1 => 0, 2 => 4, 3 => 2, _ => 6 };
        int bytesPerSample = bitDepth / 8;
        int bpp = channels * bytesPerSample;
        int rowBytes = width * bpp;

        output.Write(Signature);
        Span<byte> ihdr = stackalloc byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(ihdr, (uint)width);
        BinaryPrimitives.WriteUInt32BigEndian(ihdr[4..], (uint)height);
        ihdr[8] = (byte)bitDepth;
        ihdr[9] = (byte)colorType;
        ihdr[10] = 0; // deflate
        ihdr[11] = 0; // adaptive filtering
        ihdr[12] = 0; // no interlace
        WriteChunk(output, ChunkIHDR, ihdr);

        int bandRows = Math.Clamp((1 << 20) / rowBytes, 1, height);
        var raw = new byte[(long)(bandRows + 1) * rowBytes];   // row 0: last row of the previous band (zeros at first)
        var filtered = new byte[(long)bandRows * (rowBytes + 1)];
        float[] src = raster.Samples;
        int samplesPerRow = width * channels;

        var idat = new IdatWriter(output);
        // zlib level 3 (also gegl:png-save's default): the deflate runs on one thread, and at level 6 (Optimal) it took a
        // third of a 1080p lens-blur run; level 3 saves about 0.15 s there for files about 19 % larger, same pixels.
        using (var z = new ZLibStream(idat, new ZLibCompressionOptions { CompressionLevel = 3 }, leaveOpen: true))
        {
            for (int y0 = 0; y0 < height; y0 += bandRows)
            {
                int rows = Math.Min(bandRows, height - y0);
                Parallel.For(0, rows, i =>
                {
                    ReadOnlySpan<float> s = src.AsSpan((y0 + i) * samplesPerRow, samplesPerRow);
                    Span<byte> r = raw.AsSpan((i + 1) * rowBytes, rowBytes);
                    if (bitDepth == 8)
                        for (int k = 0; k < s.Length; k++) r[k] = SampleScale.To8(s[k]);
                    else
                        for (int k = 0; k < s.Length; k++) BinaryPrimitives.WriteUInt16BigEndian(r[(2 * k)..], SampleScale.To16(s[k]));
                });
                Parallel.For(0, rows, i =>
                {
                    FilterRow(raw.AsSpan((i + 1) * rowBytes, rowBytes), raw.AsSpan(i * rowBytes, rowBytes), bpp,
                        filtered.AsSpan(i * (rowBytes + 1), rowBytes + 1));
                });
                z.Write(filtered, 0, rows * (rowBytes + 1));
                raw.AsSpan(rows * rowBytes, rowBytes).CopyTo(raw.AsSpan(0, rowBytes));
            }
        }

        idat.Finish();
        WriteChunk(output, ChunkIEND, []);
    }

    /// <summary>Write-only stream that cuts the zlib data into IDAT chunks of <see cref="MaxIdatChunk"/> bytes as it arrives.</summary>
    private sealed class IdatWriter(Stream output) : Stream
    {
        private readonly byte[] _buffer = new byte[MaxIdatChunk];
        private int _count;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Flush() { }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> data)
        {
            while (data.Length > 0)
            {
                int n = Math.Min(data.Length, _buffer.Length - _count);
                data[..n].CopyTo(_buffer.AsSpan(_count));
                _count += n;
                data = data[n..];
                if (_count == _buffer.Length)
                {
                    WriteChunk(output, ChunkIDAT, _buffer);
                    _count = 0;
                }
            }
        }

        /// <summary>Writes the last, partial chunk.</summary>
        public void Finish()
        {
            if (_count > 0) WriteChunk(output, ChunkIDAT, _buffer.AsSpan(0, _count));
            _count = 0;
        }
    }

    /// <summary>
    /// Chooses the filter with the smallest sum of absolute (signed-byte) residuals, computing all five sums in one
    /// pass, and writes the filter byte and the filtered row to <paramref name="dst"/>.
    /// </summary>
    private static void FilterRow(ReadOnlySpan<byte> cur, ReadOnlySpan<byte> prev, int bpp, Span<byte> dst)
    {
        int n = cur.Length;
        long s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0;
        int head = Math.Min(bpp, n);
        for (int i = 0; i < head; i++)
        {
            int x = cur[i], b = prev[i];
            s0 += AbsResidual(x);
            s1 += AbsResidual(x);
            s2 += AbsResidual(x - b);
            s3 += AbsResidual(x - (b >> 1));
            s4 += AbsResidual(x - b);
        }
        for (int i = head; i < n; i++)
        {
            int x = cur[i], a = cur[i - bpp], b = prev[i], c = prev[i - bpp];
            s0 += AbsResidual(x);
            s1 += AbsResidual(x - a);
            s2 += AbsResidual(x - b);
            s3 += AbsResidual(x - ((a + b) >> 1));
            s4 += AbsResidual(x - Paeth(a, b, c));
        }

        int best = 0;
        long bestSum = s0;
        if (s1 < bestSum) { best = 1; bestSum = s1; }
        if (s2 < bestSum) { best = 2; bestSum = s2; }
        if (s3 < bestSum) { best = 3; bestSum = s3; }
        if (s4 < bestSum) { best = 4; }

        dst[0] = (byte)best;
        Span<byte> o = dst.Slice(1, n);
        switch (best)
        {
            case 0:
                cur.CopyTo(o);
                break;
            case 1:
                for (int i = 0; i < head; i++) o[i] = cur[i];
                for (int i = head; i < n; i++) o[i] = (byte)(cur[i] - cur[i - bpp]);
                break;
            case 2:
                for (int i = 0; i < n; i++) o[i] = (byte)(cur[i] - prev[i]);
                break;
            case 3:
                for (int i = 0; i < head; i++) o[i] = (byte)(cur[i] - (prev[i] >> 1));
                for (int i = head; i < n; i++) o[i] = (byte)(cur[i] - ((cur[i - bpp] + prev[i]) >> 1));
                break;
            default:
                for (int i = 0; i < head; i++) o[i] = (byte)(cur[i] - prev[i]);
                for (int i = head; i < n; i++) o[i] = (byte)(cur[i] - Paeth(cur[i - bpp], prev[i], prev[i - bpp]));
                break;
        }
    }

    /// <summary>|(sbyte)v|: the magnitude of a filter residual read as a signed byte.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static int AbsResidual(int v)
    {
        int s = (sbyte)v;
        return (s ^ (s >> 31)) - (s >> 31);
    }

    private static void WriteChunk(Stream output, uint type, ReadOnlySpan<byte> body)
    {
        Span<byte> head = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(head, (uint)body.Length);
        BinaryPrimitives.WriteUInt32BigEndian(head[4..], type);
        uint crc = Crc32.Update(0xFFFFFFFFu, head[4..]);
        crc = ~Crc32.Update(crc, body);
        Span<byte> tail = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(tail, crc);
        output.Write(head);
        output.Write(body);
        output.Write(tail);
    }
}

using System.Text;

namespace DepthPlugins.ImageIO.Tests;

/// <summary>A scratch directory per fixture, removed afterwards.</summary>
public abstract class TempDirFixture
{
    protected string Dir { get; private set; } = "";

    [OneTimeSetUp]
    public void CreateDir()
    {
        Dir = Path.Combine(Path.GetTempPath(), "imageio-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Dir);
    }

    [OneTimeTearDown]
    public void DeleteDir()
    {
        if (!Directory.Exists(Dir)) return;
        if (!OperatingSystem.IsWindows())
            foreach (string d in Directory.GetDirectories(Dir, "*", SearchOption.AllDirectories))
                File.SetUnixFileMode(d, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Directory.Delete(Dir, recursive: true);
    }

    protected string PathOf(string name) => Path.Combine(Dir, name);

    protected string WriteBytes(string name, byte[] bytes)
    {
        string p = PathOf(name);
        File.WriteAllBytes(p, bytes);
        return p;
    }
}

internal static class Rasters
{
    /// <summary>Random samples that are exact k/max values (max = 255 or 65535).</summary>
    public static Raster RandomInteger(int width, int height, int channels, int bitDepth, int seed)
    {
        var rng = new Random(seed);
        int max = bitDepth == 8 ? 255 : 65535;
        var s = new float[width * height * channels];
        for (int i = 0; i < s.Length; i++)
            s[i] = rng.Next(max + 1) / (float)max;
        return new Raster(width, height, channels, bitDepth, s);
    }

    /// <summary>Smooth gradients, good for lossy codecs.</summary>
    public static Raster Gradient(int width, int height, int channels)
    {
        var s = new float[width * height * channels];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                for (int c = 0; c < channels; c++)
                    s[(y * width + x) * channels + c] = (float)(0.5 + 0.4 * Math.Sin(x * 0.07 + c) * Math.Cos(y * 0.05 - c));
        return new Raster(width, height, channels, 8, s);
    }

    public static void AssertBitExact(Raster expected, Raster actual)
    {
        Assert.That(actual.Width, Is.EqualTo(expected.Width));
        Assert.That(actual.Height, Is.EqualTo(expected.Height));
        Assert.That(actual.Channels, Is.EqualTo(expected.Channels));
        Assert.That(actual.Samples, Has.Length.EqualTo(expected.Samples.Length));
        for (int i = 0; i < expected.Samples.Length; i++)
        {
            int e = BitConverter.SingleToInt32Bits(expected.Samples[i]);
            int a = BitConverter.SingleToInt32Bits(actual.Samples[i]);
            if (e != a)
                Assert.Fail($"sample {i}: expected {expected.Samples[i]:R}, got {actual.Samples[i]:R}");
        }
    }
}

/// <summary>
/// A deliberately plain PNG encoder, independent of the library: bitwise CRC, zlib "stored" blocks with a hand-made
/// Adler-32, filters written from the specification, Adam7 pass extraction by brute force.
/// </summary>
internal static class TestPng
{
    public static readonly byte[] Signature = [137, 80, 78, 71, 13, 10, 26, 10];

    public static uint Crc(IEnumerable<byte> bytes)
    {
        uint c = 0xFFFFFFFF;
        foreach (byte b in bytes)
        {
            c ^= b;
            for (int k = 0; k < 8; k++)
                c = (c & 1) != 0 ? (c >> 1) ^ 0xEDB88320 : c >> 1;
        }
        return ~c;
    }

    public static byte[] Chunk(string type, byte[] data)
    {
        var o = new List<byte>();
        o.AddRange(BigEndian32((uint)data.Length));
        byte[] t = Encoding.ASCII.GetBytes(type);
        o.AddRange(t);
        o.AddRange(data);
        o.AddRange(BigEndian32(Crc(t.Concat(data))));
        return [.. o];
    }

    public static byte[] BigEndian32(uint v) => [(byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v];

    public static byte[] Ihdr(int width, int height, int bitDepth, int colorType, int interlace = 0) =>
        Chunk("IHDR", [.. BigEndian32((uint)width), .. BigEndian32((uint)height), (byte)bitDepth, (byte)colorType, 0, 0, (byte)interlace]);

    public static byte[] File(params byte[][] chunks)
    {
        var o = new List<byte>(Signature);
        foreach (byte[] c in chunks) o.AddRange(c);
        return [.. o];
    }

    public static byte[] End() => Chunk("IEND", []);

    /// <summary>zlib stream made of uncompressed deflate blocks.</summary>
    public static byte[] ZlibStored(byte[] raw)
    {
        var o = new List<byte> { 0x78, 0x01 };
        int pos = 0;
        do
        {
            int n = Math.Min(65535, raw.Length - pos);
            bool last = pos + n == raw.Length;
            o.Add((byte)(last ? 1 : 0));
            o.Add((byte)n); o.Add((byte)(n >> 8));
            o.Add((byte)~n); o.Add((byte)(~n >> 8));
            for (int i = 0; i < n; i++) o.Add(raw[pos + i]);
            pos += n;
        } while (pos < raw.Length);
        uint a = 1, b = 0;
        foreach (byte x in raw)
        {
            a = (a + x) % 65521;
            b = (b + a) % 65521;
        }
        o.AddRange(BigEndian32(b << 16 | a));
        return [.. o];
    }

    /// <summary>Packs one row of samples (already at the file bit depth) into bytes: MSB first below 8 bits, big-endian at 16.</summary>
    public static byte[] PackRow(IReadOnlyList<int> samples, int bitDepth)
    {
        if (bitDepth == 16)
        {
            var r = new byte[samples.Count * 2];
            for (int i = 0; i < samples.Count; i++)
            {
                r[2 * i] = (byte)(samples[i] >> 8);
                r[2 * i + 1] = (byte)samples[i];
            }
            return r;
        }
        var bytes = new byte[(samples.Count * bitDepth + 7) / 8];
        for (int i = 0; i < samples.Count; i++)
        {
            int bit = i * bitDepth;
            bytes[bit / 8] |= (byte)(samples[i] << (8 - bitDepth - bit % 8));
        }
        return bytes;
    }

    public static byte[] Filter(int type, byte[] row, byte[] prior, int bpp)
    {
        var o = new byte[row.Length];
        for (int i = 0; i < row.Length; i++)
        {
            int a = i >= bpp ? row[i - bpp] : 0, b = prior[i], c = i >= bpp ? prior[i - bpp] : 0;
            int predictor = type switch
            {
                0 => 0,
                1 => a,
                2 => b,
                3 => (a + b) / 2,
                _ => PaethPredictor(a, b, c),
            };
            o[i] = (byte)(row[i] - predictor);
        }
        return o;
    }

    private static int PaethPredictor(int a, int b, int c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        if (pa <= pb && pa <= pc) return a;
        if (pb <= pc) return b;
        return c;
    }

    /// <summary>
    /// Scanlines (filter byte + filtered row) for an image given as samples[y][x * spp + c]; interlace 1 = Adam7.
    /// Row k (counted over all passes) uses filter type k % 5 so that every filter is exercised.
    /// </summary>
    public static byte[] Scanlines(int[][] samples, int width, int spp, int bitDepth, bool adam7)
    {
        int bpp = Math.Max(1, spp * bitDepth / 8);
        var o = new List<byte>();
        int rowCounter = 0;
        (int x0, int y0, int dx, int dy)[] passes = adam7
            ? [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
            : [(0, 0, 1, 1)];
        foreach (var (x0, y0, dx, dy) in passes)
        {
            byte[]? prior = null;
            for (int y = y0; y < samples.Length; y += dy)
            {
                var rowSamples = new List<int>();
                for (int x = x0; x < width; x += dx)
                    for (int c = 0; c < spp; c++)
                        rowSamples.Add(samples[y][x * spp + c]);
                if (rowSamples.Count == 0) break; // empty pass: no scanlines at all
                byte[] row = PackRow(rowSamples, bitDepth);
                prior ??= new byte[row.Length];
                int f = rowCounter++ % 5;
                o.Add((byte)f);
                o.AddRange(Filter(f, row, prior, bpp));
                prior = row;
            }
        }
        return [.. o];
    }

    public static int[][] RandomSamples(int width, int height, int spp, int bitDepth, int seed, int? maxValue = null)
    {
        var rng = new Random(seed);
        int max = maxValue ?? (1 << bitDepth) - 1;
        var s = new int[height][];
        for (int y = 0; y < height; y++)
        {
            s[y] = new int[width * spp];
            for (int i = 0; i < s[y].Length; i++) s[y][i] = rng.Next(max + 1);
        }
        return s;
    }

    /// <summary>A complete PNG with the given image, optional extra chunks (before IDAT) and the IDAT split in pieces.</summary>
    public static byte[] Build(int[][] samples, int width, int bitDepth, int colorType, bool adam7,
        byte[][]? before = null, int idatPieces = 1)
    {
        int spp = colorType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, _ => 4 };
        byte[] z = ZlibStored(Scanlines(samples, width, spp, bitDepth, adam7));
        var chunks = new List<byte[]> { Ihdr(width, samples.Length, bitDepth, colorType, adam7 ? 1 : 0) };
        if (before != null) chunks.AddRange(before);
        int piece = (z.Length + idatPieces - 1) / idatPieces;
        for (int at = 0; at < z.Length; at += piece)
            chunks.Add(Chunk("IDAT", z[at..Math.Min(z.Length, at + piece)]));
        chunks.Add(End());
        return File([.. chunks]);
    }

    /// <summary>Recomputes every chunk CRC (used to fuzz chunk contents past the CRC check).</summary>
    public static void FixCrcs(byte[] png)
    {
        int pos = 8;
        while (pos + 12 <= png.Length)
        {
            long len = (uint)(png[pos] << 24 | png[pos + 1] << 16 | png[pos + 2] << 8 | png[pos + 3]);
            if (pos + 12 + len > png.Length) return;
            uint crc = Crc(png.Skip(pos + 4).Take((int)len + 4));
            BigEndian32(crc).CopyTo(png, pos + 8 + (int)len);
            pos += 12 + (int)len;
        }
    }
}

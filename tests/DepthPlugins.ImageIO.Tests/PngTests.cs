using StbImageSharp;

namespace DepthPlugins.ImageIO.Tests;

public sealed class PngRoundTripTests : TempDirFixture
{
    private static readonly (int W, int H)[] Sizes = [(1, 1), (7, 5), (257, 129)];

    [Test]
    public void EveryWrittenVariantRoundTripsBitExactly(
        [Values(8, 16)] int bitDepth, [Values(1, 2, 3, 4)] int channels, [Values(0, 1, 2)] int sizeIndex)
    {
        (int w, int h) = Sizes[sizeIndex];
        Raster original = Rasters.RandomInteger(w, h, channels, bitDepth, seed: w * 31 + channels * 7 + bitDepth);
        string path = PathOf($"rt-{bitDepth}-{channels}-{w}x{h}.png");

        ImageFile.Write(path, original, bitDepth);
        Raster back = ImageFile.Read(path);

        Assert.That(back.BitDepth, Is.EqualTo(bitDepth));
        Rasters.AssertBitExact(original, back);
    }

    [Test]
    public void DefaultBitDepthIs8For8BitRastersAnd16Otherwise()
    {
        string p8 = PathOf("default8.png"), p16 = PathOf("default16.png"), p32 = PathOf("default32.png");
        ImageFile.Write(p8, Rasters.RandomInteger(3, 2, 1, 8, 1));
        ImageFile.Write(p16, Rasters.RandomInteger(3, 2, 1, 16, 2));
        ImageFile.Write(p32, new Raster(1, 1, 1, 32, [0.25f]));
        Assert.That(ImageFile.Read(p8).BitDepth, Is.EqualTo(8));
        Assert.That(ImageFile.Read(p16).BitDepth, Is.EqualTo(16));
        Assert.That(ImageFile.Read(p32).BitDepth, Is.EqualTo(16));
        Assert.That(File.ReadAllBytes(p8)[24], Is.EqualTo(8), "IHDR bit depth byte");
        Assert.That(File.ReadAllBytes(p16)[24], Is.EqualTo(16), "IHDR bit depth byte");
    }

    [Test]
    public void IntegerWritesClampRoundAndMapNaNToZero([Values(8, 16)] int bitDepth)
    {
        float max = bitDepth == 8 ? 255f : 65535f;
        float[] input = [-3f, float.NegativeInfinity, float.NaN, 0f, 1f, 7f, float.PositiveInfinity,
                         10.49f / max, 10.51f / max, 0.5f];
        string path = PathOf($"clamp{bitDepth}.png");
        ImageFile.Write(path, new Raster(input.Length, 1, 1, 32, input), bitDepth);
        float[] back = ImageFile.Read(path).Samples;
        float half = MathF.Round(0.5f * max, MidpointRounding.AwayFromZero) / max;
        float[] expected = [0f, 0f, 0f, 0f, 1f, 1f, 1f, 10f / max, 11f / max, half];
        Assert.That(back, Is.EqualTo(expected));
    }

    [Test]
    public void EightBitOutputDecodesIdenticallyWithStbImage([Values(1, 2, 3, 4)] int channels)
    {
        Raster original = Rasters.RandomInteger(61, 37, channels, 8, seed: 99 + channels);
        string path = PathOf($"stb{channels}.png");
        ImageFile.Write(path, original);

        ImageResult stb = ImageResult.FromMemory(File.ReadAllBytes(path), ColorComponents.Default);
        Assert.That((int)stb.Comp, Is.EqualTo(channels));
        for (int i = 0; i < original.Samples.Length; i++)
            Assert.That(stb.Data[i], Is.EqualTo((byte)Math.Round(original.Samples[i] * 255f)), $"sample {i}");
    }

    [Test]
    public void SixteenBitOutputMatchesImageMagickWhenAvailable()
    {
        string? convert = File.Exists("/usr/bin/convert") ? "/usr/bin/convert" : null; // real ImageMagick only
        Assume.That(convert, Is.Not.Null, "ImageMagick convert is not installed");
        Raster original = Rasters.RandomInteger(13, 9, 3, 16, seed: 5);
        string png = PathOf("im16.png"), pgm = PathOf("im16.ppm");
        ImageFile.Write(png, original);

        var psi = new System.Diagnostics.ProcessStartInfo(convert!, [png, "-depth", "16", pgm])
        { RedirectStandardError = true, RedirectStandardOutput = true };
        using var proc = System.Diagnostics.Process.Start(psi)!;
        proc.WaitForExit(60_000);
        Assume.That(proc.ExitCode, Is.EqualTo(0), proc.StandardError.ReadToEnd());

        // Binary PPM: "P6\n13 9\n65535\n" then big-endian 16-bit samples.
        byte[] ppm = File.ReadAllBytes(pgm);
        int dataStart = ppm.Length - original.Samples.Length * 2;
        for (int i = 0; i < original.Samples.Length; i++)
        {
            int v = ppm[dataStart + 2 * i] << 8 | ppm[dataStart + 2 * i + 1];
            Assert.That(v, Is.EqualTo((int)Math.Round(original.Samples[i] * 65535f)), $"sample {i}");
        }
    }

    [Test]
    public void WriterUsesMoreThanOneFilterTypeOnNaturalImages()
    {
        string path = PathOf("filters.png");
        ImageFile.Write(path, Rasters.Gradient(64, 64, 3));
        byte[] raw = InflateIdat(File.ReadAllBytes(path));
        var used = new HashSet<int>();
        int stride = 64 * 3 + 1;
        for (int y = 0; y < 64; y++) used.Add(raw[y * stride]);
        Assert.That(used, Has.Count.GreaterThan(1), "adaptive filtering should pick different filters");
        Assert.That(used.All(f => f is >= 0 and <= 4));
    }

    private static byte[] InflateIdat(byte[] png)
    {
        var idat = new MemoryStream();
        int pos = 8;
        while (pos < png.Length)
        {
            int len = png[pos] << 24 | png[pos + 1] << 16 | png[pos + 2] << 8 | png[pos + 3];
            if (System.Text.Encoding.ASCII.GetString(png, pos + 4, 4) == "IDAT") idat.Write(png, pos + 8, len);
            pos += 12 + len;
        }
        idat.Position = 0;
        using var z = new System.IO.Compression.ZLibStream(idat, System.IO.Compression.CompressionMode.Decompress);
        var o = new MemoryStream();
        z.CopyTo(o);
        return o.ToArray();
    }
}

/// <summary>Decoding of PNGs built by the independent test encoder.</summary>
public sealed class PngDecodeTests : TempDirFixture
{
    private Raster Decode(byte[] png, string name) => ImageFile.Read(WriteBytes(name, png));

    private static void AssertSamples(Raster r, int[][] samples, int width, int channels, int max)
    {
        Assert.That(r.Width, Is.EqualTo(width));
        Assert.That(r.Height, Is.EqualTo(samples.Length));
        Assert.That(r.Channels, Is.EqualTo(channels));
        for (int y = 0; y < samples.Length; y++)
            for (int i = 0; i < width * channels; i++)
            {
                float expected = samples[y][i] / (float)max;
                float actual = r.Samples[y * width * channels + i];
                if (Math.Abs(expected - actual) > 1e-6f)
                    Assert.Fail($"row {y} sample {i}: expected {expected}, got {actual}");
            }
    }

    [Test]
    public void GreyAtEveryBitDepthWithAllFilters(
        [Values(1, 2, 4, 8, 16)] int bitDepth, [Values(false, true)] bool adam7, [Values(1, 5, 13)] int width)
    {
        int height = width == 1 ? 1 : 11;
        int[][] s = TestPng.RandomSamples(width, height, 1, bitDepth, seed: bitDepth * 100 + width);
        Raster r = Decode(TestPng.Build(s, width, bitDepth, 0, adam7), $"grey{bitDepth}-{adam7}-{width}.png");
        Assert.That(r.BitDepth, Is.EqualTo(bitDepth == 16 ? 16 : 8));
        AssertSamples(r, s, width, 1, (1 << bitDepth) - 1);
    }

    [Test]
    public void SubByteGreyMapsExactlyOntoEightBitValues()
    {
        // 2-bit values 0..3 must read as 0, 85/255, 170/255, 1 (exactly what an 8-bit file with those values gives).
        int[][] s = [[0, 1, 2, 3]];
        Raster r = Decode(TestPng.Build(s, 4, 2, 0, false), "grey2exact.png");
        Assert.That(r.Samples, Is.EqualTo(new[] { 0f, 85 / 255f, 170 / 255f, 1f }));
    }

    [Test]
    public void ColourTypesWithAndWithoutAlpha(
        [Values(2, 4, 6)] int colorType, [Values(8, 16)] int bitDepth, [Values(false, true)] bool adam7)
    {
        int spp = colorType switch { 2 => 3, 4 => 2, _ => 4 };
        int[][] s = TestPng.RandomSamples(9, 10, spp, bitDepth, seed: colorType * 10 + bitDepth);
        Raster r = Decode(TestPng.Build(s, 9, bitDepth, colorType, adam7), $"ct{colorType}-{bitDepth}-{adam7}.png");
        AssertSamples(r, s, 9, spp, (1 << bitDepth) - 1);
    }

    [Test]
    public void PaletteAtEveryBitDepth([Values(1, 2, 4, 8)] int bitDepth, [Values(false, true)] bool adam7)
    {
        int entries = Math.Min(1 << bitDepth, 200);
        var rng = new Random(bitDepth);
        byte[] plte = new byte[entries * 3];
        rng.NextBytes(plte);
        int[][] idx = TestPng.RandomSamples(11, 6, 1, bitDepth, seed: 7 * bitDepth, maxValue: entries - 1);
        Raster r = Decode(TestPng.Build(idx, 11, bitDepth, 3, adam7, [TestPng.Chunk("PLTE", plte)]), $"pal{bitDepth}-{adam7}.png");

        Assert.That(r.Channels, Is.EqualTo(3));
        Assert.That(r.BitDepth, Is.EqualTo(8));
        for (int y = 0; y < 6; y++)
            for (int x = 0; x < 11; x++)
                for (int c = 0; c < 3; c++)
                    Assert.That(r.Samples[(y * 11 + x) * 3 + c], Is.EqualTo(plte[idx[y][x] * 3 + c] / 255f));
    }

    [Test]
    public void PaletteTransparencyAddsAlpha()
    {
        byte[] plte = [255, 0, 0, 0, 255, 0, 0, 0, 255];
        byte[] trns = [0, 128]; // entry 2 has no tRNS value: opaque
        int[][] idx = [[0, 1, 2]];
        Raster r = Decode(TestPng.Build(idx, 3, 8, 3, false, [TestPng.Chunk("PLTE", plte), TestPng.Chunk("tRNS", trns)]), "paltrns.png");
        Assert.That(r.Channels, Is.EqualTo(4));
        Assert.That(r.Samples, Is.EqualTo(new[] { 1f, 0f, 0f, 0f, 0f, 1f, 0f, 128 / 255f, 0f, 0f, 1f, 1f }));
    }

    [Test]
    public void GreyTransparencyKeyAddsAlpha([Values(4, 8, 16)] int bitDepth)
    {
        int key = bitDepth == 4 ? 9 : bitDepth == 8 ? 200 : 40000;
        int other = bitDepth == 4 ? 3 : bitDepth == 8 ? 17 : 123;
        int[][] s = [[key, other, key]];
        Raster r = Decode(TestPng.Build(s, 3, bitDepth, 0, false, [TestPng.Chunk("tRNS", [(byte)(key >> 8), (byte)key])]),
            $"greytrns{bitDepth}.png");
        Assert.That(r.Channels, Is.EqualTo(2));
        float max = (1 << bitDepth) - 1;
        Assert.That(r.Samples[1], Is.EqualTo(0f));
        Assert.That(r.Samples[3], Is.EqualTo(1f));
        Assert.That(r.Samples[5], Is.EqualTo(0f));
        Assert.That(r.Samples[2], Is.EqualTo(other / max).Within(1e-6f));
    }

    [Test]
    public void RgbTransparencyKeyAddsAlpha([Values(8, 16)] int bitDepth)
    {
        int[][] s = [[1, 2, 3, 1, 2, 4]];
        byte[] trns = [0, 1, 0, 2, 0, 3];
        Raster r = Decode(TestPng.Build(s, 2, bitDepth, 2, false, [TestPng.Chunk("tRNS", trns)]), $"rgbtrns{bitDepth}.png");
        Assert.That(r.Channels, Is.EqualTo(4));
        Assert.That(r.BitDepth, Is.EqualTo(bitDepth));
        Assert.That(r.Samples[3], Is.EqualTo(0f));
        Assert.That(r.Samples[7], Is.EqualTo(1f));
    }

    [Test]
    public void Adam7OddSizes([Values(1, 2, 3, 5, 8, 9, 17)] int size)
    {
        int[][] s = TestPng.RandomSamples(size, size + 2, 3, 16, seed: size);
        Raster r = Decode(TestPng.Build(s, size, 16, 2, adam7: true), $"adam7-{size}.png");
        AssertSamples(r, s, size, 3, 65535);
    }

    [Test]
    public void SplitIdatAncillaryChunksAndEmptyIdatAreHandled()
    {
        int[][] s = TestPng.RandomSamples(20, 20, 4, 8, seed: 3);
        byte[][] extras = [TestPng.Chunk("tEXt", "Comment\0hello"u8.ToArray()), TestPng.Chunk("gAMA", [0, 0, 177, 143])];
        byte[] png = TestPng.Build(s, 20, 8, 6, false, extras, idatPieces: 7);
        // insert an empty IDAT right after the first one
        int firstIdat = IndexOf(png, "IDAT"u8.ToArray()) - 4;
        int len = png[firstIdat] << 24 | png[firstIdat + 1] << 16 | png[firstIdat + 2] << 8 | png[firstIdat + 3];
        int after = firstIdat + 12 + len;
        png = [.. png[..after], .. TestPng.Chunk("IDAT", []), .. png[after..]];
        AssertSamples(Decode(png, "split.png"), s, 20, 4, 255);
    }

    [Test]
    public void UnknownCriticalChunkIsRejected()
    {
        int[][] s = [[1]];
        byte[] png = TestPng.Build(s, 1, 8, 0, false, [TestPng.Chunk("ABCD", [1, 2])]);
        string path = WriteBytes("critical.png", png);
        var e = Assert.Throws<ImageFileException>(() => ImageFile.Read(path))!;
        Assert.That(e.Message, Does.StartWith(path + ":").And.Contain("ABCD"));
    }

    [Test]
    public void PaletteIndexOutOfRangeIsRejected()
    {
        int[][] idx = [[0, 5]];
        byte[] png = TestPng.Build(idx, 2, 8, 3, false, [TestPng.Chunk("PLTE", [1, 2, 3])]);
        string path = WriteBytes("palrange.png", png);
        var e = Assert.Throws<ImageFileException>(() => ImageFile.Read(path))!;
        Assert.That(e.Message, Does.Contain("palette index 5"));
    }

    [Test]
    public void InvalidFilterTypeIsRejected()
    {
        byte[] raw = [7, 0, 0];
        byte[] png = TestPng.File(TestPng.Ihdr(2, 1, 8, 0), TestPng.Chunk("IDAT", TestPng.ZlibStored(raw)), TestPng.End());
        string path = WriteBytes("badfilter.png", png);
        var e = Assert.Throws<ImageFileException>(() => ImageFile.Read(path))!;
        Assert.That(e.Message, Does.StartWith(path + ": corrupt PNG").And.Contain("filter type 7"));
    }

    [Test]
    public void InvalidHeaderCombinationsAreRejected()
    {
        (int depth, int type)[] bad = [(16, 3), (4, 2), (3, 0), (8, 5)];
        foreach ((int depth, int type) in bad)
        {
            byte[] png = TestPng.File(TestPng.Ihdr(1, 1, depth, type), TestPng.Chunk("IDAT", TestPng.ZlibStored([0, 0, 0, 0, 0, 0, 0])), TestPng.End());
            string path = WriteBytes($"badhdr{depth}-{type}.png", png);
            Assert.Throws<ImageFileException>(() => ImageFile.Read(path), $"depth {depth} type {type}");
        }
    }

    [Test]
    public void ZeroAndAbsurdSizesAreRejectedWithoutAllocating()
    {
        (uint w, uint h, string expect)[] cases =
        [
            (0, 10, "empty"), (10, 0, "empty"), ((1u << 20) + 1, 1, "exceeds"), (1u << 31, 1, "exceeds"),
            (1u << 20, 1u << 20, "2^31"),
        ];
        foreach ((uint w, uint h, string expect) in cases)
        {
            byte[] ihdr = TestPng.Chunk("IHDR", [.. TestPng.BigEndian32(w), .. TestPng.BigEndian32(h), 8, 6, 0, 0, 0]);
            byte[] png = TestPng.File(ihdr, TestPng.Chunk("IDAT", TestPng.ZlibStored([0])), TestPng.End());
            string path = WriteBytes($"size{w}x{h}.png", png);
            var e = Assert.Throws<ImageFileException>(() => ImageFile.Read(path))!;
            Assert.That(e.Message, Does.Contain(expect), $"{w}x{h}");
        }
    }

    [Test]
    public void TooLittleIdatDataForTheDeclaredSizeIsTruncation()
    {
        byte[] png = TestPng.File(TestPng.Ihdr(3000, 3000, 16, 6), TestPng.Chunk("IDAT", TestPng.ZlibStored([0, 1, 2])), TestPng.End());
        string path = WriteBytes("shortidat.png", png);
        var e = Assert.Throws<ImageFileException>(() => ImageFile.Read(path))!;
        Assert.That(e.Message, Is.EqualTo($"{path}: truncated PNG (IDAT data ends early)"));
    }

    private static int IndexOf(byte[] hay, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= hay.Length; i++)
            if (hay.AsSpan(i, needle.Length).SequenceEqual(needle)) return i;
        return -1;
    }
}

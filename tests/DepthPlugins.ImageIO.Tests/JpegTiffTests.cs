using BitMiracle.LibTiff.Classic;

namespace DepthPlugins.ImageIO.Tests;

public sealed class JpegTests : TempDirFixture
{
    /// <summary>
    /// StbImageWriteSharp always writes three-component (YCbCr) JPEGs, so grey input reads back as RGB with equal
    /// channels, and alpha is dropped.
    /// </summary>
    [Test]
    public void RoundTripStaysWithinTolerance([Values(1, 2, 3, 4)] int channels, [Values(".jpg", ".jpeg")] string ext)
    {
        Raster original = Rasters.Gradient(97, 61, channels);
        string path = PathOf("g" + channels + ext);
        ImageFile.Write(path, original);
        Raster back = ImageFile.Read(path);

        Assert.That((back.Width, back.Height, back.Channels, back.BitDepth), Is.EqualTo((97, 61, 3, 8)));
        int colourChannels = channels >= 3 ? 3 : 1;
        double maxDiff = 0, sumDiff = 0;
        int count = 0;
        for (int p = 0; p < 97 * 61; p++)
            for (int c = 0; c < 3; c++)
            {
                float expected = original.Samples[p * channels + Math.Min(c, colourChannels - 1)];
                double d = Math.Abs(expected - back.Samples[p * 3 + c]);
                maxDiff = Math.Max(maxDiff, d);
                sumDiff += d;
                count++;
            }
        Assert.That(maxDiff, Is.LessThan(0.06), "max abs difference at quality 95");
        Assert.That(sumDiff / count, Is.LessThan(0.01), "mean abs difference at quality 95");
    }

    [Test]
    public void GreyJpegFromAnotherEncoderReadsAsOneChannel()
    {
        // Minimal 8x8 baseline greyscale JPEG (one component, all-zero coefficients: uniform mid grey).
        byte[] jpeg = Convert.FromHexString(
            "FFD8FFDB004300" + string.Concat(Enumerable.Repeat("01", 64)) +
            "FFC0000B080008000801011100" +
            "FFC4001F0000010501010101010100000000000000000102030405060708090A0B" +
            "FFC400B5100002010303020403050504040000017D01020300041105122131410613516107227114328191A1082342B1C11552D1F02433627282090A161718191A25262728292A3435363738393A434445464748494A535455565758595A636465666768696A737475767778797A838485868788898A92939495969798999AA2A3A4A5A6A7A8A9AAB2B3B4B5B6B7B8B9BAC2C3C4C5C6C7C8C9CAD2D3D4D5D6D7D8D9DAE1E2E3E4E5E6E7E8E9EAF1F2F3F4F5F6F7F8F9FA" +
            "FFDA0008010100003F00" + "2B" + "FFD9");
        string path = WriteBytes("grey.jpg", jpeg);
        Raster r = ImageFile.Read(path);
        Assert.That((r.Width, r.Height, r.Channels, r.BitDepth), Is.EqualTo((8, 8, 1, 8)));
        Assert.That(r.Samples.Distinct().Count(), Is.EqualTo(1));
    }

    [Test]
    public void JpegOnlyAcceptsBitDepth8()
    {
        var e = Assert.Throws<ImageFileException>(() => ImageFile.Write(PathOf("x.jpg"), Rasters.Gradient(2, 2, 3), 16))!;
        Assert.That(e.Message, Does.Contain("x.jpg"));
    }

    [Test]
    public void MissingEndOfImageMarkerIsTruncation()
    {
        string path = PathOf("cut.jpg");
        ImageFile.Write(path, Rasters.Gradient(32, 32, 3));
        byte[] bytes = File.ReadAllBytes(path);
        string cut = WriteBytes("cut2.jpg", bytes[..^2]);
        var e = Assert.Throws<ImageFileException>(() => ImageFile.Read(cut))!;
        Assert.That(e.Message, Does.StartWith(cut + ": truncated JPEG"));
    }
}

public sealed class TiffTests : TempDirFixture
{
    [Test]
    public void FloatRoundTripIsExact([Values(1, 2, 3, 4)] int channels)
    {
        var rng = new Random(channels);
        float[] s = new float[31 * 17 * channels];
        for (int i = 0; i < s.Length; i++) s[i] = (float)((rng.NextDouble() - 0.3) * Math.Pow(10, rng.Next(-8, 8)));
        s[0] = float.NaN;
        s[1] = float.NegativeInfinity;
        s[2] = float.Epsilon;
        var raster = new Raster(31, 17, channels, 32, s);
        string path = PathOf($"f{channels}.tif");

        ImageFile.Write(path, raster);
        Raster back = ImageFile.Read(path);

        Assert.That(back.BitDepth, Is.EqualTo(32));
        Rasters.AssertBitExact(raster, back);
    }

    [Test]
    public void IntegerRoundTripIsExact([Values(8, 16)] int bitDepth, [Values(1, 2, 3, 4)] int channels)
    {
        Raster raster = Rasters.RandomInteger(257, 129, channels, bitDepth, seed: bitDepth + channels);
        string path = PathOf($"i{bitDepth}-{channels}.tiff");
        ImageFile.Write(path, raster);
        Raster back = ImageFile.Read(path);
        Assert.That(back.BitDepth, Is.EqualTo(bitDepth));
        Rasters.AssertBitExact(raster, back);
    }

    [Test]
    public void DefaultDepthFollowsTheRaster()
    {
        string path = PathOf("default.tif");
        ImageFile.Write(path, Rasters.RandomInteger(3, 3, 1, 16, 4));
        Assert.That(ImageFile.Read(path).BitDepth, Is.EqualTo(16));
    }

    /// <summary>Writes a TIFF directly with LibTiff so reading can be checked on layouts our writer never produces.</summary>
    private string WriteWithLibTiff(string name, string mode, int width, int height, int spp, int bits, SampleFormat format,
        Action<Tiff>? extra, Func<int, int, int, double> value, bool tiled = false, PlanarConfig planar = PlanarConfig.CONTIG)
    {
        string path = PathOf(name);
        using (Tiff tif = Tiff.Open(path, mode))
        {
            tif.SetField(TiffTag.IMAGEWIDTH, width);
            tif.SetField(TiffTag.IMAGELENGTH, height);
            tif.SetField(TiffTag.SAMPLESPERPIXEL, spp);
            tif.SetField(TiffTag.BITSPERSAMPLE, bits);
            tif.SetField(TiffTag.SAMPLEFORMAT, format);
            tif.SetField(TiffTag.PHOTOMETRIC, spp >= 3 ? Photometric.RGB : Photometric.MINISBLACK);
            tif.SetField(TiffTag.PLANARCONFIG, planar);
            extra?.Invoke(tif);
            int bps = bits / 8;
            if (tiled)
            {
                const int tile = 16;
                tif.SetField(TiffTag.TILEWIDTH, tile);
                tif.SetField(TiffTag.TILELENGTH, tile);
                var buf = new byte[tile * tile * spp * bps];
                for (int ty = 0; ty < height; ty += tile)
                    for (int tx = 0; tx < width; tx += tile)
                    {
                        Array.Clear(buf);
                        for (int y = 0; y < tile && ty + y < height; y++)
                            for (int x = 0; x < tile && tx + x < width; x++)
                                for (int c = 0; c < spp; c++)
                                    Put(buf, ((y * tile + x) * spp + c) * bps, bits, value(tx + x, ty + y, c));
                        tif.WriteTile(buf, tx, ty, 0, 0);
                    }
            }
            else
            {
                tif.SetField(TiffTag.ROWSPERSTRIP, 3);
                var row = new byte[width * spp * bps];
                for (int y = 0; y < height; y++)
                {
                    for (int x = 0; x < width; x++)
                        for (int c = 0; c < spp; c++)
                            Put(row, (x * spp + c) * bps, bits, value(x, y, c));
                    tif.WriteScanline(row, y);
                }
            }
        }
        return path;
    }

    private static void Put(byte[] buf, int at, int bits, double v)
    {
        switch (bits)
        {
            case 8: buf[at] = (byte)v; break;
            case 16: BitConverter.TryWriteBytes(buf.AsSpan(at), (ushort)v); break;
            default: BitConverter.TryWriteBytes(buf.AsSpan(at), (float)v); break;
        }
    }

    [Test]
    public void BigEndianFilesAreRead([Values(16, 32)] int bits)
    {
        SampleFormat fmt = bits == 32 ? SampleFormat.IEEEFP : SampleFormat.UINT;
        string path = WriteWithLibTiff($"be{bits}.tif", "wb", 5, 7, 3, bits, fmt, null, (x, y, c) => x * 1000 + y * 10 + c);
        Assert.That(File.ReadAllBytes(path)[0], Is.EqualTo((byte)'M'), "file should be big-endian");
        Raster r = ImageFile.Read(path);
        float scale = bits == 32 ? 1f : 65535f;
        for (int y = 0; y < 7; y++)
            for (int x = 0; x < 5; x++)
                for (int c = 0; c < 3; c++)
                    Assert.That(r.Samples[(y * 5 + x) * 3 + c] * scale, Is.EqualTo(x * 1000 + y * 10 + c).Within(1e-3));
    }

    [Test]
    public void TiledFilesAreRead()
    {
        string path = WriteWithLibTiff("tiled.tif", "w", 37, 20, 1, 32, SampleFormat.IEEEFP,
            t => t.SetField(TiffTag.COMPRESSION, Compression.LZW), (x, y, _) => x - y * 0.5, tiled: true);
        Raster r = ImageFile.Read(path);
        for (int y = 0; y < 20; y++)
            for (int x = 0; x < 37; x++)
                Assert.That(r.Samples[y * 37 + x], Is.EqualTo((float)(x - y * 0.5)));
    }

    [Test]
    public void UnsupportedVariantsAreRejected()
    {
        string planar = WriteWithLibTiff("planar.tif", "w", 4, 4, 3, 8, SampleFormat.UINT, null, (_, _, _) => 1,
            planar: PlanarConfig.SEPARATE);
        string signed = WriteWithLibTiff("signed.tif", "w", 4, 4, 1, 16, SampleFormat.INT, null, (_, _, _) => 1);
        string float16 = WriteWithLibTiff("int32.tif", "w", 4, 4, 1, 32, SampleFormat.UINT, null, (_, _, _) => 1);
        foreach (string path in new[] { planar, signed, float16 })
        {
            var e = Assert.Throws<ImageFileException>(() => ImageFile.Read(path))!;
            Assert.That(e.Message, Does.StartWith(path + ": unsupported TIFF variant"));
        }
    }

    [Test]
    public void CorruptTiffIsReportedWithoutConsoleOutput()
    {
        string good = PathOf("c.tif");
        ImageFile.Write(good, Rasters.RandomInteger(20, 20, 3, 8, 1));
        byte[] bytes = File.ReadAllBytes(good);
        string cut = WriteBytes("c-cut.tif", bytes[..(bytes.Length / 2)]);

        TextWriter oldErr = Console.Error, oldOut = Console.Out;
        var captured = new StringWriter();
        try
        {
            Console.SetError(captured);
            Console.SetOut(captured);
            var e = Assert.Throws<ImageFileException>(() => ImageFile.Read(cut))!;
            Assert.That(e.Message, Does.StartWith(cut + ":"));
        }
        finally
        {
            Console.SetError(oldErr);
            Console.SetOut(oldOut);
        }
        Assert.That(captured.ToString(), Is.Empty, "LibTiff must not print to the console");
    }
}

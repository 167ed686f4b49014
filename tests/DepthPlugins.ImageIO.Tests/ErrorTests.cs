namespace DepthPlugins.ImageIO.Tests;

/// <summary>Every failure must be an <see cref="ImageFileException"/> whose single-line message starts with the file name.</summary>
public sealed class ErrorTests : TempDirFixture
{
    private static ImageFileException AssertFails(string path)
    {
        var e = Assert.Throws<ImageFileException>(() => ImageFile.Read(path))!;
        AssertGoodMessage(e, path);
        return e;
    }

    private static void AssertGoodMessage(ImageFileException e, string path)
    {
        Assert.That(e.Message, Does.StartWith(path + ": "));
        Assert.That(e.Message, Does.Not.Contain("\n"));
        Assert.That(e.Message.Length, Is.LessThan(path.Length + 200), e.Message);
    }

    /// <summary>Reads the file; success is fine, an ImageFileException must be well formed, anything else fails the test.</summary>
    private static bool ReadSucceedsOrFailsCleanly(string path)
    {
        try
        {
            ImageFile.Read(path);
            return true;
        }
        catch (ImageFileException e)
        {
            AssertGoodMessage(e, path);
            return false;
        }
    }

    [Test]
    public void MissingFile()
    {
        string path = PathOf("does-not-exist.png");
        Assert.That(AssertFails(path).Message, Is.EqualTo($"{path}: file not found"));
        AssertFails(PathOf("no-such-dir/x.png"));
    }

    [Test]
    public void DirectoryInsteadOfFile()
    {
        string dir = PathOf("a-directory.png");
        Directory.CreateDirectory(dir);
        Assert.That(AssertFails(dir).Message, Does.Contain("directory"));
    }

    [Test]
    public void EmptyFile()
    {
        string path = WriteBytes("empty.png", []);
        Assert.That(AssertFails(path).Message, Is.EqualTo($"{path}: empty file (0 bytes)"));
    }

    [Test]
    public void GarbageFile()
    {
        var bytes = new byte[1000];
        new Random(1).NextBytes(bytes);
        bytes[0] = (byte)'G';
        string path = WriteBytes("garbage.png", bytes);
        Assert.That(AssertFails(path).Message, Does.Contain("unrecognised image format"));
        AssertFails(WriteBytes("text.tif", "hello world\n"u8.ToArray()));
        AssertFails(WriteBytes("bmp.jpg", "BM\0\0\0\0\0\0"u8.ToArray()));
    }

    [Test]
    public void BadCrcIsReported()
    {
        string path = PathOf("crc.png");
        ImageFile.Write(path, Rasters.RandomInteger(8, 8, 3, 8, 1));
        byte[] bytes = File.ReadAllBytes(path);
        bytes[8 + 8 + 5] ^= 0x01; // inside the IHDR body (height)
        string bad = WriteBytes("crc-bad.png", bytes);
        Assert.That(AssertFails(bad).Message, Is.EqualTo($"{bad}: corrupt PNG (bad CRC in the IHDR chunk)"));
    }

    [Test]
    public void TruncatedPngNamesTheProblem()
    {
        string path = PathOf("trunc.png");
        ImageFile.Write(path, Rasters.RandomInteger(40, 40, 3, 16, 1));
        byte[] bytes = File.ReadAllBytes(path);
        string cut = WriteBytes("trunc-cut.png", bytes[..(bytes.Length / 2)]);
        Assert.That(AssertFails(cut).Message, Is.EqualTo($"{cut}: truncated PNG (IDAT data ends early)"));
    }

    [Test]
    public void FormatIsDetectedFromContentNotExtension()
    {
        Raster r = Rasters.RandomInteger(5, 4, 2, 16, 8);
        string png = PathOf("real.png");
        ImageFile.Write(png, r);
        string misnamed = PathOf("misnamed.jpg");
        File.Copy(png, misnamed);
        Rasters.AssertBitExact(r, ImageFile.Read(misnamed));
    }

    [Test]
    public void StreamsAreReadAndNamed()
    {
        Raster r = Rasters.RandomInteger(6, 3, 3, 8, 2);
        string png = PathOf("stream.png");
        ImageFile.Write(png, r);
        using (var ms = new MemoryStream(File.ReadAllBytes(png)))
            Rasters.AssertBitExact(r, ImageFile.Read(ms));
        using (var fs = File.OpenRead(png))
            Rasters.AssertBitExact(r, ImageFile.Read(fs));

        var e = Assert.Throws<ImageFileException>(() => ImageFile.Read(new MemoryStream([1, 2, 3])))!;
        Assert.That(e.Message, Does.StartWith("stream: "));
    }

    // ------------------------------------------------------------------------------------------------ fuzzing

    private static readonly string[] FuzzFormats = [".png", ".pfm", ".jpg", ".tif"];

    private string ValidFile(string ext, int channels, int bitDepth)
    {
        Raster r = bitDepth == 32
            ? new Raster(11, 7, channels, 32, Rasters.RandomInteger(11, 7, channels, 16, 3).Samples)
            : Rasters.RandomInteger(11, 7, channels, bitDepth, 3);
        string path = PathOf($"valid-{channels}-{bitDepth}{ext}");
        ImageFile.Write(path, r, ext == ".jpg" ? 8 : ext == ".pfm" ? 32 : bitDepth);
        return path;
    }

    [Test]
    public void EveryTruncationFailsCleanly([ValueSource(nameof(FuzzFormats))] string ext)
    {
        foreach ((int channels, int depth) in new[] { (1, 8), (3, 16), (4, ext == ".png" ? 16 : 32) })
        {
            byte[] bytes = File.ReadAllBytes(ValidFile(ext, channels, ext == ".jpg" ? 8 : depth));
            string path = PathOf("truncated" + ext);
            for (int n = 0; n < bytes.Length; n++)
            {
                File.WriteAllBytes(path, bytes[..n]);
                Assert.That(ReadSucceedsOrFailsCleanly(path), Is.False, $"{ext} cut to {n} of {bytes.Length} bytes was accepted");
            }
        }
    }

    [Test]
    public void RandomBitFlipsFailCleanly([ValueSource(nameof(FuzzFormats))] string ext)
    {
        var rng = new Random(Array.IndexOf(FuzzFormats, ext) + 1);
        byte[] original = File.ReadAllBytes(ValidFile(ext, 3, ext == ".jpg" ? 8 : 16));
        string path = PathOf("flipped" + ext);
        for (int trial = 0; trial < 600; trial++)
        {
            byte[] bytes = (byte[])original.Clone();
            int flips = 1 + rng.Next(4);
            for (int k = 0; k < flips; k++)
                bytes[rng.Next(bytes.Length)] ^= (byte)(1 << rng.Next(8));
            File.WriteAllBytes(path, bytes);
            ReadSucceedsOrFailsCleanly(path);
        }
    }

    [Test]
    public void PngContentFuzzingPastTheCrcCheckFailsCleanly(
        [Values(0, 2, 3, 4, 6)] int colorType, [Values(false, true)] bool adam7)
    {
        int depth = colorType is 0 or 3 ? 4 : 16;
        int spp = colorType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, _ => 4 };
        int[][] samples = TestPng.RandomSamples(9, 6, spp, depth, seed: colorType, maxValue: colorType == 3 ? 3 : null);
        byte[][] extra = colorType switch
        {
            0 => [TestPng.Chunk("tRNS", [0, 3])],
            3 => [TestPng.Chunk("PLTE", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]), TestPng.Chunk("tRNS", [1, 2])],
            _ => [],
        };
        byte[] original = TestPng.Build(samples, 9, depth, colorType, adam7, extra, idatPieces: 2);
        // also fuzz a file from the library's writer, so the inflater sees Huffman-coded data and not just stored blocks
        string source = PathOf($"fuzz-src-{colorType}-{adam7}.png");
        File.WriteAllBytes(source, original);
        string reencoded = PathOf($"fuzz-re-{colorType}-{adam7}.png");
        ImageFile.Write(reencoded, ImageFile.Read(source));
        byte[] compressed = File.ReadAllBytes(reencoded);

        var rng = new Random(colorType * 2 + (adam7 ? 1 : 0));
        string path = PathOf($"fuzz-{colorType}-{adam7}.png");
        int accepted = 0;
        foreach (byte[] input in new[] { original, compressed })
        {
            for (int trial = 0; trial < 400; trial++)
            {
                byte[] bytes = (byte[])input.Clone();
                int flips = 1 + rng.Next(3);
                for (int k = 0; k < flips; k++)
                {
                    int at = 8 + rng.Next(bytes.Length - 8);
                    if (rng.Next(3) == 0) bytes[at] = (byte)rng.Next(256);
                    else bytes[at] ^= (byte)(1 << rng.Next(8));
                }
                TestPng.FixCrcs(bytes);
                File.WriteAllBytes(path, bytes);
                if (ReadSucceedsOrFailsCleanly(path)) accepted++;
            }
        }
        TestContext.Out.WriteLine($"colour type {colorType}, Adam7 {adam7}: {accepted} of 800 mutated files still decoded");
    }
}


namespace DepthPlugins.ImageIO.Tests;

public sealed class WriteTests : TempDirFixture
{
    private string[] Listing(string dir) =>
        Directory.GetFileSystemEntries(dir).Select(Path.GetFileName).OfType<string>().Order().ToArray();

    [TestCase("a.png", true)]
    [TestCase("a.PNG", true)]
    [TestCase("dir.v1/a.pfm", true)]
    [TestCase("a.jpg", true)]
    [TestCase("a.JPEG", true)]
    [TestCase("a.tif", true)]
    [TestCase("a.tiff", true)]
    [TestCase("a.bmp", false)]
    [TestCase("a.png.bak", false)]
    [TestCase("png", false)]
    [TestCase("", false)]
    public void IsSupportedOutput(string path, bool expected) =>
        Assert.That(ImageFile.IsSupportedOutput(path), Is.EqualTo(expected));

    [Test]
    public void UnsupportedExtensionCreatesNothing()
    {
        string dir = PathOf("unsupported");
        Directory.CreateDirectory(dir);
        string target = Path.Combine(dir, "out.bmp");
        var e = Assert.Throws<ImageFileException>(() => ImageFile.Write(target, Rasters.Gradient(4, 4, 3)))!;
        Assert.That(e.Message, Does.StartWith(target + ": unsupported output format '.bmp'"));
        Assert.That(Listing(dir), Is.Empty);
    }

    [Test]
    public void FailureAfterEncodingLeavesNoTemporaryFile([Values(".png", ".pfm", ".jpg", ".tif")] string ext)
    {
        // The target is an existing directory: encoding into the temporary file succeeds, the final rename fails.
        string dir = PathOf("rename-fails" + ext);
        Directory.CreateDirectory(dir);
        string target = Path.Combine(dir, "image" + ext);
        Directory.CreateDirectory(target);

        var e = Assert.Throws<ImageFileException>(() => ImageFile.Write(target, Rasters.Gradient(40, 30, 3)))!;
        Assert.That(e.Message, Does.StartWith(target + ": cannot write"));
        Assert.That(Listing(dir), Is.EqualTo(new[] { "image" + ext }), "only the pre-existing directory may remain");
    }

    [Test]
    public void ReadOnlyDirectoryLeavesNothingBehind()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Ignore("Unix permissions only");
            return;
        }
        string dir = PathOf("readonly");
        Directory.CreateDirectory(dir);
        File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        try
        {
            bool canWrite;
            try
            {
                File.WriteAllBytes(Path.Combine(dir, "probe"), []);
                File.Delete(Path.Combine(dir, "probe"));
                canWrite = true;
            }
            catch (UnauthorizedAccessException)
            {
                canWrite = false;
            }
            Assume.That(canWrite, Is.False, "running as root: directory permissions are not enforced");

            string target = Path.Combine(dir, "x.png");
            var e = Assert.Throws<ImageFileException>(() => ImageFile.Write(target, Rasters.Gradient(4, 4, 1)))!;
            Assert.That(e.Message, Does.StartWith(target + ": cannot write"));
            Assert.That(Listing(dir), Is.Empty);
        }
        finally
        {
            File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    [Test]
    public void MissingDirectoryIsReported()
    {
        string target = PathOf("nope/x.png");
        var e = Assert.Throws<ImageFileException>(() => ImageFile.Write(target, Rasters.Gradient(4, 4, 1)))!;
        Assert.That(e.Message, Does.StartWith(target + ": cannot write").And.Contain("does not exist"));
    }

    [Test]
    public void OverwriteReplacesAndFailedOverwriteKeepsTheOldFile()
    {
        string dir = PathOf("overwrite");
        Directory.CreateDirectory(dir);
        string target = Path.Combine(dir, "x.png");
        Raster first = Rasters.RandomInteger(5, 5, 3, 8, 1), second = Rasters.RandomInteger(9, 2, 1, 16, 2);
        ImageFile.Write(target, first);
        ImageFile.Write(target, second);
        Rasters.AssertBitExact(second, ImageFile.Read(target));

        byte[] before = File.ReadAllBytes(target);
        Assert.Throws<ImageFileException>(() => ImageFile.Write(target, first, bitDepth: 12));
        Assert.Throws<ImageFileException>(() => ImageFile.Write(target, new Raster(2, 2, 3, 8, new float[5])));
        Assert.Throws<ImageFileException>(() => ImageFile.Write(target, new Raster(2, 2, 5, 8, new float[20])));
        Assert.Throws<ImageFileException>(() => ImageFile.Write(target, new Raster(0, 2, 1, 8, [])));
        Assert.Throws<ImageFileException>(() => ImageFile.Write(target, new Raster(1, 1, 1, 12, [0f])));
        Assert.That(File.ReadAllBytes(target), Is.EqualTo(before));
        Assert.That(Listing(dir), Is.EqualTo(new[] { "x.png" }));
    }

    [Test]
    public void InvalidBitDepthsNameTheFile()
    {
        Raster r = Rasters.Gradient(2, 2, 1);
        foreach ((string name, int depth) in new[] { ("a.png", 32), ("a.png", 1), ("a.tif", 12), ("a.jpg", 16), ("a.pfm", 8) })
        {
            string target = PathOf(name);
            var e = Assert.Throws<ImageFileException>(() => ImageFile.Write(target, r, depth))!;
            Assert.That(e.Message, Does.StartWith(target + ":").And.Contain(depth.ToString()));
        }
    }
}

/// <summary>A photo-sized 16-bit file survives a round trip bit-exactly (speed is measured in bench/, not here).</summary>
public sealed class LargeImageTests : TempDirFixture
{
    [Test]
    public void LargeSixteenBitPngRoundTripsExactly()
    {
        // 1376x1088 RGB, smooth content with noise (like a real photo or depth map).
        const int w = 1376, h = 1088, c = 3;
        var rng = new Random(1);
        var s = new float[w * h * c];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int k = 0; k < c; k++)
                    s[(y * w + x) * c + k] = MathF.Round(Math.Clamp((float)(0.5 + 0.3 * Math.Sin(x * 0.01 + k) * Math.Cos(y * 0.013) + rng.NextDouble() * 0.01), 0f, 1f) * 65535f) / 65535f;
        string path = PathOf("big.png");
        ImageFile.Write(path, new Raster(w, h, c, 16, s));
        Raster back = ImageFile.Read(path);
        Assert.That(back.BitDepth, Is.EqualTo(16));
        Assert.That(back.Samples, Is.EqualTo(s));
    }
}

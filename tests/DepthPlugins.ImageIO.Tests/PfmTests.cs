using System.Buffers.Binary;
using System.Text;

namespace DepthPlugins.ImageIO.Tests;

public sealed class PfmTests : TempDirFixture
{
    private static byte[] Build(string header, float[] valuesInFileOrder, bool littleEndian)
    {
        var bytes = new List<byte>(Encoding.ASCII.GetBytes(header));
        var four = new byte[4];
        foreach (float v in valuesInFileOrder)
        {
            if (littleEndian) BinaryPrimitives.WriteSingleLittleEndian(four, v);
            else BinaryPrimitives.WriteSingleBigEndian(four, v);
            bytes.AddRange(four);
        }
        return [.. bytes];
    }

    [Test]
    public void GreyRowsAreStoredBottomToTop([Values(true, false)] bool littleEndian)
    {
        // 2 wide, 3 high. File order: bottom row first.
        float[] fileOrder = [1f, 2f, /* middle */ 3f, 4f, /* top */ -5.5f, 1e30f];
        string header = littleEndian ? "Pf\n2 3\n-1.0\n" : "Pf\n2 3\n1.0\n";
        string path = WriteBytes($"grey-{(littleEndian ? "le" : "be")}.pfm", Build(header, fileOrder, littleEndian));

        Raster r = ImageFile.Read(path);

        Assert.That((r.Width, r.Height, r.Channels, r.BitDepth), Is.EqualTo((2, 3, 1, 32)));
        Assert.That(r.Samples, Is.EqualTo(new[] { -5.5f, 1e30f, 3f, 4f, 1f, 2f }));
    }

    [Test]
    public void ColourRowsAreStoredBottomToTop([Values(true, false)] bool littleEndian)
    {
        float[] fileOrder = [0.1f, 0.2f, 0.3f, /* top */ 7f, 8f, 9f];
        string header = littleEndian ? "PF\n1 2\n-2.5\n" : "PF\n1 2\n4\n";
        string path = WriteBytes($"rgb-{(littleEndian ? "le" : "be")}.pfm", Build(header, fileOrder, littleEndian));

        Raster r = ImageFile.Read(path);

        Assert.That((r.Width, r.Height, r.Channels), Is.EqualTo((1, 2, 3)));
        Assert.That(r.Samples, Is.EqualTo(new[] { 7f, 8f, 9f, 0.1f, 0.2f, 0.3f }), "values are kept as stored; scale is not applied");
    }

    [Test]
    public void HeaderWhitespaceVariantsAreAccepted()
    {
        string path = WriteBytes("ws.pfm", Build("Pf\r\n1  1\t-1\n", [42f], littleEndian: true));
        Assert.That(ImageFile.Read(path).Samples, Is.EqualTo(new[] { 42f }));
    }

    [Test]
    public void WriterProducesLittleEndianBottomUpBytes()
    {
        var raster = new Raster(2, 2, 1, 32, [1f, 2f, 3f, 4f]); // top row 1 2, bottom row 3 4
        string path = PathOf("w.pfm");
        ImageFile.Write(path, raster);

        byte[] expected = Build("Pf\n2 2\n-1.0\n", [3f, 4f, 1f, 2f], littleEndian: true);
        Assert.That(File.ReadAllBytes(path), Is.EqualTo(expected));
    }

    [Test]
    public void RoundTripKeepsFloatValuesExactly([Values(1, 3)] int channels)
    {
        var rng = new Random(channels);
        float[] s = new float[13 * 7 * channels];
        for (int i = 0; i < s.Length; i++) s[i] = (float)(rng.NextDouble() * 2000 - 1000);
        s[0] = float.NaN;
        s[1] = float.PositiveInfinity;
        s[2] = -0f;
        var raster = new Raster(13, 7, channels, 32, s);
        string path = PathOf($"rt{channels}.pfm");
        ImageFile.Write(path, raster);
        Rasters.AssertBitExact(raster, ImageFile.Read(path));
    }

    [Test]
    public void AlphaIsDropped([Values(2, 4)] int channels)
    {
        int outChannels = channels == 2 ? 1 : 3;
        var s = new float[3 * 2 * channels];
        for (int i = 0; i < s.Length; i++) s[i] = i;
        string path = PathOf($"alpha{channels}.pfm");
        ImageFile.Write(path, new Raster(3, 2, channels, 8, s));

        Assert.That(Encoding.ASCII.GetString(File.ReadAllBytes(path), 0, 2), Is.EqualTo(channels == 2 ? "Pf" : "PF"));
        Raster r = ImageFile.Read(path);
        Assert.That(r.Channels, Is.EqualTo(outChannels));
        for (int p = 0; p < 6; p++)
            for (int c = 0; c < outChannels; c++)
                Assert.That(r.Samples[p * outChannels + c], Is.EqualTo(s[p * channels + c]));
    }

    [TestCase("Pf\n2 2\n-1.0\n", "truncated PFM")]
    [TestCase("Pf\n2", "truncated PFM")]
    [TestCase("Pf\nx 2\n-1.0\n", "invalid width")]
    [TestCase("Pf\n2 -2\n-1.0\n", "invalid height")]
    [TestCase("Pf\n2 2\n0\n", "invalid scale")]
    [TestCase("Pf\n2 2\nabc\n", "invalid scale")]
    [TestCase("Pf\n0 2\n-1\n", "empty")]
    [TestCase("Pf\n2000000 1\n-1\n", "exceeds")]
    [TestCase("PF\n1048576 1048576\n-1\n", "2^31")]
    [TestCase("Pf\n99999999999999999999 1\n-1\n", "invalid width")]
    public void MalformedFilesAreRejected(string header, string expected)
    {
        string path = WriteBytes("bad" + Math.Abs(header.GetHashCode()) + ".pfm", [.. Encoding.ASCII.GetBytes(header), 0, 0, 0, 0]);
        var e = Assert.Throws<ImageFileException>(() => ImageFile.Read(path))!;
        Assert.That(e.Message, Does.StartWith(path + ":").And.Contain(expected));
    }

    [Test]
    public void PfmOnlyAcceptsBitDepth32()
    {
        Assert.Throws<ImageFileException>(() => ImageFile.Write(PathOf("x.pfm"), new Raster(1, 1, 1, 8, [0f]), 16));
        Assert.That(File.Exists(PathOf("x.pfm")), Is.False);
    }
}

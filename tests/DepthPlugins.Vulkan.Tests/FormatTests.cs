using NUnit.Framework;
using DepthPlugins.Core.Imaging;
using DepthPlugins.Core.Tests;

namespace DepthPlugins.Vulkan.Tests;

/// <summary>
/// GPU decoding and encoding of every pixel format, alpha mode and transfer against <see cref="PixelCodec"/>.
/// Tolerances: decoded values 1e-5 relative to max(1, |value|) (the GPU's division and pow may differ from .NET's in the
/// last bits, and un-premultiplying random bytes makes values up to 255); encoded integer samples at most 1 step (such a
/// difference can round the other way), float samples 1e-5 relative.
/// </summary>
public class FormatTests
{
    static readonly PixelFormat[] Formats = Enum.GetValues<PixelFormat>();

    static IEnumerable<TestCaseData> Cases()
    {
        foreach (var f in Formats)
            foreach (var a in new[] { AlphaMode.Straight, AlphaMode.Premultiplied })
                foreach (var t in new[] { TransferMode.Default, TransferMode.Srgb, TransferMode.Linear })
                {
                    if (PixelFormats.ChannelCount(f) == 1 && a == AlphaMode.Premultiplied) continue;
                    yield return new TestCaseData(f, a, t).SetName($"{{m}}({f} {a} {t})");
                }
    }

    /// <summary>A random colour image with random alpha (some zero), values slightly outside 0..1 for float formats.</summary>
    static Image RandomImage(int w, int h, int seed, bool floats)
    {
        var rng = new Random(seed);
        Plane P(float lo, float hi)
        {
            var p = new Plane(w, h);
            for (int i = 0; i < p.Data.Length; i++) p.Data[i] = lo + (hi - lo) * rng.NextSingle();
            return p;
        }
        var alpha = P(0f, 1f);
        alpha.Data[0] = 0f;
        return floats ? new Image([P(-0.1f, 1.2f), P(-0.1f, 1.2f), P(-0.1f, 1.2f)], alpha, Transfer.Linear) : new Image([P(0, 1), P(0, 1), P(0, 1)], alpha, Transfer.Srgb);
    }

    [TestCaseSource(nameof(Cases))]
    public void DecodeMatchesPixelCodec(PixelFormat f, AlphaMode a, TransferMode t)
    {
        const int w = 13, h = 7;
        using var buf = new TestBuffer(w, h, f, a, t, padBytes: 3, bottomUp: true);
        var rng = new Random((int)f * 10 + (int)a * 3 + (int)t);
        for (int y = 0; y < h; y++)
        {
            var row = buf.Row(y);
            rng.NextBytes(row);
            if (PixelFormats.IsFloat(f)) // random bytes make wild floats: write sane ones (plus a NaN) instead
                for (int i = 0; i + 3 < row.Length; i += 4)
                    BitConverter.GetBytes(y == 1 && i == 8 ? float.NaN : rng.NextSingle() * 1.2f - 0.1f).CopyTo(row[i..]);
        }
        foreach (var want in new[] { Transfer.Srgb, Transfer.Linear })
        {
            var cpu = PixelCodec.ReadImage(buf.Buffer);
            cpu = want == Transfer.Srgb ? cpu.AsSrgb() : cpu.AsLinear();
            var gpu = VulkanImageOps.Decode(Gpu.Device, buf.Buffer, want);
            Assert.That(gpu.Channels, Has.Length.EqualTo(cpu.Channels.Length));
            for (int c = 0; c < cpu.Channels.Length; c++)
                Assert.That(Compare.MaxRelDiff(gpu.Channels[c], cpu.Channels[c]), Is.LessThan(1e-5), $"channel {c}, {want}");
            Assert.That(gpu.Alpha == null, Is.EqualTo(cpu.Alpha == null));
            if (cpu.Alpha != null) Assert.That(Compare.MaxDiff(gpu.Alpha!, cpu.Alpha), Is.EqualTo(0));
        }
    }

    [TestCaseSource(nameof(Cases))]
    public void EncodeMatchesPixelCodec(PixelFormat f, AlphaMode a, TransferMode t)
    {
        const int w = 11, h = 6;
        foreach (bool floats in new[] { false, true })
            foreach (bool grey in new[] { false, true })
            {
                var img = RandomImage(w, h, (int)f + 7 * (int)t, floats);
                if (grey) img = new Image([img.Luma()], null, img.Transfer);
                using var cpu = new TestBuffer(w, h, f, a, t, padBytes: 2);
                using var gpu = new TestBuffer(w, h, f, a, t, padBytes: 2);
                PixelCodec.WriteImage(img, cpu.Buffer);
                VulkanImageOps.Encode(Gpu.Device, img, gpu.Buffer);
                double tol = PixelFormats.IsFloat(f) ? 1e-5 : 1;
                Assert.That(Compare.MaxSampleDiff(gpu, cpu), Is.LessThanOrEqualTo(tol), $"floats={floats} grey={grey}");
            }
    }

    [Test]
    public void EncodeLeavesRowPaddingAlone()
    {
        var (guide, _) = TestData.Scene(5, 3, 1);
        using var buf = new TestBuffer(5, 3, PixelFormat.Gray8, padBytes: 3);
        VulkanImageOps.Encode(Gpu.Device, guide, buf.Buffer);
        var b = buf.Bytes();
        for (int y = 0; y < 3; y++)
            for (int x = 5; x < 8; x++) Assert.That(b[y * 8 + x], Is.EqualTo(0xCD));
    }
}

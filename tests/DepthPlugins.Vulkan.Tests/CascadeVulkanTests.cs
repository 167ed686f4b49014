using NUnit.Framework;
using DepthPlugins.Core.Imaging;
using DepthPlugins.Core.Processing;
using DepthPlugins.Core.Refinement;
using DepthPlugins.Core.Tests;

namespace DepthPlugins.Vulkan.Tests;

/// <summary>
/// The cascade on the device (cascade_stage, cascade_residual, cascade_add and the resampling passes) against the CPU
/// cascade on random scenes of odd sizes, with and without unknown depth. Tolerance 1e-4 in 0..1 units, as for the JBF:
/// every stage's exp differs from .NET's in the last bits, the resamplings sum in float where the CPU sums in double,
/// and the stages compound this through up to five filters and four back-projection round trips. Measured on lavapipe:
/// at most 6.6e-7 (257x129 from 33x17); the margin is for GPUs whose exp is less exact. Unknown (NaN) output must
/// match exactly.
/// </summary>
public class CascadeVulkanTests
{
    const double Tolerance = 1e-4;

    static readonly CpuRefineKernels Cpu = new(new Parallelism(0));
    static VulkanRefineKernels Vk => Gpu.Kernels();

    public enum Depth { Noisy, Clean, Holes, HolesZeroValid, NanBlock, AllUnknown, AllZeroValid }

    static IEnumerable<TestCaseData> Cases()
    {
        int seed = 300;
        foreach (var (W, H, w, h) in new[] { (1, 1, 1, 1), (7, 5, 2, 2), (31, 17, 8, 5), (257, 129, 33, 17), (100, 61, 37, 23), (23, 19, 23, 19) })
            foreach (var d in Enum.GetValues<Depth>())
                yield return new TestCaseData(W, H, w, h, d, seed++).SetName($"{{m}}({W}x{H} from {w}x{h}, {d})");
    }

    /// <summary>A guide scene and a low-resolution depth whose edges line up with it (the scene's depth shrunk), unknown
    /// samples per <paramref name="kind"/>, and whether zero means unknown.</summary>
    static (Image Guide, Plane Low, DepthValidity Validity) Inputs(int W, int H, int w, int h, Depth kind, int seed)
    {
        var (guide, full) = TestData.Scene(W, H, seed, holes: 0);
        var low = Resampler.Resize(full, w, h, ResampleFilter.Bicubic);
        var rng = new Random(seed);
        var (_, holes) = TestData.Scene(w, h, seed + 1, holes: 0.2);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int i = y * w + x;
                low.Data[i] = kind switch
                {
                    // A plane with a step: every 2×2 block away from the step has |HH| = 0, so the noise sigma is 0.
                    Depth.Clean => 0.2f + 0.3f * x / w + 0.1f * y / h + (x * 2 < w ? 0.3f : 0f),
                    Depth.Noisy => low.Data[i] + 0.04f * (rng.NextSingle() - 0.5f),
                    Depth.Holes or Depth.HolesZeroValid => holes.Data[i] is var v && (v == 0 || float.IsNaN(v)) ? v : low.Data[i],
                    Depth.NanBlock => x >= w / 5 && x < w * 4 / 5 && y >= h / 5 && y < h * 4 / 5 ? float.NaN : low.Data[i],
                    Depth.AllUnknown => rng.Next(2) == 0 ? 0f : float.NaN,
                    _ => 0f,
                };
            }
        return (guide, low, new DepthValidity(kind is not (Depth.HolesZeroValid or Depth.AllZeroValid)));
    }

    [TestCaseSource(nameof(Cases))]
    public void MatchesCpu(int W, int H, int w, int h, Depth kind, int seed)
    {
        var (guide, low, v) = Inputs(W, H, w, h, kind, seed);
        var (d, m) = v.Split(low);
        double sigma = CascadeUpsampling.NoiseSigma(d, m, w, h);
        // Both sides of the noise threshold are covered: back-projection soft-thresholds noisy inputs and enforces clean ones.
        if (kind == Depth.Noisy && w >= 2 && h >= 2) Assert.That(sigma, Is.GreaterThan(0));
        if (kind == Depth.Clean && w >= 8) Assert.That(sigma, Is.EqualTo(0));
        var p = new CascadeParams(0, 0.08f);
        var gpu = Vk.Cascade(guide, low, p, v, Progress.None);
        var cpu = Cpu.Cascade(guide, low, p, v, Progress.None);
        double diff = Compare.MaxDiff(gpu, cpu);
        TestContext.Out.WriteLine($"max |gpu - cpu| = {diff:g3}, unknown {cpu.Data.Count(float.IsNaN)} of {cpu.Length}");
        Assert.That(diff, Is.LessThan(Tolerance));
    }

    [TestCase(1)]
    [TestCase(3)]
    [TestCase(6)]
    public void MatchesCpuWithGreyGuideAndGivenStartRadius(int start)
    {
        // One guide plane; an odd start radius (3: taps 1 apart, then R = 1) and radii below the automatic one.
        var (guide, low, v) = Inputs(61, 45, 17, 13, Depth.Holes, 40 + start);
        var grey = new Image([guide.Luma()]);
        var p = new CascadeParams(start, 0.05f);
        Assert.That(Compare.MaxDiff(Vk.Cascade(grey, low, p, v, Progress.None), Cpu.Cascade(grey, low, p, v, Progress.None)), Is.LessThan(Tolerance));
    }

    [Test]
    public void ImageBeyondTheBudgetRunsTheCpuCascade()
    {
        // Back-projection is global, so the cascade is not tiled: a budget too small for the whole image means the CPU
        // cascade, whose result is the CPU's to the bit. The device's own result differs in the last bits (checked
        // first), so bit-equality shows that the fallback ran.
        var (guide, low, v) = Inputs(100, 61, 37, 23, Depth.Holes, 77);
        var p = new CascadeParams(0, 0.05f);
        var cpu = Cpu.Cascade(guide, low, p, v, Progress.None);
        var device = Vk.Cascade(guide, low, p, v, Progress.None);
        Assert.That(Compare.MaxDiff(device, cpu), Is.GreaterThan(0).And.LessThan(Tolerance));
        var fallback = Gpu.Kernels(budget: 64 << 10).Cascade(guide, low, p, v, Progress.None);
        Assert.That(Compare.MaxDiff(fallback, cpu), Is.EqualTo(0));
    }
}

using NUnit.Framework;
using DepthPlugins.Core.Imaging;
using DepthPlugins.Core.Processing;
using DepthPlugins.Core.Refinement;
using DepthPlugins.Core.Tests;

namespace DepthPlugins.Vulkan.Tests;

/// <summary>
/// Each Vulkan kernel against the CPU kernel (the oracle, itself held to float64 references in Core.Tests) on random
/// scenes of odd sizes. Tolerances: JBF and JBU 1e-4 (float sums; the GPU's exp differs from .NET's in the last bits);
/// guided 2e-3 (float box sums of second moments and a float 3x3 solve on both sides, in different summation orders);
/// resampling 1e-5, except validity-masked bicubic 2e-3 (its negative lobes can leave a small weight sum next to holes, and
/// dividing by it magnifies float rounding that the CPU's double accumulators do not have). Unknown (NaN) output must match exactly.
/// </summary>
public class KernelTests
{
    static readonly CpuRefineKernels Cpu = new(new Parallelism(0));
    static VulkanRefineKernels Vk => Gpu.Kernels();

    static IEnumerable<TestCaseData> Sizes()
    {
        int seed = 11;
        foreach (var (w, h) in new[] { (1, 1), (7, 5), (5, 7), (257, 129) })
            yield return new TestCaseData(w, h, seed++).SetName($"{{m}}({w}x{h})");
    }

    [TestCaseSource(nameof(Sizes))]
    public void JointBilateralColour(int w, int h, int seed)
    {
        var (guide, depth) = TestData.Scene(w, h, seed);
        var p = new JointBilateralParams(3, 2f, 0.1f);
        var v = new DepthValidity(true);
        Assert.That(Compare.MaxDiff(Vk.JointBilateral(guide, depth, p, v, Progress.None), Cpu.JointBilateral(guide, depth, p, v, Progress.None)), Is.LessThan(1e-4));
    }

    [TestCaseSource(nameof(Sizes))]
    public void JointBilateralGreyZeroIsValid(int w, int h, int seed)
    {
        var (guide, depth) = TestData.Scene(w, h, seed, holes: 0.2);
        var grey = new Image([guide.Luma()]);
        var p = new JointBilateralParams(2, 1.5f, 0.2f);
        var v = new DepthValidity(false);
        Assert.That(Compare.MaxDiff(Vk.JointBilateral(grey, depth, p, v, Progress.None), Cpu.JointBilateral(grey, depth, p, v, Progress.None)), Is.LessThan(1e-4));
    }

    [Test]
    public void JointBilateralLarge1023x769()
    {
        var (guide, depth) = TestData.Scene(1023, 769, 5);
        var p = new JointBilateralParams(6, 3f, 0.06f);
        var v = new DepthValidity(true);
        Assert.That(Compare.MaxDiff(Vk.JointBilateral(guide, depth, p, v, Progress.None), Cpu.JointBilateral(guide, depth, p, v, Progress.None)), Is.LessThan(1e-4));
    }

    [Test]
    public void JointBilateralRadiusBeyondSharedMemory()
    {
        // r = 40: the workgroup's window does not fit in shared memory, so the shader reads global memory instead.
        var (guide, depth) = TestData.Scene(97, 61, 6, holes: 0.3);
        var p = new JointBilateralParams(40, 12f, 0.1f);
        var v = new DepthValidity(true);
        Assert.That(Compare.MaxDiff(Vk.JointBilateral(guide, depth, p, v, Progress.None), Cpu.JointBilateral(guide, depth, p, v, Progress.None)), Is.LessThan(1e-4));
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(10)]
    public void JointBilateralSpecialisedRadii(int r)
    {
        // jbf_tile is compiled per radius: the smallest ones, and r = 10, whose window fits lavapipe's 32 KiB only with
        // two rows of invocations of 4 output rows each (a 32 x 8 block).
        var (guide, depth) = TestData.Scene(97, 61, 30 + r, holes: 0.25);
        var p = new JointBilateralParams(r, 2.5f, 0.08f);
        var v = new DepthValidity(true);
        Assert.That(Compare.MaxDiff(Vk.JointBilateral(guide, depth, p, v, Progress.None), Cpu.JointBilateral(guide, depth, p, v, Progress.None)), Is.LessThan(1e-4));
    }

    [Test]
    public void JointBilateralAllUnknownStaysUnknown()
    {
        var (guide, _) = TestData.Scene(20, 9, 7);
        var depth = Plane.Filled(20, 9, float.NaN);
        var o = Vk.JointBilateral(guide, depth, new JointBilateralParams(2, 1f, 0.1f), new DepthValidity(true), Progress.None);
        Assert.That(o.Data.All(float.IsNaN));
    }

    [TestCaseSource(nameof(Sizes))]
    public void GuidedColour(int w, int h, int seed)
    {
        var (guide, depth) = TestData.Scene(w, h, seed);
        var p = new GuidedParams(4, 1e-3f);
        var v = new DepthValidity(true);
        Assert.That(Compare.MaxDiff(Vk.Guided(guide, depth, p, v, Progress.None), Cpu.Guided(guide, depth, p, v, Progress.None)), Is.LessThan(2e-3));
    }

    [TestCaseSource(nameof(Sizes))]
    public void GuidedGreyWithHoles(int w, int h, int seed)
    {
        var (guide, depth) = TestData.Scene(w, h, seed, holes: 0.3);
        var grey = new Image([guide.Luma()]);
        var p = new GuidedParams(3, 1e-2f);
        var v = new DepthValidity(false);
        Assert.That(Compare.MaxDiff(Vk.Guided(grey, depth, p, v, Progress.None), Cpu.Guided(grey, depth, p, v, Progress.None)), Is.LessThan(2e-3));
    }

    [TestCase(0)]
    [TestCase(1)]
    public void GuidedSmallRadii(int r)
    {
        // Windows narrower than the walking passes' 4-column groups (guided_walk.glsl).
        var (guide, depth) = TestData.Scene(77, 70, 40 + r, holes: 0.2);
        var p = new GuidedParams(r, 1e-3f);
        var v = new DepthValidity(true);
        Assert.That(Compare.MaxDiff(Vk.Guided(guide, depth, p, v, Progress.None), Cpu.Guided(guide, depth, p, v, Progress.None)), Is.LessThan(2e-3));
        var grey = new Image([guide.Luma()]);
        Assert.That(Compare.MaxDiff(Vk.Guided(grey, depth, p, v, Progress.None), Cpu.Guided(grey, depth, p, v, Progress.None)), Is.LessThan(2e-3));
    }

    [TestCase(13)]
    [TestCase(24)]
    [TestCase(48)]
    public void GuidedWalkStripWidths(int r)
    {
        // The walking passes widen their strips with the radius (1, 2 and 3 warps of 32 invocations here), 48 being the
        // largest radius they take; windows wider than the image at 48.
        var (guide, depth) = TestData.Scene(173, 89, 50 + r, holes: 0.2);
        var p = new GuidedParams(r, 1e-3f);
        var v = new DepthValidity(true);
        Assert.That(Compare.MaxDiff(Vk.Guided(guide, depth, p, v, Progress.None), Cpu.Guided(guide, depth, p, v, Progress.None)), Is.LessThan(2e-3));
        var grey = new Image([guide.Luma()]);
        Assert.That(Compare.MaxDiff(Vk.Guided(grey, depth, p, v, Progress.None), Cpu.Guided(grey, depth, p, v, Progress.None)), Is.LessThan(2e-3));
    }

    [Test]
    public void GuidedRadiusBeyondWalk()
    {
        // r = 49: beyond the walking passes, the separable passes run (statistics through device memory).
        var (guide, depth) = TestData.Scene(131, 117, 9, holes: 0.2);
        var p = new GuidedParams(49, 1e-3f);
        var v = new DepthValidity(true);
        Assert.That(Compare.MaxDiff(Vk.Guided(guide, depth, p, v, Progress.None), Cpu.Guided(guide, depth, p, v, Progress.None)), Is.LessThan(2e-3));
        var grey = new Image([guide.Luma()]);
        Assert.That(Compare.MaxDiff(Vk.Guided(grey, depth, p, v, Progress.None), Cpu.Guided(grey, depth, p, v, Progress.None)), Is.LessThan(2e-3));
    }

    [Test]
    public void GuidedColourLarge1023x769()
    {
        var (guide, depth) = TestData.Scene(1023, 769, 8);
        var p = new GuidedParams(8, 1e-4f);
        var v = new DepthValidity(true);
        Assert.That(Compare.MaxDiff(Vk.Guided(guide, depth, p, v, Progress.None), Cpu.Guided(guide, depth, p, v, Progress.None)), Is.LessThan(2e-3));
    }

    static IEnumerable<TestCaseData> Upsampling()
    {
        int seed = 200;
        foreach (var (W, H, w, h) in new[] { (1, 1, 1, 1), (7, 5, 2, 2), (8, 8, 1, 1), (31, 17, 8, 5), (257, 129, 33, 17), (100, 60, 25, 60) })
            yield return new TestCaseData(W, H, w, h, seed++).SetName($"{{m}}({W}x{H} from {w}x{h})");
    }

    [TestCaseSource(nameof(Upsampling))]
    public void JointBilateralUpsampling(int W, int H, int w, int h, int seed)
    {
        var (guide, _) = TestData.Scene(W, H, seed);
        var (_, low) = TestData.Scene(w, h, seed + 1, holes: 0.15);
        var p = new JbuParams(2, 1f, 0.15f);
        var v = new DepthValidity(true);
        Assert.That(Compare.MaxDiff(Vk.JointBilateralUpsample(guide, low, p, v, Progress.None), Cpu.JointBilateralUpsample(guide, low, p, v, Progress.None)), Is.LessThan(1e-4));
    }

    [TestCaseSource(nameof(Upsampling))]
    public void GuidedUpsampling(int W, int H, int w, int h, int seed)
    {
        var (guide, _) = TestData.Scene(W, H, seed);
        var (_, low) = TestData.Scene(w, h, seed + 1, holes: 0.15);
        var p = new GuidedParams(8, 1e-3f);
        var v = new DepthValidity(true);
        Assert.That(Compare.MaxDiff(Vk.Guided(guide, low, p, v, Progress.None), Cpu.Guided(guide, low, p, v, Progress.None)), Is.LessThan(2e-3));
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void GuidedUpsamplingNoiseGuide(int seed)
    {
        // Ill-conditioned on purpose: white-noise guide and depth, upsampled 4x, so the low-resolution radius is 1 and
        // each 3x3 window fits a 3x3 covariance to 9 samples with eps = 1e-4, which magnifies the float window sums'
        // rounding. Held to 2e-4, tighter than the guided tolerance: the walking passes sum guide and depth shifted by
        // 0.5 and stay near 2e-5 here; running sums of the unshifted values reached 0.6-1.8e-3 (and 3.8e-3 through
        // the raw path), the first fused passes' direct sums 2.4-4e-4.
        var rng = new Random(seed);
        var guide = new Image([Noise(203, 117, rng), Noise(203, 117, rng), Noise(203, 117, rng)]);
        var depth = Noise(51, 30, rng);
        for (int i = 0; i < depth.Data.Length; i++) if (rng.NextDouble() < 0.05) depth.Data[i] = float.NaN;
        var p = new GuidedParams(4, 1e-4f);
        var v = new DepthValidity(true);
        Assert.That(Compare.MaxDiff(Vk.Guided(guide, depth, p, v, Progress.None), Cpu.Guided(guide, depth, p, v, Progress.None)), Is.LessThan(2e-4));
    }

    static Plane Noise(int w, int h, Random rng)
    {
        var p = new Plane(w, h);
        for (int i = 0; i < p.Data.Length; i++) p.Data[i] = rng.NextSingle();
        return p;
    }

    static IEnumerable<TestCaseData> Resizes()
    {
        foreach (var f in new[] { ResampleFilter.Bilinear, ResampleFilter.Bicubic })
            foreach (var (w, h, W, H) in new[] { (1, 1, 3, 2), (7, 5, 19, 11), (64, 48, 17, 13), (33, 17, 257, 129) })
                foreach (bool masked in new[] { false, true })
                    yield return new TestCaseData(f, w, h, W, H, masked).SetName($"{{m}}({f} {w}x{h} to {W}x{H}{(masked ? " masked" : "")})");
    }

    [TestCaseSource(nameof(Resizes))]
    public void Resize(ResampleFilter f, int w, int h, int W, int H, bool masked)
    {
        var (_, depth) = TestData.Scene(w, h, w * 31 + h, holes: masked ? 0.2 : 0);
        var v = new DepthValidity(true);
        var gpu = VulkanImageOps.Resize(Gpu.Device, depth, W, H, f, masked ? v : null);
        var cpu = Resampler.Resize(depth, W, H, f, masked ? v.IsValid : null, float.NaN); // the device marks unreached pixels unknown
        Assert.That(Compare.MaxDiff(gpu, cpu), Is.LessThan(masked && f == ResampleFilter.Bicubic ? 2e-3 : 1e-5));
    }

    [TestCase(7, 5, 3, 2)]
    [TestCase(257, 129, 33, 17)]
    [TestCase(100, 60, 100, 7)]
    [TestCase(5, 5, 5, 5)]
    public void AreaAverage(int W, int H, int w, int h)
    {
        var (guide, _) = TestData.Scene(W, H, W + h);
        var c = guide.Channels[1];
        Assert.That(Compare.MaxDiff(VulkanImageOps.AreaAverage(Gpu.Device, c, w, h), Resampler.AreaAverage(c, w, h)), Is.LessThan(1e-5));
    }
}

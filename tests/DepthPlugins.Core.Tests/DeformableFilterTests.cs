using NUnit.Framework;
using DepthPlugins.Core.Deformable;
using DepthPlugins.Core.Imaging;
using DepthPlugins.Core.Processing;

namespace DepthPlugins.Core.Tests;

/// <summary>The deformable weighted average against <see cref="DeformableReference.Filter"/> (float64, DKN's unfold +
/// grid_sample formulation) with random weights and offsets. Tolerance 2e-5: float accumulation over k² taps of values ≤ 1.</summary>
public class DeformableFilterTests
{
    static readonly Parallelism Par = new(0);

    static IEnumerable<TestCaseData> Cases()
    {
        int seed = 100;
        foreach (var (w, h) in new[] { (1, 1), (2, 3), (7, 5), (5, 9), (16, 9), (33, 21) })
            foreach (var (k, d) in new[] { (3, 15), (2, 5), (5, 7) })
                foreach (var mode in new[] { DeformableMode.Residual, DeformableMode.Normalized })
                    yield return new TestCaseData(w, h, k, d, mode, seed++).SetName($"{{m}}({w}x{h},k{k},d{d},{mode})");
    }

    /// <summary>Random target with some zeros, weights in (0, 1] like sigmoid products, offsets spread over ±(window + 3)
    /// so taps land inside, on the edge of and beyond the window and the image; a quarter of them are integers (exact corners).</summary>
    static (Plane Target, DeformableKernels K) Random(int w, int h, int k, int d, int seed)
    {
        var rng = new Random(seed);
        var target = new Plane(w, h);
        for (int i = 0; i < target.Data.Length; i++) target.Data[i] = rng.NextDouble() < 0.1 ? 0f : rng.NextSingle();
        var kern = new DeformableKernels(w, h, k * k);
        for (int i = 0; i < kern.Weights.Length; i++) kern.Weights[i] = 0.01f + 0.99f * rng.NextSingle();
        float spread = d + 3;
        for (int i = 0; i < kern.Offsets.Length; i++)
        {
            float o = (2 * rng.NextSingle() - 1) * (rng.NextDouble() < 0.5 ? 2f : spread);
            kern.Offsets[i] = rng.NextDouble() < 0.25 ? MathF.Round(o) : o;
        }
        return (target, kern);
    }

    static double[][,] Planes(float[] data, int count, int w, int h)
    {
        var r = new double[count][,];
        for (int c = 0; c < count; c++)
        {
            r[c] = new double[h, w];
            for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) r[c][y, x] = data[(c * h + y) * w + x];
        }
        return r;
    }

    [TestCaseSource(nameof(Cases))]
    public void MatchesReference(int w, int h, int k, int d, DeformableMode mode, int seed)
    {
        var (target, kern) = Random(w, h, k, d, seed);
        var p = new DeformableParams(k, d, mode);
        var fast = DeformableFilter.Apply(target, kern, p, Progress.None, Par);
        var slow = DeformableReference.Filter(TestData.ToArray(target), Planes(kern.Weights, k * k, w, h),
            Planes(kern.Offsets, 2 * k * k, w, h), k, d, mode == DeformableMode.Residual);
        Assert.That(TestData.MaxDiff(fast, slow), Is.LessThan(2e-5));
    }

    /// <summary>A band of kernels placed at an image row gives the same rows as kernels for the whole image.</summary>
    [Test]
    public void BandOfRowsEqualsWholeImage()
    {
        var (target, kern) = Random(23, 19, 3, 15, 7);
        var p = new DeformableParams();
        var whole = DeformableFilter.Apply(target, kern, p, Progress.None, Par);
        const int top = 5, rows = 9;
        var band = new DeformableKernels(23, rows, 9);
        for (int t = 0; t < 9; t++) Array.Copy(kern.Weights, (t * 19 + top) * 23, band.Weights, t * rows * 23, rows * 23);
        for (int c = 0; c < 18; c++) Array.Copy(kern.Offsets, (c * 19 + top) * 23, band.Offsets, c * rows * 23, rows * 23);
        var output = new Plane(23, 19);
        DeformableFilter.ApplyRows(target, band, top, p, output, top + 1, top + rows);
        for (int y = 0; y < 19; y++)
            for (int x = 0; x < 23; x++)
                Assert.That(output[x, y], Is.EqualTo(y > top && y < top + rows ? whole[x, y] : 0f), $"({x},{y})");
    }

    /// <summary>Residual form with equal weights changes nothing; normalized form with one tap on the pixel copies it.</summary>
    [Test]
    public void FlatWeightsKeepTheTarget()
    {
        var (target, kern) = Random(12, 8, 3, 15, 3);
        Array.Fill(kern.Weights, 0.4f);
        var res = DeformableFilter.Apply(target, kern, new DeformableParams(), Progress.None, Par);
        for (int i = 0; i < target.Data.Length; i++) Assert.That(res.Data[i], Is.EqualTo(target.Data[i]).Within(1e-6));
        // Normalized, a single nonzero tap 0 whose sample lands on the pixel itself (window position 7 = (7 + offset)·14/15).
        Array.Clear(kern.Weights);
        Array.Fill(kern.Weights, 1f, 0, 12 * 8);
        Array.Fill(kern.Offsets, 0.5f, 0, 2 * 12 * 8);
        var norm = DeformableFilter.Apply(target, kern, new DeformableParams(Mode: DeformableMode.Normalized), Progress.None, Par);
        for (int i = 0; i < target.Data.Length; i++) Assert.That(norm.Data[i], Is.EqualTo(target.Data[i]).Within(1e-6));
    }

    [Test]
    public void RejectsMismatchedKernels()
    {
        var (target, kern) = Random(8, 8, 3, 15, 1);
        Assert.Throws<DpException>(() => DeformableFilter.Apply(target, kern, new DeformableParams(KernelSize: 2), Progress.None, Par));
        Assert.Throws<DpException>(() => DeformableFilter.Apply(target, kern, new DeformableParams(WindowSize: 14), Progress.None, Par));
        Assert.Throws<DpException>(() => DeformableFilter.Apply(new Plane(9, 8), kern, new DeformableParams(), Progress.None, Par));
    }
}

using NUnit.Framework;
using DepthPlugins.Core.Evaluation;
using DepthPlugins.Core.Imaging;
using DepthPlugins.Core.Refinement;

namespace DepthPlugins.Core.Tests;

/// <summary>The clean protocol's shrink must be PIL's <c>Image.resize(size, BICUBIC)</c> on a float image. PIL's
/// algorithm (libImaging/Resample.c, precompute_coeffs): scale = in/out; support = 2·max(scale, 1); for output i the
/// centre is (i + ½)·scale, taps x from max(0, ⌊centre − support + ½⌋) to min(in, ⌊centre + support + ½⌋) − 1, weight
/// K((x − centre + ½)/max(scale, 1)) with Keys' cubic K (a = −0.5), normalised by their sum.</summary>
public class CleanDegradationTests
{
    [Test]
    public void EightToTwoMatchesHandComputedPilWeights()
    {
        // scale 4, support 8. Output 0: centre 2, taps 0..7, arguments (x − 1.5)/4 =
        // −0.375, −0.125, 0.125, 0.375, 0.625, 0.875, 1.125, 1.375.
        // K(t) = 1.5|t|³ − 2.5|t|² + 1 for |t| < 1; −0.5|t|³ + 2.5|t|² − 4|t| + 2 for 1 ≤ |t| < 2:
        double[] k0 =
        [
            0.7275390625,   // t = 0.375: 1.5·0.052734375 − 2.5·0.140625 + 1
            0.9638671875,   // t = 0.125: 1.5·0.001953125 − 2.5·0.015625 + 1
            0.9638671875,
            0.7275390625,
            0.3896484375,   // t = 0.625: 1.5·0.244140625 − 2.5·0.390625 + 1
            0.0908203125,   // t = 0.875: 1.5·0.669921875 − 2.5·0.765625 + 1
            -0.0478515625,  // t = 1.125: −0.5·1.423828125 + 2.5·1.265625 − 4.5 + 2
            -0.0732421875,  // t = 1.375: −0.5·2.599609375 + 2.5·1.890625 − 5.5 + 2
        ];
        // Output 1: centre 6, taps 0..7 (10 clipped to 8), arguments (x − 5.5)/4: the mirror image of output 0.
        double[] k1 = k0.Reverse().ToArray();
        float[] v = [10, 20, 15, 40, 80, 90, 60, 30];
        double e0 = v.Select((x, i) => x * k0[i]).Sum() / k0.Sum();
        double e1 = v.Select((x, i) => x * k1[i]).Sum() / k1.Sum();
        var o = Resampler.Resize(new Plane(8, 1, v), 2, 1, ResampleFilter.Bicubic);
        Assert.That(o.Data[0], Is.EqualTo(e0).Within(1e-4));
        Assert.That(o.Data[1], Is.EqualTo(e1).Within(1e-4));
    }

    [Test]
    public void SixToThreeWithBorderClippingMatchesHand()
    {
        // scale 2, support 4. Output 0: centre 1, taps max(0, ⌊−2.5⌋→0)..min(6, ⌊5.5⌋)−1 = 0..4, arguments (x − 0.5)/2 =
        // −0.25, 0.25, 0.75, 1.25, 1.75 → K = 0.8671875, 0.8671875, 0.2265625, −0.0703125, −0.0234375.
        double[] k = [0.8671875, 0.8671875, 0.2265625, -0.0703125, -0.0234375];
        float[] v = [3, 7, 1, 9, 4, 6];
        double e0 = Enumerable.Range(0, 5).Sum(i => v[i] * k[i]) / k.Sum();
        var o = Resampler.Resize(new Plane(6, 1, v), 3, 1, ResampleFilter.Bicubic);
        Assert.That(o.Data[0], Is.EqualTo(e0).Within(1e-5));
    }

    [Test]
    public void DownsampleIsTheSeparablePilShrink()
    {
        // Rows then columns with the same weights: a rank-one image u(x)·v(y) shrinks to shrink(u)·shrink(v).
        float[] u = [10, 20, 15, 40, 80, 90, 60, 30], v = [1, 2, 3, 4];
        var img = new Plane(8, 4);
        for (int y = 0; y < 4; y++) for (int x = 0; x < 8; x++) img[x, y] = u[x] * v[y] / 1000f;
        var su = Resampler.Resize(new Plane(8, 1, u), 2, 1, ResampleFilter.Bicubic);
        var sv = Resampler.Resize(new Plane(4, 1, v), 1, 1, ResampleFilter.Bicubic);
        var o = CleanDegradation.Downsample(img, 4, new DepthValidity(true));
        Assert.That(o.Width, Is.EqualTo(2));
        Assert.That(o.Height, Is.EqualTo(1));
        for (int x = 0; x < 2; x++) Assert.That(o[x, 0], Is.EqualTo(su.Data[x] * sv.Data[0] / 1000f).Within(1e-5));
    }

    [Test]
    public void UnknownTruthDoesNotLeakIntoTheLowResolutionInput()
    {
        // Constant 0.4 with scattered unknowns shrinks to exactly 0.4 (normalised convolution); a fully unknown
        // block becomes unknown (0) rather than a value pulled towards 0.
        var t = Plane.Filled(16, 16, 0.4f);
        t[3, 3] = 0; t[9, 2] = 0; t[12, 13] = 0;
        for (int y = 8; y < 16; y++) for (int x = 0; x < 8; x++) t[x, y] = 0;
        var o = CleanDegradation.Downsample(t, 4, new DepthValidity(true));
        Assert.That(o[3, 0], Is.EqualTo(0.4f).Within(1e-5));
        Assert.That(o[0, 0], Is.EqualTo(0.4f).Within(1e-5));
        Assert.That(o[0, 3], Is.EqualTo(0f));
        Assert.That(o[3, 3], Is.EqualTo(0.4f).Within(1e-5));
    }

    [Test]
    public void ModCropKeepsTheTopLeftMultiple()
    {
        var p = new Plane(10, 7);
        p[7, 5] = 1;
        var c = CleanDegradation.ModCrop(p, 4);
        Assert.That((c.Width, c.Height), Is.EqualTo((8, 4)));
        Assert.That(() => CleanDegradation.Downsample(p, 4, new DepthValidity(true)), Throws.TypeOf<DpException>());
    }
}

using NUnit.Framework;
using DepthPlugins.Core.Evaluation;
using DepthPlugins.Core.Imaging;

namespace DepthPlugins.Core.Tests;

/// <summary>Metrics against values worked out by hand (the arithmetic is written out in each test).
/// Planes hold value/255 so that the metrics' ×255 scale gives back the whole numbers used here.</summary>
public class MetricsTests
{
    static Plane P(int w, int h, params double[] v255) => new(w, h, v255.Select(v => (float)(v / 255)).ToArray());

    [Test]
    public void RmseMaePsnrMapeOnSmallArrayWithUnknownTruth()
    {
        // truth 3×2; the 0 at (2,1) is unknown and must not count, whatever the estimate there.
        var truth = P(3, 2, 10, 20, 40,
                            50, 100, 0);
        var est = P(3, 2, 12, 20, 37,
                          50, 96, 200);
        var region = EvalRegion.For(truth, border: 0);
        Assert.That(region.Count, Is.EqualTo(5));
        // errors: 2, 0, −3, 0, −4 → squares 4 + 0 + 9 + 0 + 16 = 29 over 5 pixels.
        Assert.That(DepthMetrics.Rmse(est, truth, region), Is.EqualTo(Math.Sqrt(29.0 / 5)).Within(1e-4));
        Assert.That(DepthMetrics.Mae(est, truth, region), Is.EqualTo(9.0 / 5).Within(1e-4));
        // relative errors: 2/10 + 0 + 3/40 + 0 + 4/100 = 0.2 + 0.075 + 0.04 = 0.315 → 100 · 0.315 / 5 = 6.3 %.
        Assert.That(DepthMetrics.Mape(est, truth, region), Is.EqualTo(6.3).Within(1e-3));
        // PSNR = 10·log10(255² / 5.8).
        var all = DepthMetrics.Compute(est, truth, new MetricOptions());
        Assert.That(all.Psnr, Is.EqualTo(10 * Math.Log10(255.0 * 255 / 5.8)).Within(1e-3));
        Assert.That(all.Pixels, Is.EqualTo(5));
    }

    [Test]
    public void BorderIsCropped()
    {
        // 5×5, border 1: only the inner 3×3 counts. Every border pixel is 100 off; inside, one pixel is 9 off.
        var truth = P(5, 5, Enumerable.Repeat(50.0, 25).ToArray());
        var e = Enumerable.Repeat(150.0, 25).ToArray();
        for (int y = 1; y <= 3; y++) for (int x = 1; x <= 3; x++) e[y * 5 + x] = 50;
        e[2 * 5 + 2] = 59;
        var region = EvalRegion.For(truth, border: 1);
        Assert.That(region.Count, Is.EqualTo(9));
        Assert.That(DepthMetrics.Rmse(P(5, 5, e), truth, region), Is.EqualTo(Math.Sqrt(81.0 / 9)).Within(1e-4)); // = 3
        Assert.That(DepthMetrics.Mae(P(5, 5, e), truth, region), Is.EqualTo(1.0).Within(1e-4));
    }

    [Test]
    public void UnknownEstimateCountsAsZero()
    {
        var truth = P(2, 1, 30, 40);
        var est = new Plane(2, 1, [float.NaN, 40f / 255]);
        var region = EvalRegion.For(truth, 0);
        Assert.That(DepthMetrics.Rmse(est, truth, region), Is.EqualTo(Math.Sqrt(900.0 / 2)).Within(1e-3));
    }

    [Test]
    public void SsimOfIdenticalImagesIsOne()
    {
        var t = P(4, 3, 1, 5, 9, 200, 3, 3, 90, 17, 250, 0, 60, 61);
        Assert.That(DepthMetrics.Ssim(t, t, EvalRegion.For(t, 0)), Is.EqualTo(1.0).Within(1e-9));
    }

    [Test]
    public void SsimOfConstantImages()
    {
        // Constant a and b: every window has μx = a, μy = b and no variance, so SSIM = (2ab + C1)/(a² + b² + C1) · C2/C2.
        double a = 100, b = 120, c1 = 2.55 * 2.55;
        var x = P(6, 5, Enumerable.Repeat(a, 30).ToArray());
        var y = P(6, 5, Enumerable.Repeat(b, 30).ToArray());
        Assert.That(DepthMetrics.Ssim(x, y, EvalRegion.For(y, 0)), Is.EqualTo((2 * a * b + c1) / (a * a + b * b + c1)).Within(1e-6));
    }

    [Test]
    public void SsimTwoPixelsByHandAndUnknownTruthExcluded()
    {
        // A 3×1 image whose third truth pixel is unknown: only pixels 0 and 1 take part, each window holding both
        // with Gaussian weights 1 (itself) and g = exp(−1/(2·1.5²)) (the neighbour), normalised.
        double g = Math.Exp(-1 / 4.5);
        double[] xs = [40, 80], ys = [50, 70];
        double c1 = Math.Pow(0.01 * 255, 2), c2 = Math.Pow(0.03 * 255, 2);
        double total = 0;
        for (int p = 0; p < 2; p++)
        {
            double w0 = p == 0 ? 1 : g, w1 = p == 1 ? 1 : g, s = w0 + w1;
            double mx = (w0 * xs[0] + w1 * xs[1]) / s, my = (w0 * ys[0] + w1 * ys[1]) / s;
            double vx = (w0 * xs[0] * xs[0] + w1 * xs[1] * xs[1]) / s - mx * mx;
            double vy = (w0 * ys[0] * ys[0] + w1 * ys[1] * ys[1]) / s - my * my;
            double cxy = (w0 * xs[0] * ys[0] + w1 * xs[1] * ys[1]) / s - mx * my;
            total += (2 * mx * my + c1) * (2 * cxy + c2) / ((mx * mx + my * my + c1) * (vx + vy + c2));
        }
        var truth = P(3, 1, 50, 70, 0);
        var est = P(3, 1, 40, 80, 255);
        Assert.That(DepthMetrics.Ssim(est, truth, EvalRegion.For(truth, 0)), Is.EqualTo(total / 2).Within(1e-6));
    }

    [Test]
    public void EdgeBandMarksBothSidesOfAJumpDilatedByTheRadius()
    {
        // 12×3, step of 20 between x = 5 and x = 6; a 1-level ramp elsewhere is below the jump of 8.
        var v = new double[36];
        for (int y = 0; y < 3; y++) for (int x = 0; x < 12; x++) v[y * 12 + x] = (x <= 5 ? 100 : 120) + x;
        var truth = P(12, 3, v);
        var band = EvalRegion.For(truth, 0).EdgeBand(truth, 8f / 255, radius: 2);
        for (int y = 0; y < 3; y++)
            for (int x = 0; x < 12; x++)
                Assert.That(band.Mask[y * 12 + x], Is.EqualTo(x is >= 3 and <= 8), $"({x},{y})");
        // Edge-band RMSE counts only band pixels: errors of 6 at x = 4 (in) and 50 at x = 0 (out).
        var e = (double[])v.Clone();
        for (int y = 0; y < 3; y++) { e[y * 12 + 4] += 6; e[y * 12] += 50; }
        var m = DepthMetrics.Compute(P(12, 3, e), truth, new MetricOptions { EdgeRadius = 2 });
        Assert.That(m.EdgePixels, Is.EqualTo(18));
        Assert.That(m.EdgeRmse, Is.EqualTo(Math.Sqrt(3 * 36.0 / 18)).Within(1e-3));
    }

    [Test]
    public void EdgeBandIgnoresStepsToUnknownTruth()
    {
        // A known 100 next to an unknown 0 is not a discontinuity.
        var truth = P(6, 1, 100, 100, 0, 100, 100, 100);
        var band = EvalRegion.For(truth, 0).EdgeBand(truth, 8f / 255, radius: 1);
        Assert.That(band.Count, Is.EqualTo(0));
    }

    [Test]
    public void BadArgumentsAreRejected()
    {
        var t = P(4, 4, new double[16]);
        Assert.That(() => EvalRegion.For(t, 2), Throws.TypeOf<DpException>());
        Assert.That(() => DepthMetrics.Compute(P(3, 4, new double[12]), t, new MetricOptions()), Throws.TypeOf<DpException>());
    }
}

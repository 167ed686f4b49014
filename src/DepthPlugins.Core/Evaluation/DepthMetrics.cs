using DepthPlugins.Core.Imaging;

namespace DepthPlugins.Core.Evaluation;

/// <summary>How an estimate is scored against ground truth.</summary>
public sealed record MetricOptions
{
    /// <summary>Pixels cropped from every side (the clean protocol crops the scale factor s).</summary>
    public int Border { get; init; }
    /// <summary>Values are multiplied by this before scoring: 255 puts 0..1 depth on the papers' 0..255 scale.</summary>
    public double Scale { get; init; } = 255;
    /// <summary>Peak value for PSNR, on the scaled values.</summary>
    public double Peak { get; init; } = 255;
    /// <summary>A ground-truth step of at least this much (scaled units) between 4-neighbours is a depth discontinuity.</summary>
    public double EdgeJump { get; init; } = 8;
    /// <summary>The edge band reaches this many pixels (Chebyshev distance) from a discontinuity: 4 gives the 9×9
    /// dilation Middlebury uses for its "disc" regions.</summary>
    public int EdgeRadius { get; init; } = 4;
    /// <summary>Ground truth 0 means unknown (Middlebury disparities).</summary>
    public bool ZeroIsUnknown { get; init; } = true;
}

/// <summary>All scores of one estimate. Errors are on the scaled values (0..255 by default); MAPE is in percent.</summary>
public readonly record struct MetricSet(double Rmse, double Mae, double Psnr, double Ssim, double Mape, double EdgeRmse,
    long Pixels, long EdgePixels);

/// <summary>
/// Depth-upsampling metrics over an <see cref="EvalRegion"/> (known ground truth inside the border crop).
/// An estimate pixel that is not finite (a method left it unknown) counts as 0: a miss is scored, not skipped.
/// </summary>
public static class DepthMetrics
{
    public static MetricSet Compute(Plane estimate, Plane truth, MetricOptions o)
    {
        CheckSizes(estimate, truth);
        var region = EvalRegion.For(truth, o.Border, o.ZeroIsUnknown);
        var band = region.EdgeBand(truth, (float)(o.EdgeJump / o.Scale), o.EdgeRadius, o.ZeroIsUnknown);
        double rmse = Rmse(estimate, truth, region, o.Scale);
        return new MetricSet(
            rmse,
            Mae(estimate, truth, region, o.Scale),
            Psnr(rmse, o.Peak),
            Ssim(estimate, truth, region, o.Scale, o.Peak),
            Mape(estimate, truth, region),
            band.Count > 0 ? Rmse(estimate, truth, band, o.Scale) : double.NaN,
            region.Count,
            band.Count);
    }

    /// <summary>√(mean (s·(e − g))²) over the region.</summary>
    public static double Rmse(Plane estimate, Plane truth, EvalRegion region, double scale = 255)
    {
        CheckSizes(estimate, truth, region);
        double sum = 0;
        var m = region.Mask;
        for (long i = 0; i < m.LongLength; i++)
        {
            if (!m[i]) continue;
            double d = scale * (Value(estimate.Data[i]) - truth.Data[i]);
            sum += d * d;
        }
        return region.Count > 0 ? Math.Sqrt(sum / region.Count) : double.NaN;
    }

    /// <summary>mean |s·(e − g)| over the region.</summary>
    public static double Mae(Plane estimate, Plane truth, EvalRegion region, double scale = 255)
    {
        CheckSizes(estimate, truth, region);
        double sum = 0;
        var m = region.Mask;
        for (long i = 0; i < m.LongLength; i++)
            if (m[i]) sum += Math.Abs(scale * (Value(estimate.Data[i]) - truth.Data[i]));
        return region.Count > 0 ? sum / region.Count : double.NaN;
    }

    /// <summary>10·log10(peak² / MSE); +∞ for a perfect estimate.</summary>
    public static double Psnr(double rmse, double peak = 255) => rmse > 0 ? 20 * Math.Log10(peak / rmse) : double.PositiveInfinity;

    /// <summary>Mean absolute percentage error, 100 · mean |e − g| / |g| (scale-free; g ≠ 0 inside the region).</summary>
    public static double Mape(Plane estimate, Plane truth, EvalRegion region)
    {
        CheckSizes(estimate, truth, region);
        double sum = 0;
        long n = 0;
        var m = region.Mask;
        for (long i = 0; i < m.LongLength; i++)
        {
            if (!m[i] || truth.Data[i] == 0f) continue; // only possible when zero is a known value
            sum += Math.Abs(Value(estimate.Data[i]) - truth.Data[i]) / Math.Abs((double)truth.Data[i]);
            n++;
        }
        return n > 0 ? 100 * sum / n : double.NaN;
    }

    public const int SsimRadius = 5;
    public const double SsimSigma = 1.5;

    /// <summary>
    /// SSIM (Wang, Bovik, Sheikh, Simoncelli 2004) with an 11×11 Gaussian window (σ = 1.5), C1 = (0.01·255)²,
    /// C2 = (0.03·255)² on the scaled values (255 = <paramref name="peak"/>), population moments, averaged over the region's pixels.
    /// Masking: each window uses only pixels of the region (inside the border crop, known truth), with the
    /// Gaussian weights renormalised over them; windows are centred on region pixels only. Without unknowns and away
    /// from the crop this is exactly Wang's SSIM; unknown truth never enters a mean, variance or covariance.
    /// </summary>
    public static double Ssim(Plane estimate, Plane truth, EvalRegion region, double scale = 255, double peak = 255)
    {
        CheckSizes(estimate, truth, region);
        int w = truth.Width, h = truth.Height;
        long n = (long)w * h;
        var m = region.Mask;
        // Per-pixel products, zero outside the region, then windowed sums by a separable Gaussian.
        var fields = new double[6][];
        for (int k = 0; k < 6; k++) fields[k] = new double[n];
        for (long i = 0; i < n; i++)
        {
            if (!m[i]) continue;
            double x = scale * Value(estimate.Data[i]), y = scale * truth.Data[i];
            fields[0][i] = 1;
            fields[1][i] = x;
            fields[2][i] = y;
            fields[3][i] = x * x;
            fields[4][i] = y * y;
            fields[5][i] = x * y;
        }
        var g = new double[2 * SsimRadius + 1];
        for (int k = -SsimRadius; k <= SsimRadius; k++) g[k + SsimRadius] = Math.Exp(-k * k / (2 * SsimSigma * SsimSigma));
        var sums = fields.Select(f => GaussianSum(f, w, h, g)).ToArray();
        double c1 = Math.Pow(0.01 * peak, 2), c2 = Math.Pow(0.03 * peak, 2);
        double total = 0;
        for (long i = 0; i < n; i++)
        {
            if (!m[i]) continue;
            double wsum = sums[0][i];
            double mx = sums[1][i] / wsum, my = sums[2][i] / wsum;
            double vx = Math.Max(0, sums[3][i] / wsum - mx * mx), vy = Math.Max(0, sums[4][i] / wsum - my * my);
            double cxy = sums[5][i] / wsum - mx * my;
            total += (2 * mx * my + c1) * (2 * cxy + c2) / ((mx * mx + my * my + c1) * (vx + vy + c2));
        }
        return region.Count > 0 ? total / region.Count : double.NaN;
    }

    /// <summary>Separable weighted sum with kernel <paramref name="g"/> centred on each pixel, taps outside the image dropped.</summary>
    static double[] GaussianSum(double[] f, int w, int h, double[] g)
    {
        int r = g.Length / 2;
        var tmp = new double[f.Length];
        Parallel.For(0, h, y =>
        {
            long row = (long)y * w;
            for (int x = 0; x < w; x++)
            {
                double s = 0;
                for (int k = Math.Max(-r, -x); k <= Math.Min(r, w - 1 - x); k++) s += g[k + r] * f[row + x + k];
                tmp[row + x] = s;
            }
        });
        var o = new double[f.Length];
        Parallel.For(0, h, y =>
        {
            for (int x = 0; x < w; x++)
            {
                double s = 0;
                for (int k = Math.Max(-r, -y); k <= Math.Min(r, h - 1 - y); k++) s += g[k + r] * tmp[(long)(y + k) * w + x];
                o[(long)y * w + x] = s;
            }
        });
        return o;
    }

    static double Value(float e) => float.IsFinite(e) ? e : 0.0;

    static void CheckSizes(Plane estimate, Plane truth, EvalRegion? region = null)
    {
        if (estimate.Width != truth.Width || estimate.Height != truth.Height)
            throw DpException.Invalid($"estimate {estimate.Width}x{estimate.Height} and truth {truth.Width}x{truth.Height} differ in size");
        if (region != null && (region.Width != truth.Width || region.Height != truth.Height))
            throw DpException.Invalid("region and truth differ in size");
    }
}

using DepthPlugins.Core.Imaging;
using DepthPlugins.Fixtures;
using NUnit.Framework;

namespace DepthPlugins.Inference.Tests;

/// <summary>A temp folder per test class for fixture models (written from C# at test time, never committed).</summary>
sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "dp-inference-" + Guid.NewGuid().ToString("N")));

    public string Path { get; }

    public string Write(string name, byte[] bytes)
    {
        var p = System.IO.Path.Combine(Path, name);
        File.WriteAllBytes(p, bytes);
        return p;
    }

    public string WriteText(string name, string text)
    {
        var p = System.IO.Path.Combine(Path, name);
        File.WriteAllText(p, text);
        return p;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}

static class Photos
{
    /// <summary>Random sRGB colours in [0.05, 0.95]: no two rows or columns alike, so any flip or transpose shows.</summary>
    public static Image Random(int w, int h, int seed)
    {
        var rng = new Random(seed);
        var planes = new Plane[3];
        for (int c = 0; c < 3; c++)
        {
            planes[c] = new Plane(w, h);
            for (int i = 0; i < planes[c].Data.Length; i++) planes[c].Data[i] = 0.05f + 0.9f * rng.NextSingle();
        }
        return new Image(planes);
    }

    public static double[][,] Channels(Image img)
    {
        var o = new double[3][,];
        for (int c = 0; c < 3; c++)
        {
            o[c] = new double[img.Height, img.Width];
            for (int y = 0; y < img.Height; y++)
                for (int x = 0; x < img.Width; x++)
                    o[c][y, x] = img.Channels[img.IsGrey ? 0 : c][x, y];
        }
        return o;
    }
}

/// <summary>
/// Float64 reference of the pipeline for photos that need no resampling: the linear fixture's output
/// Σ w_c (v_c − mean_c) / std_c + b, optional 1/d for metric models, then quantile normalisation written out plainly.
/// </summary>
static class Oracle
{
    public static double[,] LinearModel(double[][,] photo, float[] w, float b, float[] mean, float[] std)
    {
        int h = photo[0].GetLength(0), wd = photo[0].GetLength(1);
        var o = new double[h, wd];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < wd; x++)
            {
                double s = b;
                for (int c = 0; c < 3; c++) s += w[c] * ((photo[c][y, x] - mean[c]) / std[c]);
                o[y, x] = s;
            }
        return o;
    }

    public static double[,] Reciprocal(double[,] d)
    {
        var o = (double[,])d.Clone();
        for (int y = 0; y < o.GetLength(0); y++)
            for (int x = 0; x < o.GetLength(1); x++) o[y, x] = 1.0 / d[y, x];
        return o;
    }

    /// <summary>numpy.quantile's default: linear interpolation between the order statistics at q·(n−1).</summary>
    public static double Quantile(IEnumerable<double> values, double q)
    {
        var s = values.OrderBy(v => v).ToArray();
        double pos = q * (s.Length - 1);
        int lo = (int)Math.Floor(pos);
        int hi = Math.Min(lo + 1, s.Length - 1);
        return s[lo] + (pos - lo) * (s[hi] - s[lo]);
    }

    public static double[,] Normalise(double[,] d, double qLow, double qHigh, bool nearWhite)
    {
        var all = d.Cast<double>().ToArray();
        double lo = Quantile(all, qLow), hi = Quantile(all, qHigh);
        var o = new double[d.GetLength(0), d.GetLength(1)];
        for (int y = 0; y < o.GetLength(0); y++)
            for (int x = 0; x < o.GetLength(1); x++)
            {
                double t = Math.Min(1, Math.Max(0, (d[y, x] - lo) / (hi - lo)));
                o[y, x] = nearWhite ? t : 1 - t;
            }
        return o;
    }

    public static void AssertClose(double[,] expected, Plane actual, double tol, string what)
    {
        Assert.That(actual.Width, Is.EqualTo(expected.GetLength(1)), what + ": width");
        Assert.That(actual.Height, Is.EqualTo(expected.GetLength(0)), what + ": height");
        double worst = 0;
        int wx = 0, wy = 0;
        for (int y = 0; y < actual.Height; y++)
            for (int x = 0; x < actual.Width; x++)
            {
                double e = Math.Abs(expected[y, x] - actual[x, y]);
                if (e > worst) { worst = e; wx = x; wy = y; }
            }
        Assert.That(worst, Is.LessThanOrEqualTo(tol), $"{what}: worst error {worst:G4} at ({wx},{wy}): expected {expected[wy, wx]:G6}, got {actual[wx, wy]:G6}");
    }
}

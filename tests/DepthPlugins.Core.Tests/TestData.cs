using DepthPlugins.Core.Imaging;

namespace DepthPlugins.Core.Tests;

/// <summary>Random but structured inputs: piecewise-constant colour regions with noise (so edges exist) and depth
/// that follows the regions, with a few unknown (0 or NaN) pixels.</summary>
static class TestData
{
    public static (Image Guide, Plane Depth) Scene(int w, int h, int seed, double holes = 0.05)
    {
        var rng = new Random(seed);
        int cells = 1 + rng.Next(4);
        var cr = Enumerable.Range(0, cells * cells).Select(_ => new[] { rng.NextSingle(), rng.NextSingle(), rng.NextSingle(), 0.1f + 0.8f * rng.NextSingle() }).ToArray();
        var planes = new[] { new Plane(w, h), new Plane(w, h), new Plane(w, h) };
        var depth = new Plane(w, h);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                var c = cr[(y * cells / h) * cells + (x * cells / w)];
                for (int k = 0; k < 3; k++) planes[k][x, y] = Math.Clamp(c[k] + 0.05f * (rng.NextSingle() - 0.5f), 0f, 1f);
                float d = c[3] + 0.02f * (rng.NextSingle() - 0.5f);
                double u = rng.NextDouble();
                depth[x, y] = u < holes / 2 ? 0f : u < holes ? float.NaN : d;
            }
        return (new Image(planes), depth);
    }

    public static double[,] ToArray(Plane p)
    {
        var a = new double[p.Height, p.Width];
        for (int y = 0; y < p.Height; y++) for (int x = 0; x < p.Width; x++) a[y, x] = p[x, y];
        return a;
    }

    public static double[][,] ToArrays(Image img) => img.Channels.Select(ToArray).ToArray();

    /// <summary>Largest absolute difference; NaN must match NaN exactly (unknown stays unknown).</summary>
    public static double MaxDiff(Plane actual, double[,] expected)
    {
        double m = 0;
        for (int y = 0; y < actual.Height; y++)
            for (int x = 0; x < actual.Width; x++)
            {
                double a = actual[x, y], e = expected[y, x];
                if (double.IsNaN(e) || double.IsNaN(a))
                {
                    if (double.IsNaN(e) != double.IsNaN(a)) return double.PositiveInfinity;
                    continue;
                }
                m = Math.Max(m, Math.Abs(a - e));
            }
        return m;
    }
}

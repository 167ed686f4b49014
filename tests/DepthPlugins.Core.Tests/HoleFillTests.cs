using NUnit.Framework;
using DepthPlugins.Core.Imaging;
using DepthPlugins.Core.Refinement;

namespace DepthPlugins.Core.Tests;

/// <summary>Push-pull hole filling against a plain float64 recursion of the same definition, plus its invariants.</summary>
public class HoleFillTests
{
    /// <summary>Level above: mean of the known pixels of each 2×2 block (known if any is); unknown pixels take the
    /// bilinear value of the filled level above at their centre ((x + 0.5)/2 − 0.5, clamped).</summary>
    static (double[,] D, bool[,] K) Reference(double[,] d, bool[,] k)
    {
        int h = d.GetLength(0), w = d.GetLength(1);
        if (w == 1 && h == 1) return (d, k);
        int cw = (w + 1) / 2, ch = (h + 1) / 2;
        var cd = new double[ch, cw];
        var ck = new bool[ch, cw];
        for (int y = 0; y < ch; y++)
            for (int x = 0; x < cw; x++)
            {
                var vals = new List<double>();
                for (int fy = 2 * y; fy < Math.Min(h, 2 * y + 2); fy++)
                    for (int fx = 2 * x; fx < Math.Min(w, 2 * x + 2); fx++)
                        if (k[fy, fx]) vals.Add(d[fy, fx]);
                ck[y, x] = vals.Count > 0;
                cd[y, x] = vals.Count > 0 ? vals.Average() : 0;
            }
        (cd, ck) = Reference(cd, ck);
        var o = (double[,])d.Clone();
        var ok = (bool[,])k.Clone();
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                if (k[y, x]) continue;
                double u = Math.Clamp((x + 0.5) / 2 - 0.5, 0, cw - 1), v = Math.Clamp((y + 0.5) / 2 - 0.5, 0, ch - 1);
                int x0 = (int)Math.Floor(u), y0 = (int)Math.Floor(v), x1 = Math.Min(x0 + 1, cw - 1), y1 = Math.Min(y0 + 1, ch - 1);
                double a = u - x0, b = v - y0;
                o[y, x] = (1 - b) * ((1 - a) * cd[y0, x0] + a * cd[y0, x1]) + b * ((1 - a) * cd[y1, x0] + a * cd[y1, x1]);
                ok[y, x] = true;
            }
        return (o, ok);
    }

    [TestCase(1, 1, 1)]
    [TestCase(7, 5, 2)]
    [TestCase(16, 9, 3)]
    [TestCase(33, 21, 4)]
    [TestCase(64, 3, 5)]
    public void MatchesReference(int w, int h, int seed)
    {
        var (_, depth) = TestData.Scene(w, h, seed, holes: 0.6);
        var validity = new DepthValidity(true);
        var (filled, wasUnknown) = HoleFill.PushPull(depth, validity);
        var d = TestData.ToArray(depth);
        var k = new bool[h, w];
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) k[y, x] = validity.IsValid(depth[x, y]);
        bool any = depth.Data.Any(validity.IsValid);
        var (want, _) = any ? Reference(d, k) : (d, k);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                Assert.That(wasUnknown[y * w + x], Is.EqualTo(!k[y, x]));
                if (k[y, x]) Assert.That(filled[x, y], Is.EqualTo(depth[x, y]), "known pixels are kept");
                else if (any) Assert.That(filled[x, y], Is.EqualTo(want[y, x]).Within(1e-5), $"({x},{y})");
            }
    }

    [Test]
    public void HoleInAFlatRegionGetsItsValueAndAllUnknownStaysUnknown()
    {
        var p = Plane.Filled(40, 30, 0.25f);
        for (int y = 5; y < 25; y++) for (int x = 3; x < 30; x++) p[x, y] = float.NaN;
        var (filled, _) = HoleFill.PushPull(p, new DepthValidity(true));
        Assert.That(filled.Data, Is.All.EqualTo(0.25f).Within(1e-6));
        var none = Plane.Filled(9, 4, 0f);
        var (still, unknown) = HoleFill.PushPull(none, new DepthValidity(true));
        Assert.That(still.Data, Is.All.EqualTo(0f));
        Assert.That(unknown, Is.All.True);
    }
}

using NUnit.Framework;
using DepthPlugins.Core.Imaging;
using DepthPlugins.Core.LensBlur;
using DepthPlugins.Core.Processing;

namespace DepthPlugins.Core.Tests;

/// <summary>
/// The layered CPU lens blur against <see cref="LensBlurReference"/> and against the properties a lens must have.
/// Tolerances: the renderer works in float with exact pixel coverage of the aperture, the reference in double with
/// 64×64 point sampling per pixel, so they differ by the reference's sampling error (≈1e-4 of a kernel weight at the
/// aperture's rim) plus float rounding; comparisons use 2e-3 (max abs, linear 0..1) unless stated.
/// </summary>
public class LensBlurTests
{
    static readonly Parallelism Par = new(0);
    static readonly CpuLensBlurKernels Cpu = new(Par);

    static Image Render(Image img, Plane depth, LensBlurOptions o) => LensBlurRenderer.Render(Cpu, img, depth, o, Progress.None, Par);

    /// <summary>Smooth random colour with some hard edges, linear 0..1.</summary>
    static Image Texture(int w, int h, int seed, bool alpha = false)
    {
        var rng = new Random(seed);
        var planes = new[] { new Plane(w, h), new Plane(w, h), new Plane(w, h) };
        var f = Enumerable.Range(0, 12).Select(_ => (fx: rng.NextDouble() * 0.5, fy: rng.NextDouble() * 0.5, ph: rng.NextDouble() * 6)).ToArray();
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < 3; c++)
                {
                    double v = 0.5;
                    for (int k = c * 4; k < c * 4 + 4; k++) v += 0.12 * Math.Sin(f[k].fx * x + f[k].fy * y + f[k].ph);
                    if (((x / 9) + (y / 7) + c) % 5 == 0) v = 0.95 - 0.8 * v; // hard edges
                    planes[c][x, y] = (float)Math.Clamp(v + 0.05 * (rng.NextDouble() - 0.5), 0, 1);
                }
        Plane? a = null;
        if (alpha)
        {
            a = new Plane(w, h);
            for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) a[x, y] = (float)Math.Clamp(0.5 + 0.5 * Math.Sin(x * 0.2) * Math.Cos(y * 0.15), 0, 1);
        }
        return new Image(planes, a, Transfer.Linear);
    }

    /// <summary>The reference rendering of the scene; <paramref name="coarse"/> (the library's default mode) scatters radii
    /// of 16 px and more through the coarse-grid model, otherwise every radius gets the exact bokeh.</summary>
    static (double[][,] C, double[,] A) Reference(Image img, Plane depth, float focus, float aperture, int blades = 0, double rot = 0, bool coarse = true)
        => LensBlurReference.Render(TestData.ToArrays(img), img.Alpha != null ? TestData.ToArray(img.Alpha) : null, CocAsFloat(depth, focus, aperture), blades, rot, coarse);

    static double[,] CocAsFloat(Plane depth, float focus, float aperture)
    {
        var c = new double[depth.Height, depth.Width];
        for (int y = 0; y < depth.Height; y++)
            for (int x = 0; x < depth.Width; x++)
            {
                float s = aperture * (depth[x, y] - focus);
                c[y, x] = s;
            }
        return c;
    }

    static double Psnr(Plane a, double[,] b, int margin)
    {
        double se = 0;
        int n = 0;
        for (int y = margin; y < a.Height - margin; y++)
            for (int x = margin; x < a.Width - margin; x++)
            {
                double d = a[x, y] - b[y, x];
                se += d * d;
                n++;
            }
        return se == 0 ? double.PositiveInfinity : 10 * Math.Log10(1.0 / (se / n));
    }

    static double MaxDiff(Plane a, double[,] b, Func<int, int, bool>? where = null)
    {
        double m = 0;
        for (int y = 0; y < a.Height; y++)
            for (int x = 0; x < a.Width; x++)
                if (where == null || where(x, y)) m = Math.Max(m, Math.Abs(a[x, y] - b[y, x]));
        return m;
    }

    // ---------------------------------------------------------------- kernel

    [TestCase(0.0, 0, 0.0)]
    [TestCase(0.5, 0, 0.0)]
    [TestCase(0.8, 0, 0.0)]
    [TestCase(1.3, 0, 0.0)]
    [TestCase(6.3, 0, 0.0)]
    [TestCase(17.0, 0, 0.0)]
    [TestCase(24.0, 0, 0.0)]
    [TestCase(24.0, 6, 0.0)]
    [TestCase(6.3, 5, 0.0)]
    [TestCase(9.7, 6, 15.0)]
    [TestCase(12.0, 3, 40.0)]
    [TestCase(4.4, 12, 7.0)]
    public void KernelIsTheApertureCoverage(double r, int blades, double rot)
    {
        var k = new BokehKernel(r, new ApertureShape(blades, (float)rot));
        var reference = LensBlurReference.Kernel(r, blades, rot);
        int e = k.Extent, re = reference.GetLength(0) / 2;
        double sum = 0, maxDiff = 0;
        for (int dy = -re; dy <= re; dy++)
            for (int dx = -re; dx <= re; dx++)
            {
                double kv = Math.Abs(dx) <= e && Math.Abs(dy) <= e ? k.Weights[dy + e, dx + e] : 0;
                sum += kv;
                maxDiff = Math.Max(maxDiff, Math.Abs(kv - reference[dy + re, dx + re]));
            }
        TestContext.Out.WriteLine($"r={r} blades={blades}: max weight difference {maxDiff:E2}, taps {k.TapCount} for {(2 * e + 1) * (2 * e + 1)} pixels");
        Assert.That(sum, Is.EqualTo(1.0).Within(1e-12));
        // Point sampling at 64×64 per pixel misjudges a rim pixel's coverage by at most ~1/64 of its area.
        Assert.That(maxDiff, Is.LessThan(1.0 / 64 / Math.Max(1, Math.PI * r * r * (blades == 0 ? 1 : 0.4))));
        if (r <= 0.5) Assert.That(k.Weights[e, e], Is.EqualTo(1.0), "r ≤ 0.5 is the identity");
    }

    [Test]
    public void GatherTapsCostLinearNotQuadraticInRadius()
    {
        foreach (var (r, blades) in new[] { (16.0, 0), (64.0, 0), (128.0, 0), (64.0, 6), (128.0, 5) })
        {
            var k = new BokehKernel(r, new ApertureShape(blades, 10f));
            TestContext.Out.WriteLine($"r={r} blades={blades}: {k.TapCount} taps = {k.TapCount / r:F1} r");
            Assert.That(k.TapCount, Is.LessThan(14 * r), "O(r) reads per output pixel");
        }
    }

    // ---------------------------------------------------------------- constant depth = convolution

    [TestCase(0, 0f)]
    [TestCase(6, 15f)]
    [TestCase(5, 0f)]
    public void ConstantDepthIsExactApertureConvolution(int blades, float rot)
    {
        int w = 96, h = 80;
        var img = Texture(w, h, 1);
        var depth = Plane.Filled(w, h, 0.2f);
        var o = new LensBlurOptions { Focus = 0.8f, Aperture = 10.5f, Blades = blades, Rotation = rot };
        var res = Render(img, depth, o);
        double r = Math.Abs(10.5f * (0.2f - 0.8f));
        var k = LensBlurReference.Kernel(r, blades, rot);
        int margin = (int)Math.Ceiling(r) + 1;
        var (refC, _) = Reference(img, depth, 0.8f, 10.5f, blades, rot);
        for (int c = 0; c < 3; c++)
        {
            var conv = LensBlurReference.Convolve(TestData.ToArray(img.Channels[c]), k);
            double psnr = Psnr(res.Channels[c], conv, margin);
            double maxd = MaxDiff(res.Channels[c], conv, (x, y) => x >= margin && y >= margin && x < w - margin && y < h - margin);
            double maxAll = MaxDiff(res.Channels[c], refC[c]);
            TestContext.Out.WriteLine($"channel {c}: interior vs exact convolution PSNR {psnr:F1} dB, max diff {maxd:E2}; whole image vs reference max diff {maxAll:E2}");
            Assert.That(psnr, Is.GreaterThan(70));
            Assert.That(maxd, Is.LessThan(5e-4));
            Assert.That(maxAll, Is.LessThan(5e-4), "borders: kernel renormalised like the reference");
        }
    }

    // ---------------------------------------------------------------- in focus

    [Test]
    public void InFocusPlaneIsUntouchedBitForBit()
    {
        int w = 70, h = 50;
        foreach (var transfer in new[] { Transfer.Linear, Transfer.Srgb })
        {
            var lin = Texture(w, h, 2, alpha: true);
            var img = new Image(lin.Channels, lin.Alpha, transfer);
            var depth = Plane.Filled(w, h, 0.37f);
            var res = Render(img, depth, new LensBlurOptions { Focus = 0.37f, Aperture = 40, HighlightGain = 5, HighlightThreshold = 0.1f });
            for (int c = 0; c < 3; c++) Assert.That(res.Channels[c].Data, Is.EqualTo(img.Channels[c].Data), $"{transfer} channel {c}");
            Assert.That(res.Alpha!.Data, Is.EqualTo(img.Alpha!.Data));
            Assert.That(res.Transfer, Is.EqualTo(transfer));
        }
    }

    // ---------------------------------------------------------------- occlusion

    /// <summary>Background texture at depth 0.2, a disk-shaped object of one colour at depth 0.8 in the middle.</summary>
    static (Image Img, Plane Depth, Func<int, int, double> Dist) TwoPlanes(int w, int h, int seed)
    {
        var bg = Texture(w, h, seed);
        double cx = w / 2.0 - 0.3, cy = h / 2.0 + 0.2, rad = Math.Min(w, h) / 4.0;
        var depth = new Plane(w, h);
        float[] fg = [0.9f, 0.15f, 0.1f];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                bool inside = (x - cx) * (x - cx) + (y - cy) * (y - cy) <= rad * rad;
                depth[x, y] = inside ? 0.8f : 0.2f;
                if (inside) for (int c = 0; c < 3; c++) bg.Channels[c][x, y] = fg[c];
            }
        return (bg, depth, (x, y) => Math.Sqrt((x - cx) * (x - cx) + (y - cy) * (y - cy)) - rad);
    }

    [Test]
    public void SharpForegroundOverBlurredBackgroundKeepsACrispEdge()
    {
        int w = 90, h = 80;
        var (img, depth, dist) = TwoPlanes(w, h, 3);
        var o = new LensBlurOptions { Focus = 0.8f, Aperture = 15 }; // background r = 9, object in focus
        var res = Render(img, depth, o);
        var (refC, _) = Reference(img, depth, 0.8f, 15);
        double r = 9;
        bool Band(int x, int y) => Math.Abs(dist(x, y)) <= r + 1;
        for (int c = 0; c < 3; c++)
        {
            // The object itself is untouched.
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    if (depth[x, y] == 0.8f) Assert.That(res.Channels[c][x, y], Is.EqualTo(img.Channels[c][x, y]), $"object pixel ({x},{y})");
            double band = MaxDiff(res.Channels[c], refC[c], Band);
            TestContext.Out.WriteLine($"channel {c}: max diff vs reference in the ±{r + 1} px band {band:E2}");
            Assert.That(band, Is.LessThan(2e-3));
            // No fringe: around the edge nothing darker or brighter than the two sides, and no object colour on the background side.
            double lo = double.MaxValue, hi = double.MinValue;
            for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) if (Band(x, y)) { lo = Math.Min(lo, img.Channels[c][x, y]); hi = Math.Max(hi, img.Channels[c][x, y]); }
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    if (Band(x, y)) Assert.That(res.Channels[c][x, y], Is.InRange(lo - 1e-5, hi + 1e-5), $"fringe at ({x},{y})");
        }
    }

    [Test]
    public void BlurredForegroundBleedsOverSharpBackground()
    {
        int w = 90, h = 80;
        var (img, depth, dist) = TwoPlanes(w, h, 4);
        var o = new LensBlurOptions { Focus = 0.2f, Aperture = 12 }; // background sharp, object r = 7.2
        var res = Render(img, depth, o);
        var (refC, _) = Reference(img, depth, 0.2f, 12);
        for (int c = 0; c < 3; c++)
        {
            double all = MaxDiff(res.Channels[c], refC[c]);
            TestContext.Out.WriteLine($"channel {c}: max diff vs reference {all:E2}");
            Assert.That(all, Is.LessThan(2e-3));
        }
        // Bleed: background pixels 3 px outside the object's edge are a mix of background and object colour with a clear
        // share f of the object (least squares over the channels); pixels beyond the object's CoC are untouched.
        float[] fg = [0.9f, 0.15f, 0.1f];
        int bleed = 0, untouched = 0, near = 0, far = 0;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                double d = dist(x, y);
                if (d > 2.5 && d < 3.5)
                {
                    double num = 0, den = 0;
                    for (int c = 0; c < 3; c++)
                    {
                        double bg = img.Channels[c][x, y];
                        num += (res.Channels[c][x, y] - bg) * (fg[c] - bg);
                        den += (fg[c] - bg) * (fg[c] - bg);
                    }
                    if (den < 0.05) continue; // background too close to the object's colour to tell
                    near++;
                    if (num / den > 0.1) bleed++;
                }
                if (d > 8.5) { far++; if (res.Channels[0][x, y] == img.Channels[0][x, y]) untouched++; }
            }
        TestContext.Out.WriteLine($"{bleed} of {near} pixels 3 px outside the object show its colour");
        Assert.That(near, Is.GreaterThan(50));
        Assert.That(bleed, Is.EqualTo(near), "foreground spreads over the sharp background");
        Assert.That(untouched, Is.EqualTo(far), "background beyond the CoC stays exactly as it was");
    }

    /// <summary>A random background depth with 2..4 rectangles (sides minSide + up to extra pixels) at random depths.</summary>
    static Plane RectanglesDepth(int w, int h, Random rng, int minSide, int extra)
    {
        var depth = Plane.Filled(w, h, (float)rng.NextDouble());
        int n = 2 + rng.Next(3);
        for (int k = 0; k < n; k++)
        {
            int x0 = rng.Next(w - 2 * minSide), y0 = rng.Next(h - 2 * minSide);
            int x1 = x0 + minSide + rng.Next(extra), y1 = y0 + minSide + rng.Next(extra);
            float d = (float)rng.NextDouble();
            for (int y = y0; y < Math.Min(h, y1); y++) for (int x = x0; x < Math.Min(w, x1); x++) depth[x, y] = d;
        }
        return depth;
    }

    [Test]
    public void RandomLayeredScenesMatchTheReference([Values(5, 6, 7)] int seed)
    {
        // Rectangles at 2..4 distinct depths over a background, focus somewhere in between, with alpha.
        int w = 64, h = 56;
        var rng = new Random(seed);
        var img = Texture(w, h, seed, alpha: seed % 2 == 1);
        var depth = RectanglesDepth(w, h, rng, minSide: 5, extra: 30);
        var o = new LensBlurOptions { Focus = 0.5f, Aperture = 14, Blades = seed == 6 ? 7 : 0, Rotation = 20 };
        var res = Render(img, depth, o);
        var (refC, refA) = Reference(img, depth, 0.5f, 14, o.Blades, 20);
        for (int c = 0; c < 3; c++)
        {
            double d = MaxDiff(res.Channels[c], refC[c], (x, y) => refA[y, x] > 0.05);
            TestContext.Out.WriteLine($"channel {c}: max diff {d:E2}");
            Assert.That(d, Is.LessThan(2e-3));
        }
        if (img.Alpha != null) Assert.That(MaxDiff(res.Alpha!, refA), Is.LessThan(2e-3));
    }

    [Test]
    public void TilesHiddenBehindAnOpaqueLayerMatchTheReference()
    {
        // Large enough that whole tiles (128×64 plus the kernel extent) lie inside one constant-depth region: the renderer
        // then skips the occupancy gather of that layer and every layer behind it. A blurred near rectangle (r = 3.6)
        // over a far background (r = 5.4) and a sharp one over the same background must still match the reference.
        int w = 420, h = 260;
        var img = Texture(w, h, 21);
        var depth = Plane.Filled(w, h, 0.2f);
        for (int y = 20; y < 240; y++) for (int x = 30; x < 380; x++) depth[x, y] = 0.8f;
        foreach (float focus in new[] { 0.5f, 0.8f })
        {
            var o = new LensBlurOptions { Focus = focus, Aperture = 12 };
            var res = Render(img, depth, o);
            var (refC, _) = Reference(img, depth, focus, 12);
            for (int c = 0; c < 3; c++)
            {
                double d = MaxDiff(res.Channels[c], refC[c]);
                TestContext.Out.WriteLine($"focus {focus} channel {c}: max diff {d:E2}");
                Assert.That(d, Is.LessThan(2e-3));
            }
            var k = LensBlurReference.Kernel(Math.Abs(12f * (0.8f - focus)), 0, 0);
            var conv = LensBlurReference.Convolve(TestData.ToArray(img.Channels[1]), k);
            double inner = MaxDiff(res.Channels[1], conv, (x, y) => x >= 50 && x < 360 && y >= 40 && y < 220);
            TestContext.Out.WriteLine($"focus {focus}: inside the rectangle vs plain convolution {inner:E2}");
            Assert.That(inner, Is.LessThan(5e-4));
        }
    }

    // ---------------------------------------------------------------- large radii on coarse grids

    /// <summary>Two planes: a textured background at depth 0.2 with alpha where asked, a disk of one colour at 0.8.</summary>
    static (Image Img, Plane Depth, Func<int, int, double> Dist) TwoPlanesWithAlpha(int w, int h, int seed, bool alpha)
    {
        var (img, depth, dist) = TwoPlanes(w, h, seed);
        return alpha ? (new Image(img.Channels, Texture(w, h, seed, alpha: true).Alpha, Transfer.Linear), depth, dist) : (img, depth, dist);
    }

    static IEnumerable<TestCaseData> CoarseScenes()
    {
        // (focus, aperture): the background (0.2) and the disk (0.8) get CoC aperture × |d − focus|.
        yield return new TestCaseData(0.8f, 40f, 0, false).SetName("{m}(sharp disk over background at r 24, grid 2)");
        yield return new TestCaseData(0.2f, 34f, 0, true).SetName("{m}(disk at r 20.4 over sharp background, alpha, grid 2)");
        yield return new TestCaseData(0.5f, 140f, 0, false).SetName("{m}(both at r 42, grid 4)");
        yield return new TestCaseData(0.05f, 100f, 6, false).SetName("{m}(background r 15 full, disk r 75 grid 8, hexagon)");
    }

    [TestCaseSource(nameof(CoarseScenes))]
    public void CoarseLayersMatchTheirModel(float focus, float aperture, int blades, bool alpha)
    {
        // The default mode against the float64 reference of the same model (splat on the coarse grid, bokeh of radius r/s
        // there, bilinear back): the implementation of the approximation, held to the same 2e-3 as the exact path.
        int w = 150, h = 110;
        var (img, depth, _) = TwoPlanesWithAlpha(w, h, 17, alpha);
        var o = new LensBlurOptions { Focus = focus, Aperture = aperture, Blades = blades, Rotation = 15 };
        var res = Render(img, depth, o);
        var (refC, refA) = Reference(img, depth, focus, aperture, blades, 15, coarse: true);
        for (int c = 0; c < 3; c++)
        {
            double d = MaxDiff(res.Channels[c], refC[c], (x, y) => refA[y, x] > 0.05);
            TestContext.Out.WriteLine($"channel {c}: max diff vs the coarse model {d:E2}");
            Assert.That(d, Is.LessThan(2e-3));
        }
        if (alpha) Assert.That(MaxDiff(res.Alpha!, refA), Is.LessThan(2e-3));
    }

    [Test]
    public void RandomLayeredScenesWithLargeRadiiMatchTheirModel([Values(31, 32)] int seed)
    {
        // Rectangles at 2..4 depths, CoC up to 35 px: layers at full resolution and on grids 2 and 4 side by side.
        int w = 120, h = 100;
        var rng = new Random(seed);
        var img = Texture(w, h, seed, alpha: seed % 2 == 1);
        var depth = RectanglesDepth(w, h, rng, minSide: 10, extra: 50);
        var o = new LensBlurOptions { Focus = 0.5f, Aperture = 70, Blades = seed == 32 ? 7 : 0, Rotation = 20 };
        var res = Render(img, depth, o);
        var (refC, refA) = Reference(img, depth, 0.5f, 70, o.Blades, 20, coarse: true);
        for (int c = 0; c < 3; c++)
        {
            double d = MaxDiff(res.Channels[c], refC[c], (x, y) => refA[y, x] > 0.05);
            TestContext.Out.WriteLine($"channel {c}: max diff {d:E2}");
            Assert.That(d, Is.LessThan(2e-3));
        }
        if (img.Alpha != null) Assert.That(MaxDiff(res.Alpha!, refA), Is.LessThan(2e-3));
    }

    [TestCase(20.0)]
    [TestCase(40.0)]
    [TestCase(72.0)]
    public void CoarseGridErrorAgainstTheExactBokehIsBounded(double r)
    {
        // What the approximation costs: constant depth at CoC r (grid 2, 4, 8) against the exact disk convolution of the
        // float64 reference, in the interior. The coarse operator is the exact one with its rim softened, so on this
        // texture (hard edges, 0..1) the error stays small: PSNR > 55 dB and max difference < 0.01 (measured 60 dB and
        // 3.6–4.1e-3 at r = 20, 40, 72).
        int s = LensBlurReference.CoarseScale(r), margin = (int)Math.Ceiling(LightReach(r, false)) + 1;
        int w = 2 * margin + 48, h = 2 * margin + 40;
        var img = Texture(w, h, 23);
        var depth = Plane.Filled(w, h, 0f);
        var res = Render(img, depth, new LensBlurOptions { Focus = 1f, Aperture = (float)r });
        var k = LensBlurReference.Kernel(r, 0, 0);
        int e = k.GetLength(0) / 2;
        double se = 0, maxd = 0;
        int count = 0;
        for (int c = 0; c < 3; c++)
        {
            var src = TestData.ToArray(img.Channels[c]);
            for (int y = margin; y < h - margin; y++)
                for (int x = margin; x < w - margin; x++)
                {
                    double exact = 0;
                    for (int dy = -e; dy <= e; dy++)
                        for (int dx = -e; dx <= e; dx++)
                        {
                            double kw = k[dy + e, dx + e];
                            if (kw != 0) exact += kw * src[y - dy, x - dx];
                        }
                    double d = res.Channels[c][x, y] - exact;
                    se += d * d;
                    maxd = Math.Max(maxd, Math.Abs(d));
                    count++;
                }
        }
        double psnr = 10 * Math.Log10(1 / (se / count));
        TestContext.Out.WriteLine($"r={r} (grid {s}): interior vs exact disk convolution PSNR {psnr:F1} dB, max diff {maxd:E2}");
        Assert.That(s, Is.GreaterThan(1));
        Assert.That(psnr, Is.GreaterThan(55));
        Assert.That(maxd, Is.LessThan(0.01));
    }

    [Test]
    public void SharpForegroundOverCoarseBackgroundKeepsACrispEdge()
    {
        // The no-halo scene of SharpForegroundOverBlurredBackgroundKeepsACrispEdge at r = 24 (grid 2): the object stays
        // bit for bit, nothing in the band around it leaves the range of the two sides, and the band differs from the
        // exact reference only by the softened rim of the background's bokeh (< 0.01; measured 3.0–3.4e-3).
        int w = 150, h = 130;
        var (img, depth, dist) = TwoPlanes(w, h, 3);
        var o = new LensBlurOptions { Focus = 0.8f, Aperture = 40 };
        var res = Render(img, depth, o);
        var (refC, _) = Reference(img, depth, 0.8f, 40, coarse: false);
        double r = 24;
        bool Band(int x, int y) => Math.Abs(dist(x, y)) <= r + 1;
        for (int c = 0; c < 3; c++)
        {
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    if (depth[x, y] == 0.8f) Assert.That(res.Channels[c][x, y], Is.EqualTo(img.Channels[c][x, y]), $"object pixel ({x},{y})");
            double band = MaxDiff(res.Channels[c], refC[c], Band);
            TestContext.Out.WriteLine($"channel {c}: max diff vs the exact reference in the ±{r + 1} px band {band:E2}");
            Assert.That(band, Is.LessThan(0.01));
            double lo = double.MaxValue, hi = double.MinValue;
            for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) if (Band(x, y)) { lo = Math.Min(lo, img.Channels[c][x, y]); hi = Math.Max(hi, img.Channels[c][x, y]); }
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    if (Band(x, y)) Assert.That(res.Channels[c][x, y], Is.InRange(lo - 1e-5, hi + 1e-5), $"fringe at ({x},{y})");
        }
    }

    // ---------------------------------------------------------------- highlights and bokeh shape

    static Image Point(int w, int h, float value, int px, int py)
    {
        var planes = new[] { new Plane(w, h), new Plane(w, h), new Plane(w, h) };
        foreach (var p in planes) p[px, py] = value;
        return new Image(planes, null, Transfer.Linear);
    }

    // Radii below 16 px are blurred at full resolution in either mode; 30 px only when asked to (the default mode's
    // coarse grid is held to its own bounds in CoarseHighlightKeepsEnergyRadiusAndHeight).
    [TestCase(3.2, false)]
    [TestCase(12.5, false)]
    [TestCase(30.0, true)]
    public void SingleHighlightBecomesADiskOfRadiusR(double r, bool fullResolution)
    {
        // At least 2r from the border: nearer the border the kernel is renormalised (as it must be) and the sum grows.
        int size = 4 * (int)r + 11, c0 = size / 2;
        var img = Point(size, size, 1f, c0, c0);
        var res = Render(img, Plane.Filled(size, size, 0f), new LensBlurOptions { Focus = 1f, Aperture = (float)r, FullResolution = fullResolution });
        var p = res.Channels[1];
        double energy = p.Data.Sum(v => (double)v);
        double peak = p.Data.Max();
        int covered = 0;
        double maxDist = 0;
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                if (p[x, y] >= 0.5 * peak) covered++;
                if (p[x, y] > 0) maxDist = Math.Max(maxDist, Math.Sqrt((x - c0) * (x - c0) + (y - c0) * (y - c0)));
            }
        double measured = Math.Sqrt(covered / Math.PI);
        TestContext.Out.WriteLine($"r={r}: energy {energy:F6}, radius from area {measured:F3}, farthest lit pixel {maxDist:F2}, peak {peak:E3} vs 1/πr² {1 / (Math.PI * r * r):E3}");
        Assert.That(energy, Is.EqualTo(1.0).Within(1e-5));
        Assert.That(measured, Is.EqualTo(r).Within(0.25));
        Assert.That(maxDist, Is.LessThanOrEqualTo(r + Math.Sqrt(0.5)));
        Assert.That(maxDist, Is.GreaterThan(r - 1));
        Assert.That(peak, Is.EqualTo(1 / (Math.PI * r * r)).Within(1e-6 + 1e-3 / (Math.PI * r * r)), "flat disk of the right height");
    }

    /// <summary>Extent of the bokeh along each direction (degrees counter-clockwise from +x, y up): where the bilinearly
    /// interpolated image first falls below half its peak, located to 1/100 px.</summary>
    static double[] AngularExtent(Plane p, int c0, double step)
    {
        double peak = p.Data.Max();
        double Sample(double x, double y)
        {
            int xi = (int)Math.Floor(x), yi = (int)Math.Floor(y);
            double fx = x - xi, fy = y - yi;
            double At(int i, int j) => i < 0 || j < 0 || i >= p.Width || j >= p.Height ? 0 : p[i, j];
            return (1 - fy) * ((1 - fx) * At(xi, yi) + fx * At(xi + 1, yi)) + fy * ((1 - fx) * At(xi, yi + 1) + fx * At(xi + 1, yi + 1));
        }
        int n = (int)(360 / step);
        var ext = new double[n];
        for (int i = 0; i < n; i++)
        {
            double a = i * step * Math.PI / 180;
            double t = 0;
            while (Sample(c0 + (t + 0.01) * Math.Cos(a), c0 - (t + 0.01) * Math.Sin(a)) >= 0.5 * peak) t += 0.01;
            ext[i] = t;
        }
        return ext;
    }

    [TestCase(3, 0f, true)]
    [TestCase(5, 10f, true)]
    [TestCase(6, 0f, true)]
    [TestCase(7, -25f, true)]
    [TestCase(9, 33f, true)]
    [TestCase(3, 0f, false)]
    [TestCase(5, 10f, false)]
    [TestCase(6, 0f, false)]
    [TestCase(7, -25f, false)]
    [TestCase(9, 33f, false)]
    public void BladeCountShowsInTheBokeh(int blades, float rot, bool fullResolution)
    {
        // r = 24: at full resolution when asked, otherwise on the grid twice as coarse (LensBlurReference.CoarseScale), which
        // rounds the vertices by up to about s = 2 px (the half-peak contour of a corner blurred over ±2s retreats); the
        // blade count, orientation and the straight edges (apothem) are held to the same bounds in both modes.
        double r = 24;
        int scale = fullResolution ? 1 : LensBlurReference.CoarseScale(r);
        int size = 4 * (int)r + 11, c0 = size / 2;
        var img = Point(size, size, 1f, c0, c0);
        var res = Render(img, Plane.Filled(size, size, 0f), new LensBlurOptions { Focus = 1f, Aperture = (float)r, Blades = blades, Rotation = rot, FullResolution = fullResolution });
        var p = res.Channels[0];
        Assert.That(p.Data.Sum(v => (double)v), Is.EqualTo(1.0).Within(1e-5), "energy");
        double step = 0.25;
        var ext = AngularExtent(p, c0, step);
        int n = ext.Length;
        // Vertices: strict local maxima of the extent over a ±(180/N)° neighbourhood.
        int half = (int)(180.0 / blades / step) - 1;
        var vertices = new List<double>();
        for (int i = 0; i < n; i++)
        {
            bool max = true;
            for (int d = -half; d <= half && max; d++)
                if (d != 0 && ext[(i + d + n) % n] > ext[i] || (d < 0 && ext[(i + d + n) % n] == ext[i])) max = false;
            if (max) vertices.Add(i * step);
        }
        // Angular energy profile: the strongest harmonic of the extent is the blade count, and its phase the rotation.
        var power = new double[15];
        double re = 0, im = 0;
        for (int m = 2; m < power.Length; m++)
        {
            double cr = 0, ci = 0;
            for (int i = 0; i < n; i++)
            {
                double a = m * i * step * Math.PI / 180;
                cr += ext[i] * Math.Cos(a);
                ci += ext[i] * Math.Sin(a);
            }
            power[m] = cr * cr + ci * ci;
            if (m == blades) (re, im) = (cr, ci);
        }
        int strongest = Array.IndexOf(power, power.Max());
        double phase = Math.Atan2(im, re) * 180 / Math.PI / blades; // a vertex direction, modulo 360/N
        double period = 360.0 / blades;
        double rel = ((phase - 90 - rot) % period + period) % period;
        double phaseErr = Math.Min(rel, period - rel);
        TestContext.Out.WriteLine($"blades {blades} rot {rot}: vertices at {string.Join(", ", vertices.Select(v => v.ToString("F2")))}; " +
            $"strongest harmonic {strongest}, vertex phase off by {phaseErr:F2}°; extent {ext.Min():F2}..{ext.Max():F2}");
        Assert.That(vertices.Count, Is.EqualTo(blades));
        Assert.That(strongest, Is.EqualTo(blades));
        Assert.That(phaseErr, Is.LessThan(1.0), "vertex directions follow the rotation (vertex up at 0°)");
        foreach (var v in vertices)
        {
            double vr = ((v - 90 - rot) % period + period) % period;
            Assert.That(Math.Min(vr, period - vr), Is.LessThan(3), $"vertex at {v}°");
        }
        if (scale == 1) Assert.That(ext.Max(), Is.EqualTo(r).Within(0.5), "vertices at the circumradius");
        else Assert.That(ext.Max(), Is.InRange(r - 0.5 - scale, r + 0.5), "vertices at the circumradius, rounded by at most the grid step");
        Assert.That(ext.Min(), Is.EqualTo(r * Math.Cos(Math.PI / blades)).Within(0.3), "edges at the apothem");
    }

    [Test]
    public void DiskBokehIsRound()
    {
        double r = 24;
        int size = 4 * (int)r + 11, c0 = size / 2;
        var res = Render(Point(size, size, 1f, c0, c0), Plane.Filled(size, size, 0f), new LensBlurOptions { Focus = 1f, Aperture = (float)r });
        var ext = AngularExtent(res.Channels[0], c0, 0.5);
        TestContext.Out.WriteLine($"disk extent {ext.Min():F2}..{ext.Max():F2}");
        Assert.That(ext.Max(), Is.LessThan(r + 0.3));
        Assert.That(ext.Min(), Is.GreaterThan(r - 0.3));
    }

    /// <summary>How far a highlight of CoC radius r spreads its light (pixels from its centre): its rim pixels reach
    /// r + 0.71; on the coarse grid of scale s the rim pixels are s times larger and the splat and the interpolation
    /// each add up to s√2.</summary>
    static double LightReach(double r, bool fullResolution)
    {
        int s = fullResolution ? 1 : LensBlurReference.CoarseScale(r);
        return s == 1 ? r + Math.Sqrt(0.5) : r + (Math.Sqrt(0.5) + 2 * Math.Sqrt(2)) * s;
    }

    [TestCase(true)]
    [TestCase(false)]
    public void EnergyIsConservedAtEveryDepth(bool fullResolution)
    {
        // Highlights of different brightness at different depths (CoC 20 px: coarse grid s = 2 in the default mode; 8 px),
        // far apart: each becomes a bokeh of its own radius holding exactly its own energy (checked in a box reaching as
        // far as its light can), and the total is preserved.
        // Each spot lies on its own constant-depth square reaching twice that (+ 2) around it and at least that far from
        // the border and the other squares (where layers meet, or at the border, coverage below 1 is renormalised and the
        // local sum is not the input's).
        var spots = new[] { (v: 1f, d: 0.0f), (v: 0.5f, d: 0.3f), (v: 0.8f, d: 1.0f), (v: 0.25f, d: 0.7f) };
        var box = spots.Select(sp => (int)Math.Ceiling(LightReach(40 * Math.Abs(sp.d - 0.5), fullResolution)) + 1).ToArray();
        var half = box.Select(b => 2 * b + 2).ToArray();
        // Squares side by side with a gap as wide as the farthest any light (or a near square's blurred silhouette) reaches.
        int gap = box.Max();
        int h = 2 * half.Max() + 3, w = half.Sum(v => 2 * v + 1 + gap) + 2;
        var xs = new int[spots.Length];
        for (int i = 0, x = 1; i < spots.Length; x += 2 * half[i] + 1 + gap, i++) xs[i] = x + half[i];
        int yc = h / 2;
        var planes = new[] { new Plane(w, h), new Plane(w, h), new Plane(w, h) };
        var depth = Plane.Filled(w, h, 0.5f);
        for (int i = 0; i < spots.Length; i++)
        {
            foreach (var p in planes) p[xs[i], yc] = spots[i].v;
            for (int y = yc - half[i]; y <= yc + half[i]; y++)
                for (int x = xs[i] - half[i]; x <= xs[i] + half[i]; x++) depth[x, y] = spots[i].d;
        }
        var img = new Image(planes, null, Transfer.Linear);
        var res = Render(img, depth, new LensBlurOptions { Focus = 0.5f, Aperture = 40, Blades = 6, FullResolution = fullResolution });
        for (int i = 0; i < spots.Length; i++)
        {
            double e = 0;
            for (int y = yc - box[i]; y <= yc + box[i]; y++)
                for (int x = xs[i] - box[i]; x <= xs[i] + box[i]; x++) e += res.Channels[2][x, y];
            TestContext.Out.WriteLine($"spot at depth {spots[i].d}: energy {e:F6} (input {spots[i].v}) within ±{box[i]} px");
            Assert.That(e, Is.EqualTo(spots[i].v).Within(1e-5 + 1e-5 * spots[i].v));
        }
    }

    [TestCase(30.0)]
    [TestCase(45.0)]
    [TestCase(90.0)]
    public void CoarseHighlightKeepsEnergyRadiusAndHeight(double r)
    {
        // The default mode blurs these radii on grids 2, 4 and 8 times coarser. The disk keeps its energy, its area
        // (radius from the half-peak area) and its flat top; its rim is softened: light reaches at most LightReach(r) and
        // the share beyond the exact rim (r + 0.71) stays under 0.6·s/r (the rim band is ~s wide; measured 1.8 % at r/s = 15,
        // 3.7–4.3 % at r/s = 11.25).
        int s = LensBlurReference.CoarseScale(r);
        Assert.That(s, Is.GreaterThan(1));
        int size = 4 * (int)r + 11 + 8 * s, c0 = size / 2;
        var img = Point(size, size, 1f, c0, c0);
        var res = Render(img, Plane.Filled(size, size, 0f), new LensBlurOptions { Focus = 1f, Aperture = (float)r });
        var p = res.Channels[1];
        double energy = p.Data.Sum(v => (double)v);
        double peak = p.Data.Max();
        int covered = 0;
        double maxDist = 0, outside = 0;
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                double d = Math.Sqrt((x - c0) * (x - c0) + (y - c0) * (y - c0));
                if (p[x, y] >= 0.5 * peak) covered++;
                if (p[x, y] > 0) maxDist = Math.Max(maxDist, d);
                if (d > r + Math.Sqrt(0.5)) outside += p[x, y];
            }
        double measured = Math.Sqrt(covered / Math.PI);
        TestContext.Out.WriteLine($"r={r} (grid {s}): energy {energy:F6}, radius from area {measured:F3}, farthest lit pixel {maxDist:F2} (bound {LightReach(r, false):F2}), " +
            $"light beyond r + 0.71: {outside:P2} (bound {0.6 * s / r:P2}), peak {peak:E4} vs 1/πr² {1 / (Math.PI * r * r):E4}");
        Assert.That(energy, Is.EqualTo(1.0).Within(1e-5));
        Assert.That(measured, Is.EqualTo(r).Within(0.25));
        Assert.That(maxDist, Is.LessThanOrEqualTo(LightReach(r, false)));
        Assert.That(outside, Is.LessThan(0.6 * s / r));
        Assert.That(peak, Is.EqualTo(1 / (Math.PI * r * r)).Within(1e-6 + 1e-3 / (Math.PI * r * r)), "flat disk of the right height");
    }

    [Test]
    public void HighlightGainBoostsOnlyBlurredLightAboveTheThreshold()
    {
        int size = 41, c0 = 20;
        var img = Point(size, size, 0.9f, c0, c0);
        var o = new LensBlurOptions { Focus = 1f, Aperture = 8, HighlightThreshold = 0.5f, HighlightGain = 3f };
        var res = Render(img, Plane.Filled(size, size, 0f), o);
        double e = res.Channels[0].Data.Sum(v => (double)v);
        // Luminance 0.9 → 0.5 + 4 × 0.4 = 2.1, colour scaled by 2.1 / 0.9.
        Assert.That(e, Is.EqualTo(2.1).Within(1e-5));
        var sharp = Render(img, Plane.Filled(size, size, 1f), o);
        Assert.That(sharp.Channels[0][c0, c0], Is.EqualTo(0.9f), "in focus: no boost");
    }

    // ---------------------------------------------------------------- colour, alpha, formats

    [Test]
    public void ColoursMixInLinearLight()
    {
        // A one-pixel black/white checkerboard stored sRGB-encoded: blurred, it is half the light (sRGB 0.735), not sRGB 0.5.
        int w = 60, h = 60;
        var p = new Plane(w, h);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) p[x, y] = (x + y) % 2;
        var img = new Image([p, p.Clone(), p.Clone()], null, Transfer.Srgb);
        var res = Render(img, Plane.Filled(w, h, 0f), new LensBlurOptions { Focus = 1f, Aperture = 8 });
        Assert.That(res.Transfer, Is.EqualTo(Transfer.Srgb));
        for (int y = 20; y < 40; y++)
            for (int x = 20; x < 40; x++)
                Assert.That(res.Channels[0][x, y], Is.EqualTo(ColorSpace.LinearToSrgb(0.5f)).Within(0.01f));
    }

    [Test]
    public void AlphaIsBlurredPremultiplied()
    {
        // Opaque red next to fully transparent green: the green must not bleed into the blur (its light is zero).
        int w = 50, h = 30;
        var r = new Plane(w, h); var g = new Plane(w, h); var b = new Plane(w, h); var a = new Plane(w, h);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                bool left = x < w / 2;
                r[x, y] = left ? 1f : 0f;
                g[x, y] = left ? 0f : 1f;
                a[x, y] = left ? 1f : 0f;
            }
        var img = new Image([r, g, b], a, Transfer.Linear);
        var res = Render(img, Plane.Filled(w, h, 0f), new LensBlurOptions { Focus = 1f, Aperture = 6 });
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                if (res.Alpha![x, y] <= 1e-4f) continue;
                Assert.That(res.Channels[1][x, y], Is.EqualTo(0f).Within(1e-4f), "no colour from transparent pixels");
                Assert.That(res.Channels[0][x, y], Is.EqualTo(1f).Within(1e-4f), "straight colour stays red");
            }
        // The kernel is symmetric, so alpha either side of the edge sums to 1, and it ramps over the CoC.
        Assert.That(res.Alpha![w / 2 - 1, h / 2] + res.Alpha![w / 2, h / 2], Is.EqualTo(1f).Within(1e-4f), "alpha is blurred across the edge");
        Assert.That(res.Alpha![w / 2 + 3, h / 2], Is.InRange(0.01f, 0.3f));
        var (refC, refA) = Reference(img, Plane.Filled(w, h, 0f), 1f, 6);
        Assert.That(MaxDiff(res.Alpha!, refA), Is.LessThan(2e-3));
    }

    [Test]
    public void OpaqueAlphaGivesTheResultWithoutAlpha()
    {
        // An alpha plane of ones everywhere (any 8-bit RGBA photo) is not blurred as a channel of its own: the colour must
        // equal the render without alpha bit for bit, and the output alpha stays 1.
        int w = 90, h = 70;
        var (img, depth, _) = TwoPlanes(w, h, 14);
        var opaque = new Image(img.Channels, Plane.Filled(w, h, 1f), Transfer.Srgb);
        var bare = new Image(img.Channels, null, Transfer.Srgb);
        var o = new LensBlurOptions { Focus = 0.8f, Aperture = 50 }; // background r = 30: a coarse layer too
        var a = Render(opaque, depth, o);
        var b = Render(bare, depth, o);
        for (int c = 0; c < 3; c++) Assert.That(a.Channels[c].Data, Is.EqualTo(b.Channels[c].Data), $"channel {c}");
        Assert.That(a.Alpha!.Data.All(v => v == 1f), "alpha stays 1");
    }

    [Test]
    public void OutputStaysWithinTheInputRangeOnRampsAndSteps()
    {
        // Any scene without highlight boost: every output is a weighted mean of input colours.
        var rng = new Random(11);
        int w = 120, h = 90;
        var img = Texture(w, h, 11);
        var depth = new Plane(w, h);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) depth[x, y] = (float)(x / (double)w + (y > h / 2 && x > w / 3 ? 0.4 : 0) + 0.02 * rng.NextDouble());
        var res = Render(img, depth, new LensBlurOptions { Focus = 0.6f, Aperture = 25, Blades = 0 });
        for (int c = 0; c < 3; c++)
        {
            float lo = img.Channels[c].Data.Min(), hi = img.Channels[c].Data.Max();
            foreach (var v in res.Channels[c].Data) Assert.That(v, Is.InRange(lo - 1e-5f, hi + 1e-5f));
        }
    }

    // ---------------------------------------------------------------- caller buffers

    static IEnumerable<TestCaseData> RawCases()
    {
        yield return new TestCaseData(PixelFormat.Rgba8, AlphaMode.Straight, PixelFormat.Rgba8, AlphaMode.Straight, false, false).SetName("{m}(RGBA8, opaque)");
        yield return new TestCaseData(PixelFormat.Rgba8, AlphaMode.Straight, PixelFormat.Rgba8, AlphaMode.Straight, true, true).SetName("{m}(RGBA8, translucent, in place)");
        yield return new TestCaseData(PixelFormat.Bgra8, AlphaMode.Premultiplied, PixelFormat.Rgba8, AlphaMode.Straight, true, false).SetName("{m}(BGRA8 premultiplied to RGBA8)");
        yield return new TestCaseData(PixelFormat.Rgba8, AlphaMode.Straight, PixelFormat.Bgra8, AlphaMode.Premultiplied, true, false).SetName("{m}(RGBA8 to BGRA8 premultiplied)");
        yield return new TestCaseData(PixelFormat.Bgra8, AlphaMode.Straight, PixelFormat.Bgra8, AlphaMode.Straight, false, true).SetName("{m}(BGRA8, opaque, in place)");
    }

    [TestCaseSource(nameof(RawCases))]
    public unsafe void EightBitBuffersGiveThePlanesPathsBytes(PixelFormat inFormat, AlphaMode inAlpha, PixelFormat outFormat, AlphaMode outAlpha, bool translucent, bool inPlace)
    {
        // LensBlurRawCpu decodes and encodes 8-bit buffers directly; it must give exactly the bytes of PixelCodec.ReadImage,
        // LensBlurRenderer.Render and PixelCodec.WriteImage. A scene with in-focus, near and far parts (CoC up to 30 px,
        // coarse layers too), highlights boosted, several option sets.
        int w = 150, h = 100;
        var rng = new Random(3);
        var bytes = new byte[w * h * 4];
        rng.NextBytes(bytes);
        for (int i = 0; i < w * h; i++)
        {
            int x = i % w, y = i / w;
            for (int c = 0; c < 3; c++) bytes[4 * i + c] = (byte)(128 + 100 * Math.Sin(0.1 * x * (c + 1) + 0.07 * y) + (x % 13 == 0 ? 20 : 0));
            bytes[4 * i + 3] = translucent ? (byte)(60 + bytes[4 * i + 3] % 196) : (byte)255;
            if (inAlpha == AlphaMode.Premultiplied) for (int c = 0; c < 3; c++) bytes[4 * i + c] = (byte)(bytes[4 * i + c] * bytes[4 * i + 3] / 255);
        }
        var depth = new ushort[w * h];
        for (int i = 0; i < depth.Length; i++) depth[i] = (ushort)(i % w < w / 3 ? 30000 : i % w < 2 * w / 3 ? 52000 : 8000 + 300 * (i / w));
        var options = new[]
        {
            new LensBlurOptions { Focus = 30000 / 65535f, Aperture = 45 },
            new LensBlurOptions { FocusFromPoint = true, FocusX = 20, FocusY = 50, Aperture = 60, Blades = 6, HighlightThreshold = 0.4f, HighlightGain = 3 },
        };
        foreach (var o in options)
        {
            var viaPlanes = new byte[bytes.Length];
            var direct = (byte[])bytes.Clone();
            var directOut = inPlace ? direct : new byte[bytes.Length];
            fixed (byte* pi = bytes, pp = viaPlanes, pd = direct, po = directOut)
            fixed (ushort* pdep = depth)
            {
                var bi = new PixelBuffer((nint)pi, w, h, 4L * w, inFormat, inAlpha);
                var bd = new PixelBuffer((nint)pdep, w, h, 2L * w, PixelFormat.Gray16);
                var bp = new PixelBuffer((nint)pp, w, h, 4L * w, outFormat, outAlpha);
                var result = Render(PixelCodec.ReadImage(bi), PixelCodec.ReadDepth(bd), o);
                PixelCodec.WriteImage(result, bp);
                var bdi = new PixelBuffer((nint)pd, w, h, 4L * w, inFormat, inAlpha);
                var bdo = new PixelBuffer((nint)po, w, h, 4L * w, outFormat, outAlpha);
                Assert.That(LensBlurRawCpu.Supports(bdi, bd, bdo), Is.True);
                LensBlurRawCpu.Render(Cpu, bdi, bd, bdo, o, Progress.None, Par);
            }
            Assert.That(directOut, Is.EqualTo(viaPlanes));
        }
    }

    [Test]
    public void SrgbByteTableEqualsTheTableThenRounding()
    {
        // SrgbTable.ToSrgbByte must equal PixelCodec.ToByte(SrgbTable.ToSrgb(v)) for every float: checked on every 16th
        // float in [0, 1], on ±4096 floats around each of its thresholds, and on out-of-range and non-finite values.
        var lut = SrgbTable.ToSrgbTable;
        int mismatches = 0;
        void Check(float v)
        {
            if (SrgbTable.ToSrgbByte(v) != PixelCodec.ToByte(SrgbTable.ToSrgb(lut, v))) mismatches++;
        }
        int one = BitConverter.SingleToInt32Bits(1f);
        for (int bits = 0; bits <= one; bits += 16) Check(BitConverter.Int32BitsToSingle(bits));
        for (int k = 0; k < 256; k++)
        {
            // Where byte k begins: sRGB (k − 1/2)/255 decoded with the standard's formula (independent of the table).
            double e = Math.Max(0, (k - 0.5) / 255.0);
            float target = (float)(e <= 0.04045 ? e / 12.92 : Math.Pow((e + 0.055) / 1.055, 2.4));
            int centre = BitConverter.SingleToInt32Bits(Math.Min(1f, target));
            for (int d = -4096; d <= 4096; d++) Check(BitConverter.Int32BitsToSingle(Math.Clamp(centre + d, 0, one)));
        }
        foreach (float v in new[] { -1f, -0f, float.Epsilon, 1.5f, 1e30f, float.NaN, float.PositiveInfinity, float.NegativeInfinity }) Check(v);
        Assert.That(mismatches, Is.EqualTo(0));
    }

    [Test]
    public unsafe void OtherBuffersAreLeftToThePlanesPath()
    {
        var a = new byte[64];
        fixed (byte* p = a)
        {
            var rgba = new PixelBuffer((nint)p, 4, 4, 16, PixelFormat.Rgba8);
            var overlapping = new PixelBuffer((nint)p + 4, 3, 4, 16, PixelFormat.Rgba8);
            var grey = new PixelBuffer((nint)p, 4, 4, 4, PixelFormat.Gray8);
            var linear = rgba with { Transfer = TransferMode.Linear };
            var smallDepth = new PixelBuffer((nint)p, 2, 2, 2, PixelFormat.Gray8);
            Assert.That(LensBlurRawCpu.Supports(rgba, grey, rgba), Is.True, "in place");
            Assert.That(LensBlurRawCpu.Supports(rgba, grey, overlapping), Is.False, "overlapping output");
            Assert.That(LensBlurRawCpu.Supports(grey, grey, grey), Is.False, "grey");
            Assert.That(LensBlurRawCpu.Supports(linear, grey, rgba), Is.False, "linear 8-bit");
            Assert.That(LensBlurRawCpu.Supports(rgba, smallDepth, rgba), Is.False, "smaller depth (guided upsampling first)");
        }
    }

    // ---------------------------------------------------------------- parameters

    [Test]
    public void DepthNearBlackIsTheFlippedMap()
    {
        int w = 64, h = 48;
        var (img, depth, _) = TwoPlanes(w, h, 8);
        var flipped = new Plane(w, h);
        for (int i = 0; i < depth.Data.Length; i++) flipped.Data[i] = 1f - depth.Data[i];
        var a = Render(img, depth, new LensBlurOptions { Focus = 0.5f, Aperture = 10 });
        var b = Render(img, flipped, new LensBlurOptions { Focus = 0.5f, Aperture = 10, DepthNear = DepthNear.Black });
        for (int c = 0; c < 3; c++) Assert.That(b.Channels[c].Data, Is.EqualTo(a.Channels[c].Data));
    }

    [Test]
    public void NearAndFarLimitsClampTheBlur()
    {
        int w = 80, h = 64;
        var (img, depth, _) = TwoPlanes(w, h, 9);
        // Focus between the planes: the object (0.8) is near, the background (0.2) far. MaxFar = 0 keeps the background sharp.
        var res = Render(img, depth, new LensBlurOptions { Focus = 0.5f, Aperture = 10, MaxFarRadius = 0 });
        var coc = new double[h, w];
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) coc[y, x] = depth[x, y] == 0.8f ? 10f * (0.8f - 0.5f) : 0;
        var (refC, _) = LensBlurReference.Render(TestData.ToArrays(img), null, coc, 0, 0);
        for (int c = 0; c < 3; c++) Assert.That(MaxDiff(res.Channels[c], refC[c]), Is.LessThan(2e-3));
    }

    [Test]
    public void FocusPointTakesTheMedianAroundIt()
    {
        int w = 300, h = 200;
        var depth = Plane.Filled(w, h, 0.3f);
        for (int y = 90; y < 110; y++) for (int x = 140; x < 160; x++) depth[x, y] = 0.7f;
        depth[150, 100] = 0.05f; // a stray value exactly at the point
        depth[151, 100] = float.NaN;
        Assert.That(LensBlurRenderer.FocusAt(depth, 150, 100), Is.EqualTo(0.7f));
        Assert.That(LensBlurRenderer.FocusAt(depth, 10, 10), Is.EqualTo(0.3f));
        // The renderer uses it: the object at the point stays sharp.
        var img = Texture(w, h, 12);
        var res = Render(img, depth, new LensBlurOptions { FocusFromPoint = true, FocusX = 150, FocusY = 100, Focus = 0.3f, Aperture = 10 });
        Assert.That(res.Channels[0][145, 95], Is.EqualTo(img.Channels[0][145, 95]));
        Assert.That(res.Channels[0][20, 20], Is.Not.EqualTo(img.Channels[0][20, 20]));
    }

    [Test]
    public void SmallerDepthIsGuidedUpsampled()
    {
        // A constant low-resolution depth gives the same result as the full-resolution one.
        int w = 64, h = 48;
        var img = Texture(w, h, 13);
        var full = Render(img, Plane.Filled(w, h, 0.25f), new LensBlurOptions { Focus = 0.75f, Aperture = 10 });
        var low = Render(img, Plane.Filled(16, 12, 0.25f), new LensBlurOptions { Focus = 0.75f, Aperture = 10 });
        for (int c = 0; c < 3; c++) Assert.That(MaxDiff(low.Channels[c], TestData.ToArray(full.Channels[c])), Is.LessThan(1e-4));
        // A low-resolution step whose edge the image shows sharply: the upsampled step follows the image's edge.
        var guide = new Plane(w, h);
        // The depth step is downsampled by area, so the low-resolution pixel straddling the edge holds 0.5.
        var truth = new Plane(w, h);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) { guide[x, y] = x < 30 ? 0.1f : 0.9f; truth[x, y] = x < 30 ? 0.2f : 0.8f; }
        var step = Resampler.AreaAverage(truth, 16, 12);
        var up = LensBlurRenderer.FullResolutionDepth(new Image([guide]), step, Progress.None, Par);
        var bilinear = Resampler.Resize(step, w, h, ResampleFilter.Bilinear);
        for (int y = 0; y < h; y++)
            for (int x = 26; x < 34; x++)
                Assert.That(up[x, y], Is.EqualTo(truth[x, y]).Within(0.02f), $"({x},{y}); bilinear would give {bilinear[x, y]}");
    }

    static IEnumerable<TestCaseData> BadOptions()
    {
        yield return new TestCaseData(new LensBlurOptions { Aperture = float.NaN }).SetName("{m}(aperture NaN)");
        yield return new TestCaseData(new LensBlurOptions { Aperture = -1 }).SetName("{m}(aperture negative)");
        yield return new TestCaseData(new LensBlurOptions { Focus = float.PositiveInfinity }).SetName("{m}(focus inf)");
        yield return new TestCaseData(new LensBlurOptions { Blades = 2 }).SetName("{m}(blades 2)");
        yield return new TestCaseData(new LensBlurOptions { Blades = 13 }).SetName("{m}(blades 13)");
        yield return new TestCaseData(new LensBlurOptions { Rotation = float.NaN }).SetName("{m}(rotation NaN)");
        yield return new TestCaseData(new LensBlurOptions { HighlightGain = -1 }).SetName("{m}(gain negative)");
        yield return new TestCaseData(new LensBlurOptions { HighlightThreshold = float.NaN }).SetName("{m}(threshold NaN)");
        yield return new TestCaseData(new LensBlurOptions { MaxNearRadius = 300 }).SetName("{m}(max near too large)");
        yield return new TestCaseData(new LensBlurOptions { MaxFarRadius = -2 }).SetName("{m}(max far negative)");
        yield return new TestCaseData(new LensBlurOptions { DepthNear = (DepthNear)7 }).SetName("{m}(depth near 7)");
        yield return new TestCaseData(new LensBlurOptions { FocusFromPoint = true, FocusX = 100, FocusY = 1 }).SetName("{m}(focus point outside)");
        yield return new TestCaseData(new LensBlurOptions { FocusFromPoint = true, FocusX = float.NaN }).SetName("{m}(focus point NaN)");
    }

    [TestCaseSource(nameof(BadOptions))]
    public void BadOptionsAreRejected(LensBlurOptions o)
    {
        var img = Texture(20, 10, 1);
        var ex = Assert.Throws<DpException>(() => Render(img, Plane.Filled(20, 10, 0.5f), o));
        Assert.That(ex!.Status, Is.EqualTo(DpStatus.InvalidArgument));
        TestContext.Out.WriteLine(ex.Message);
    }

    [Test]
    public void LargerDepthIsRejected()
    {
        var ex = Assert.Throws<DpException>(() => Render(Texture(20, 10, 1), Plane.Filled(21, 10, 0.5f), new LensBlurOptions()));
        Assert.That(ex!.Status, Is.EqualTo(DpStatus.InvalidArgument));
    }

    [Test]
    public void CancelStopsAndProgressIsMonotonic()
    {
        var img = Texture(400, 300, 2);
        var depth = new Plane(400, 300);
        for (int i = 0; i < depth.Data.Length; i++) depth.Data[i] = (i % 400) / 400f;
        int calls = 0;
        var ex = Assert.Throws<DpException>(() => LensBlurRenderer.Render(Cpu, img, depth, new LensBlurOptions(), new Progress(_ => ++calls < 3), Par));
        Assert.That(ex!.Status, Is.EqualTo(DpStatus.Cancelled));
        Assert.That(calls, Is.EqualTo(3));
        var seen = new List<float>();
        LensBlurRenderer.Render(Cpu, img, depth, new LensBlurOptions(), new Progress(f => { seen.Add(f); return true; }), Par);
        Assert.That(seen, Is.Ordered);
        Assert.That(seen[^1], Is.EqualTo(1f));
        Assert.That(seen.Count, Is.GreaterThan(4));
    }
}

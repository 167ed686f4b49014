namespace DepthPlugins.Core.LensBlur;

/// <summary>
/// How one depth layer is blurred: at full resolution with its bokeh kernel, or, for large radii, on a grid
/// <see cref="Scale"/> times coarser. The coarse path is an energy-preserving linear operator U·K·D
/// (docs/lens-blur.md, "Large radii"):
/// <list type="bullet">
/// <item>D: each coarse pixel is the tent-weighted mean (bilinear "splat", the transpose of U divided by s²) of the 2s × 2s
/// full-resolution pixels around its centre, so every full-resolution pixel's light lands on the coarse grid with its
/// centroid kept (no snapping to the coarse grid);</item>
/// <item>K: the bokeh of radius r / s on the coarse grid, exact coverage as at full resolution;</item>
/// <item>U: bilinear interpolation back to full resolution (a partition of unity, so a constant stays constant).</item>
/// </list>
/// The result is the exact kernel with its rim softened by about s pixels (measured against the float64 reference in
/// the tests); interior values, energy and occlusion handling are unchanged, and per-pixel cost falls by about s³.
/// The coarse grid has one extra pixel before the image and after it in each direction: storage index I holds coarse
/// pixel I − 1, centred on full-resolution coordinate s·I − s/2 − 1/2.
/// </summary>
public sealed class LayerKernel
{
    /// <summary>A layer is blurred on a grid s times coarser only where its radius there is still at least this many pixels
    /// (so the softened rim is at most about 1/8 of the radius).</summary>
    public const double MinScaledRadius = 8;
    /// <summary>Coarsest grid.</summary>
    public const int MaxScale = 8;

    public LayerKernel(double radius, ApertureShape shape, bool fullResolution)
    {
        Scale = fullResolution ? 1 : ScaleFor(radius);
        Kernel = new BokehKernel(radius / Scale, shape);
        // Full resolution: the kernel's extent. Coarse: an output pixel reads coarse pixels within 1 of its own position,
        // each of those reads the kernel's extent further, and each of those reads full-resolution pixels within s: so no
        // source pixel at s·(extent + 2) or farther can reach it.
        Reach = Scale == 1 ? Kernel.Extent : Scale * (Kernel.Extent + 2);
    }

    /// <summary>1, 2, 4 or 8: the grid this layer is blurred on.</summary>
    public int Scale { get; }
    /// <summary>The bokeh on that grid (radius r / <see cref="Scale"/>).</summary>
    public BokehKernel Kernel { get; }
    /// <summary>Full-resolution pixels: a source pixel farther than this in x or y does not reach an output pixel.</summary>
    public int Reach { get; }

    /// <summary>The largest power of two s ≤ <see cref="MaxScale"/> with radius / s ≥ <see cref="MinScaledRadius"/> (1 below 16 px).</summary>
    public static int ScaleFor(double radius)
    {
        int s = 1;
        while (s < MaxScale && radius / (2 * s) >= MinScaledRadius) s *= 2;
        return s;
    }

    /// <summary>Coarse grid size (storage indices) for a full-resolution size n at scale s: the last full-resolution pixel
    /// interpolates between storage indices floor((n − 1/2)/s + 1/2) and one more.</summary>
    public static int CoarseSize(int n, int s) => s == 1 ? n : (int)Math.Floor((n - 0.5) / s + 0.5) + 2;

    /// <summary>Full-resolution coordinate x interpolates coarse storage indices <c>I0</c> and <c>I0 + 1</c> with weight
    /// <c>F</c> on the second. Exact binary fractions.</summary>
    public static (int I0, float F) Upsample(int x, int s)
    {
        double u = (x + 0.5) / s + 0.5;
        int i = (int)Math.Floor(u);
        return (i, (float)(u - i));
    }

    /// <summary>The first full-resolution coordinate under coarse storage index I; D reads 2s of them.</summary>
    public static int DownsampleStart(int i, int s) => s * i - 3 * s / 2;

    /// <summary>D's weights along one axis (2s of them, summing to 1; exact binary fractions): tent (q + 1/2)/s rising,
    /// then falling, divided by s.</summary>
    public static float[] DownsampleWeights(int s)
    {
        var a = new float[2 * s];
        for (int q = 0; q < 2 * s; q++) a[q] = (float)((s - Math.Abs(q - s + 0.5)) / s / s);
        return a;
    }
}

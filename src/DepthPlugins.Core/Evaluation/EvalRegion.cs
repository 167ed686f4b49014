using DepthPlugins.Core.Imaging;

namespace DepthPlugins.Core.Evaluation;

/// <summary>
/// The pixels a metric counts: inside the image less a border of <see cref="Border"/> pixels on every side, where the
/// ground truth is known (finite and, when <c>zeroIsUnknown</c>, non-zero: Middlebury marks unknown disparity with 0).
/// </summary>
public sealed class EvalRegion
{
    public int Width { get; }
    public int Height { get; }
    public int Border { get; }
    /// <summary>1 where the pixel counts, row-major.</summary>
    public bool[] Mask { get; }
    public long Count { get; }

    EvalRegion(int width, int height, int border, bool[] mask)
    {
        Width = width;
        Height = height;
        Border = border;
        Mask = mask;
        Count = mask.LongCount(m => m);
    }

    public static EvalRegion For(Plane truth, int border, bool zeroIsUnknown = true)
    {
        if (border < 0) throw DpException.Invalid($"border {border} must not be negative");
        int w = truth.Width, h = truth.Height;
        if (2 * border >= w || 2 * border >= h)
            throw DpException.Invalid($"a border of {border} pixels leaves nothing of a {w}x{h} image");
        var m = new bool[(long)w * h];
        for (int y = border; y < h - border; y++)
            for (int x = border; x < w - border; x++)
            {
                float g = truth[x, y];
                m[(long)y * w + x] = float.IsFinite(g) && !(zeroIsUnknown && g == 0f);
            }
        return new EvalRegion(w, h, border, m);
    }

    /// <summary>
    /// The edge band: counted pixels within Chebyshev distance <paramref name="radius"/> of a ground-truth depth
    /// discontinuity. A pixel is on a discontinuity when it and one of its 4-neighbours are both known and their truth
    /// values differ by at least <paramref name="jump"/> (both sides of the jump are marked). Detection looks at the
    /// whole image, so an edge just outside the border still marks the band inside it.
    /// </summary>
    public EvalRegion EdgeBand(Plane truth, float jump, int radius, bool zeroIsUnknown = true)
    {
        if (truth.Width != Width || truth.Height != Height) throw DpException.Invalid("truth and region sizes differ");
        if (!(jump > 0) || radius < 0) throw DpException.Invalid("edge band: jump > 0 and radius ≥ 0 required");
        int w = Width, h = Height;
        bool Known(int x, int y)
        {
            float g = truth[x, y];
            return float.IsFinite(g) && !(zeroIsUnknown && g == 0f);
        }
        var disc = new bool[(long)w * h];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                if (!Known(x, y)) continue;
                if (x + 1 < w && Known(x + 1, y) && MathF.Abs(truth[x, y] - truth[x + 1, y]) >= jump)
                    disc[(long)y * w + x] = disc[(long)y * w + x + 1] = true;
                if (y + 1 < h && Known(x, y + 1) && MathF.Abs(truth[x, y] - truth[x, y + 1]) >= jump)
                    disc[(long)y * w + x] = disc[(long)(y + 1) * w + x] = true;
            }
        // Square dilation, separably: a row pass then a column pass of "any within radius".
        var rowPass = new bool[disc.Length];
        for (int y = 0; y < h; y++)
        {
            // Distance to the nearest marked pixel on either side, both directions.
            int prev = int.MinValue / 2;
            for (int x = 0; x < w; x++)
            {
                if (disc[(long)y * w + x]) prev = x;
                if (x - prev <= radius) rowPass[(long)y * w + x] = true;
            }
            int next = int.MaxValue / 2;
            for (int x = w - 1; x >= 0; x--)
            {
                if (disc[(long)y * w + x]) next = x;
                if (next - x <= radius) rowPass[(long)y * w + x] = true;
            }
        }
        var band = new bool[disc.Length];
        for (int x = 0; x < w; x++)
        {
            int prev = int.MinValue / 2;
            for (int y = 0; y < h; y++)
            {
                if (rowPass[(long)y * w + x]) prev = y;
                if (y - prev <= radius) band[(long)y * w + x] = true;
            }
            int next = int.MaxValue / 2;
            for (int y = h - 1; y >= 0; y--)
            {
                if (rowPass[(long)y * w + x]) next = y;
                if (next - y <= radius) band[(long)y * w + x] = true;
            }
        }
        for (long i = 0; i < band.LongLength; i++) band[i] &= Mask[i];
        return new EvalRegion(w, h, Border, band);
    }
}

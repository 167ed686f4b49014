using System.Numerics;
using DepthPlugins.Core.Imaging;
using DepthPlugins.Core.Processing;
using DepthPlugins.Core.Refinement;
using Plane = DepthPlugins.Core.Imaging.Plane;

namespace DepthPlugins.Core.LensBlur;

/// <summary>
/// Depth of field from one image and its depth map (docs/lens-blur.md):
/// <list type="number">
/// <item>a smaller depth map is brought to the image's size by guided upsampling (edges follow the image);</item>
/// <item>signed CoC radius per pixel, s = aperture × (d − focus) with near = positive, clamped to the near/far limits
/// (non-finite depth counts as in focus);</item>
/// <item>colour goes to linear light, highlights above the threshold are boosted (only where the pixel is blurred at
/// all, so in-focus pixels keep their value), and colour is premultiplied by alpha;</item>
/// <item>a backend composites the depth layers (<see cref="CpuLensBlurKernels"/> describes the method);</item>
/// <item>colour is un-premultiplied and encoded back to the input's transfer; pixels the blur did not touch are copied
/// from the input unchanged.</item>
/// </list>
/// </summary>
public static class LensBlurRenderer
{
    public static Image Render(ILensBlurKernels kernels, Image image, Plane depth, LensBlurOptions options, Progress progress, Parallelism par)
    {
        var scene = PrepareScene(image, depth, options, progress.Stage(0f, 0.15f), par);
        var composite = kernels.Composite(scene, progress.Stage(0.15f, 0.97f));
        var result = Finish(image, composite, par);
        progress.Report(1f);
        return result;
    }

    /// <summary>Steps 1–3: validates, brings the depth to full size, and builds what a backend composites. Public so that
    /// benchmarks can time a backend's <see cref="ILensBlurKernels.Composite"/> alone.</summary>
    public static LensBlurScene PrepareScene(Image image, Plane depth, LensBlurOptions options, Progress progress, Parallelism par)
    {
        int w = image.Width, h = image.Height;
        options.Validate(w, h);
        if (depth.Width > w || depth.Height > h)
            throw DpException.Invalid($"depth {depth.Width}x{depth.Height} is larger than the image {w}x{h}");
        progress.Report(0f);
        var full = FullResolutionDepth(image, depth, progress.Stage(0f, 0.7f), par);
        float focus = options.FocusFromPoint ? FocusAt(full, options.FocusX, options.FocusY) : options.Focus;
        var coc = CircleOfConfusion(full, focus, options, par);
        var plan = LayerPlan.Build(coc, par);
        var scene = Prepare(image, coc, plan, options, par);
        progress.Report(1f);
        return scene;
    }

    /// <summary>The depth at the image's size: as given, or guided-upsampled with the image as guide.</summary>
    public static Plane FullResolutionDepth(Image image, Plane depth, Progress progress, Parallelism par)
    {
        if (depth.Width == image.Width && depth.Height == image.Height) return depth;
        var guide = DepthRefiner.PrepareGuide(image, grey: false);
        var p = new GuidedParams(RefineOptions.Defaults.GuidedRadius, RefineOptions.Defaults.GuidedEps);
        // Depth 0 is a real value here (the far end), only non-finite values are unknown.
        return GuidedFilter.Apply(guide, depth, p, new DepthValidity(ZeroIsInvalid: false), progress, par);
    }

    /// <summary>Window radius of the focus-point median.</summary>
    public static int FocusWindowRadius(int width, int height) => Math.Max(2, Math.Min(width, height) / 100);

    /// <summary>Median of the finite depth values in a square window around the nearest pixel to (x, y).</summary>
    public static float FocusAt(Plane depth, float x, float y)
    {
        int r = FocusWindowRadius(depth.Width, depth.Height);
        int cx = Math.Clamp((int)MathF.Round(x), 0, depth.Width - 1), cy = Math.Clamp((int)MathF.Round(y), 0, depth.Height - 1);
        var values = new List<float>();
        for (int j = Math.Max(0, cy - r); j <= Math.Min(depth.Height - 1, cy + r); j++)
            for (int i = Math.Max(0, cx - r); i <= Math.Min(depth.Width - 1, cx + r); i++)
            {
                float d = depth[i, j];
                if (float.IsFinite(d)) values.Add(d);
            }
        if (values.Count == 0) throw DpException.Invalid($"no known depth around the focus point ({x}, {y})");
        values.Sort();
        int n = values.Count;
        return n % 2 == 1 ? values[n / 2] : 0.5f * (values[n / 2 - 1] + values[n / 2]);
    }

    /// <summary><see cref="FocusAt(Plane, float, float)"/> on a depth map still in the caller's buffer (of the image's
    /// size): only the window around the point is read.</summary>
    public static unsafe float FocusAt(in PixelBuffer depth, float x, float y)
    {
        int r = FocusWindowRadius(depth.Width, depth.Height);
        int cx = Math.Clamp((int)MathF.Round(x), 0, depth.Width - 1), cy = Math.Clamp((int)MathF.Round(y), 0, depth.Height - 1);
        int x0 = Math.Max(0, cx - r), y0 = Math.Max(0, cy - r), x1 = Math.Min(depth.Width - 1, cx + r), y1 = Math.Min(depth.Height - 1, cy + r);
        var window = depth with
        {
            Data = depth.Data + (nint)(y0 * depth.RowStrideBytes + (long)x0 * depth.BytesPerPixel),
            Width = x1 - x0 + 1,
            Height = y1 - y0 + 1,
        };
        var values = PixelCodec.ReadDepth(window).Data.Where(float.IsFinite).ToList();
        if (values.Count == 0) throw DpException.Invalid($"no known depth around the focus point ({x}, {y})");
        values.Sort();
        int n = values.Count;
        return n % 2 == 1 ? values[n / 2] : 0.5f * (values[n / 2 - 1] + values[n / 2]);
    }

    /// <summary>Signed CoC radius in pixels: positive in front of the focus plane, negative behind it, 0 for unknown depth.</summary>
    public static Plane CircleOfConfusion(Plane depth, float focus, LensBlurOptions o, Parallelism par)
    {
        var coc = Plane.Uninitialized(depth.Width, depth.Height);
        var f = new CocFunction(focus, o);
        int w = depth.Width;
        Parallel.For(0, depth.Height, par.Options, y => f.Row(depth.Data, coc.Data, y * w, (y + 1) * w));
        return coc;
    }

    /// <summary><see cref="CircleOfConfusion(Plane, float, LensBlurOptions, Parallelism)"/> of a depth map (of the image's
    /// size) still in the caller's buffer: each row is read as <see cref="PixelCodec.ReadDepth"/> reads it, straight into
    /// the CoC plane, and turned into CoC there (no depth plane, one pass less).</summary>
    public static Plane CircleOfConfusion(PixelBuffer depth, float focus, LensBlurOptions o, Parallelism par)
    {
        var coc = Plane.Uninitialized(depth.Width, depth.Height);
        var f = new CocFunction(focus, o);
        int w = depth.Width;
        Parallel.For(0, depth.Height, par.Options, y =>
        {
            PixelCodec.ReadChannelRow(depth, 0, y, coc.Row(y));
            f.Row(coc.Data, coc.Data, y * w, (y + 1) * w);
        });
        return coc;
    }

    /// <summary>s = k·(d − focus), k = ±aperture, clamped to the near/far limits; 0 for non-finite depth.</summary>
    readonly struct CocFunction(float focus, LensBlurOptions o)
    {
        readonly float _focus = focus, _k = (o.DepthNear == DepthNear.White ? 1f : -1f) * o.Aperture;
        readonly float _nearMax = Math.Min(o.MaxNearRadius, LensBlurOptions.MaxRadius), _farMax = Math.Min(o.MaxFarRadius, LensBlurOptions.MaxRadius);

        /// <summary>dst[i] for i in [start, end) from src[i] (src may be dst).</summary>
        public void Row(float[] src, float[] dst, int start, int end)
        {
            float k = _k, focus = _focus, nearMax = _nearMax, farMax = _farMax;
            var vk = new Vector<float>(k);
            var vf = new Vector<float>(focus);
            var lo = new Vector<float>(-farMax);
            var hi = new Vector<float>(nearMax);
            var inf = new Vector<float>(float.PositiveInfinity);
            int n = Vector<float>.Count, i = start;
            // A vector at a time: finite depth (d == d and |d| < ∞) gives k·(d − focus) clamped, other depth 0; the same
            // operations as the scalar tail.
            for (; i + n <= end; i += n)
            {
                var d = new Vector<float>(src, i);
                var finite = Vector.Equals(d, d) & Vector.LessThan(Vector.Abs(d), inf);
                var s = Vector.Min(Vector.Max(vk * (d - vf), lo), hi);
                Vector.ConditionalSelect(finite.As<int, float>(), s, Vector<float>.Zero).CopyTo(dst, i);
            }
            for (; i < end; i++)
            {
                float d = src[i];
                float s = float.IsFinite(d) ? k * (d - focus) : 0f;
                dst[i] = float.IsNaN(s) ? 0f : Math.Clamp(s, -farMax, nearMax);
            }
        }
    }

    /// <summary>Linear-light boost factor of a highlight: luminance Y above threshold t becomes t + (1 + gain)(Y − t).
    /// Faded in over the first pixel of CoC radius beyond 0.5, so pixels that stay sharp keep their value.</summary>
    public static float HighlightFactor(float luminance, float cocRadius, float threshold, float gain)
    {
        if (gain <= 0f || !(luminance > threshold)) return 1f;
        float ramp = Math.Clamp(cocRadius - 0.5f, 0f, 1f);
        return 1f + ramp * gain * (luminance - threshold) / luminance;
    }

    /// <summary>Premultiplied, highlight-boosted linear colour; non-finite colour counts as 0 and alpha is clamped to 0..1.</summary>
    static LensBlurScene Prepare(Image image, Plane coc, LayerPlan plan, LensBlurOptions o, Parallelism par)
    {
        int w = image.Width, h = image.Height;
        int nc = image.Channels.Length;
        bool srgb = image.Transfer == Transfer.Srgb;
        var src = image.Channels.Select(c => c.Data).ToArray();
        var colour = new Plane[nc];
        for (int c = 0; c < nc; c++) colour[c] = new Plane(w, h);
        var dst = colour.Select(c => c.Data).ToArray();
        float[]? srcAlpha = image.Alpha?.Data;
        Plane? alpha = image.Alpha != null ? new Plane(w, h) : null;
        float[]? dstAlpha = alpha?.Data;
        float[] cocData = coc.Data;
        float threshold = o.HighlightThreshold, gain = o.HighlightGain;
        // Rec. 709 luminance weights (linear light); a grey image is its own luminance.
        float wr = nc == 1 ? 1f : 0.2126f, wg = nc == 1 ? 0f : 0.7152f, wb = nc == 1 ? 0f : 0.0722f;
        float[] lut = SrgbTable.ToLinearTable;
        int translucent = 0;
        Parallel.For(0, h, par.Options, y =>
        {
            float[] s0 = src[0], s1 = src[nc == 1 ? 0 : 1], s2 = src[nc == 1 ? 0 : 2];
            float[] d0 = dst[0], d1 = dst[nc == 1 ? 0 : 1], d2 = dst[nc == 1 ? 0 : 2], cd = cocData, table = lut;
            float[]? sa = srcAlpha, da = dstAlpha;
            bool isSrgb = srgb;
            float th = threshold, gn = gain, kr = wr, kg = wg, kb = wb;
            for (int i = y * w, end = i + w; i < end; i++)
            {
                float a = 1f;
                if (sa != null)
                {
                    float av = sa[i];
                    a = float.IsFinite(av) ? Math.Clamp(av, 0f, 1f) : 0f;
                    da![i] = a;
                    if (a != 1f && translucent == 0) translucent = 1;
                }
                float r = Linear(table, s0[i], isSrgb), g = Linear(table, s1[i], isSrgb), b = Linear(table, s2[i], isSrgb);
                float m = a * HighlightFactor(kr * r + kg * g + kb * b, MathF.Abs(cd[i]), th, gn);
                // For a grey image d0 = d1 = d2 and r = g = b: the three stores write the same value.
                d0[i] = r * m;
                d1[i] = g * m;
                d2[i] = b * m;
            }
        });
        // Alpha 1 everywhere: its blur would equal the coverage (the same sums), and colour ÷ 1 is colour. Not blurring it
        // gives the same result for a channel less.
        if (alpha != null && translucent == 0) alpha = null;
        return new LensBlurScene(colour, alpha, plan, new ApertureShape(o.Blades, o.Rotation), o.FullResolution);
    }

    static float Linear(float[] lut, float v, bool srgb) => !float.IsFinite(v) ? 0f : srgb ? SrgbTable.ToLinear(lut, v) : v;

    /// <summary>Straight colour in the input's transfer; untouched pixels copied from the input bit for bit.</summary>
    static Image Finish(Image input, LensBlurComposite comp, Parallelism par)
    {
        int w = input.Width, h = input.Height;
        int nc = comp.Colour.Length;
        var colour = comp.Colour;
        // An input alpha that was all 1 was not blurred (Prepare): the output's is 1 where the blur reached.
        var alpha = comp.Alpha ?? (input.Alpha != null ? new Plane(w, h) : null);
        var outC = colour.Select(c => c.Data).ToArray();
        var inC = input.Channels.Select(c => c.Data).ToArray();
        float[]? outA = alpha?.Data, inA = input.Alpha?.Data, blurredA = comp.Alpha?.Data;
        bool[] untouched = comp.Untouched;
        bool srgb = input.Transfer == Transfer.Srgb;
        float[] lut = SrgbTable.ToSrgbTable;
        Parallel.For(0, h, par.Options, y =>
        {
            for (int c = 0; c < nc; c++)
            {
                float[] o = outC[c], src = inC[c];
                for (int i = y * w, end = i + w; i < end; i++)
                {
                    if (untouched[i])
                    {
                        o[i] = src[i];
                        continue;
                    }
                    float v = o[i];
                    if (blurredA != null)
                    {
                        float a = blurredA[i];
                        v = a > 0f ? v / a : 0f;
                    }
                    o[i] = srgb ? SrgbTable.ToSrgb(lut, v) : v;
                }
            }
            if (outA != null)
                for (int i = y * w, end = i + w; i < end; i++)
                    outA[i] = untouched[i] ? inA![i] : blurredA != null ? outA[i] : 1f;
        });
        return new Image(colour, alpha, input.Transfer);
    }
}

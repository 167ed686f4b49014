using System.Diagnostics;
using DepthPlugins.Core.Imaging;
using DepthPlugins.Core.LensBlur;
using DepthPlugins.Core.Processing;
using DepthPlugins.ImageIO;

namespace LensBlurBench;

/// <summary>
/// The pictures in bench/lensblur: the proof scenes of the tests rendered large enough to look at, a bokeh sheet, and
/// the samples next to GEGL's lens-blur with the same per-pixel radius. Each is a row of panels separated by a grey gap;
/// bench/RESULTS.md says what each panel is.
/// </summary>
static class Pictures
{
    static readonly Parallelism Par = Parallelism.Default;
    static readonly CpuLensBlurKernels Cpu = new(Par);

    /// <summary>A photo from a file: grey or RGB planes (alpha dropped); integer files sRGB, float files linear.</summary>
    public static Image ReadImage(string path)
    {
        var r = ImageFile.Read(path);
        int planes = r.Channels >= 3 ? 3 : 1;
        var ch = Enumerable.Range(0, planes).Select(c => new Plane(r.Width, r.Height,
            Enumerable.Range(0, r.Width * r.Height).Select(i => r.Samples[(long)i * r.Channels + c]).ToArray())).ToArray();
        return new Image(ch, null, r.BitDepth == 32 ? Transfer.Linear : Transfer.Srgb);
    }

    /// <summary>The first channel of a file as a depth map.</summary>
    public static Plane ReadDepth(string path)
    {
        var r = ImageFile.Read(path);
        return new Plane(r.Width, r.Height, Enumerable.Range(0, r.Width * r.Height).Select(i => r.Samples[(long)i * r.Channels]).ToArray());
    }

    /// <summary>An sRGB PNG of 8 or 16 bits (grey images as grey).</summary>
    public static void WritePng(string path, Image img, int bits = 8)
    {
        var s = img.AsSrgb();
        int n = s.Channels.Length;
        var samples = new float[(long)img.Width * img.Height * n];
        for (long i = 0; i < (long)img.Width * img.Height; i++)
            for (int c = 0; c < n; c++) samples[i * n + c] = s.Channels[c].Data[i];
        ImageFile.Write(path, new Raster(img.Width, img.Height, n, bits, samples), bits);
    }

    public static void WriteGreyPng(string path, Plane p, int bits) => ImageFile.Write(path, new Raster(p.Width, p.Height, 1, bits, (float[])p.Data.Clone()), bits);

    static Image Render(Image img, Plane depth, LensBlurOptions o) => LensBlurRenderer.Render(Cpu, img, depth, o, Progress.None, Par);

    /// <summary>Panels side by side (sRGB), 6 px grey gaps; grey panels become colour.</summary>
    static Image Row(params Image[] panels)
    {
        const int gap = 6;
        int h = panels.Max(p => p.Height), w = panels.Sum(p => p.Width) + gap * (panels.Length - 1);
        var o = Enumerable.Range(0, 3).Select(_ => Plane.Filled(w, h, 0.5f)).ToArray();
        int x0 = 0;
        foreach (var p in panels)
        {
            var s = p.AsSrgb();
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < p.Height; y++)
                    for (int x = 0; x < p.Width; x++)
                        o[c][x0 + x, y] = s.Channels[s.IsGrey ? 0 : c][x, y];
            x0 += p.Width + gap;
        }
        return new Image(o);
    }

    static Image Grey(Plane p) => new([p], null, Transfer.Srgb);

    static Image Crop(Image img, int x0, int y0, int w, int h)
    {
        Plane C(Plane p)
        {
            var o = new Plane(w, h);
            for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) o[x, y] = p[x0 + x, y0 + y];
            return o;
        }
        return new Image(img.Channels.Select(C).ToArray(), img.Alpha == null ? null : C(img.Alpha), img.Transfer);
    }

    static Image Scale(Image img, int w, int h) =>
        new(img.AsLinear().Channels.Select(c => Resampler.Resize(c, w, h, ResampleFilter.Bicubic)).ToArray(), null, Transfer.Linear);

    /// <summary>gegl:lens-blur with a per-pixel radius = |CoC| (mask = |CoC| / radius), through the gegl CLI.</summary>
    public static Image Gegl(Image img, Plane depth, LensBlurOptions o, string work)
    {
        var coc = LensBlurRenderer.CircleOfConfusion(depth, o.Focus, o, Par);
        float radius = Math.Max(1e-3f, coc.Data.Max(MathF.Abs));
        var mask = new Plane(depth.Width, depth.Height);
        for (int i = 0; i < mask.Data.Length; i++) mask.Data[i] = MathF.Abs(coc.Data[i]) / radius;
        string input = Path.Combine(work, "gegl_in.png"), maskPath = Path.Combine(work, "gegl_mask.png"), output = Path.Combine(work, "gegl_out.png");
        WritePng(input, img, 16);
        WriteGreyPng(maskPath, mask, 16);
        RunGegl(input, output, $"gegl:lens-blur radius={radius.ToString(System.Globalization.CultureInfo.InvariantCulture)} aux=[ gegl:load path={maskPath} ]");
        var r = ReadImage(output);
        return new Image(r.Channels, null, r.Transfer);
    }

    public static void RunGegl(string input, string output, string chain)
    {
        var psi = new ProcessStartInfo("gegl") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { input, "-o", output, "--" }.Concat(chain.Split(' ', StringSplitOptions.RemoveEmptyEntries))) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        p.StandardOutput.ReadToEnd();
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0 || !File.Exists(output)) throw new InvalidOperationException($"gegl failed ({p.ExitCode}): {err}");
    }

    /// <summary>Smooth colour waves plus a fine checker: texture whose blur is easy to judge.</summary>
    static Image Texture(int w, int h)
    {
        var planes = Enumerable.Range(0, 3).Select(_ => new Plane(w, h)).ToArray();
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                bool check = ((x / 8) + (y / 8)) % 2 == 0;
                planes[0][x, y] = (float)(0.45 + 0.3 * Math.Sin(x * 0.031) + (check ? 0.15 : -0.15));
                planes[1][x, y] = (float)(0.5 + 0.25 * Math.Cos(y * 0.043) + (check ? 0.1 : -0.1));
                planes[2][x, y] = (float)(0.55 + 0.3 * Math.Sin((x + y) * 0.02));
            }
        foreach (var p in planes) for (int i = 0; i < p.Data.Length; i++) p.Data[i] = Math.Clamp(p.Data[i], 0f, 1f);
        return new Image(planes, null, Transfer.Srgb);
    }

    /// <summary>Textured background at depth 0.2 with a striped disk at depth 0.8 in the middle.</summary>
    static (Image, Plane) TwoPlanes(int w, int h)
    {
        var img = Texture(w, h);
        var depth = Plane.Filled(w, h, 0.2f);
        double cx = w / 2.0, cy = h / 2.0, r = h / 3.2;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                if ((x - cx) * (x - cx) + (y - cy) * (y - cy) > r * r) continue;
                bool stripe = (x / 6) % 2 == 0;
                img.Channels[0][x, y] = stripe ? 0.95f : 0.7f;
                img.Channels[1][x, y] = stripe ? 0.85f : 0.2f;
                img.Channels[2][x, y] = 0.1f;
                depth[x, y] = 0.8f;
            }
        return (img, depth);
    }

    public static void All(string dir)
    {
        Directory.CreateDirectory(dir);
        string work = Directory.CreateTempSubdirectory("lensblur_pictures").FullName;
        try
        {
            // 1. Constant depth: texture, its exact disk blur (r = 8), the hexagon (r = 8, 15°).
            var tex = Texture(300, 220);
            var flat = Plane.Filled(300, 220, 0.3f);
            WritePng(Path.Combine(dir, "constant_depth.png"), Row(tex,
                Render(tex, flat, new LensBlurOptions { Focus = 0.7f, Aperture = 20 }),
                Render(tex, flat, new LensBlurOptions { Focus = 0.7f, Aperture = 20, Blades = 6, Rotation = 15 })));

            // 2. Sharp foreground over a blurred background (r = 9): input, depth, ours, GEGL.
            var (two, twoDepth) = TwoPlanes(300, 220);
            var sharpFg = new LensBlurOptions { Focus = 0.8f, Aperture = 15 };
            WritePng(Path.Combine(dir, "sharp_foreground.png"), Row(two, Grey(twoDepth), Render(two, twoDepth, sharpFg), Gegl(two, twoDepth, sharpFg, work)));

            // 3. Blurred foreground (r = 9) over a sharp background: input, ours, GEGL.
            var blurFg = new LensBlurOptions { Focus = 0.2f, Aperture = 15 };
            WritePng(Path.Combine(dir, "blurred_foreground.png"), Row(two, Render(two, twoDepth, blurFg), Gegl(two, twoDepth, blurFg, work)));

            // 4. Bokeh of point lights at CoC 14: disk, 5 blades, 6 blades at 15°, 9 blades.
            // Point lights far brighter than white (linear light, as a float photo holds them), each spreading its light
            // over a bokeh of radius 14.
            var lights = Enumerable.Range(0, 3).Select(_ => new Plane(220, 160)).ToArray();
            foreach (var (x, y, v) in new[] { (40, 40, 1f), (110, 40, 0.6f), (180, 40, 0.3f), (75, 115, 0.8f), (150, 115, 1f) })
            {
                lights[0][x, y] = 500 * v;
                lights[1][x, y] = 420 * v;
                lights[2][x, y] = 300 * v;
            }
            var dots = new Image(lights, null, Transfer.Linear);
            var farPlane = Plane.Filled(220, 160, 0f);
            Image Bokeh(int blades, float rot) => Render(dots, farPlane, new LensBlurOptions { Focus = 0.7f, Aperture = 20, Blades = blades, Rotation = rot });
            WritePng(Path.Combine(dir, "bokeh_shapes.png"), Row(Bokeh(0, 0), Bokeh(5, 0), Bokeh(6, 15), Bokeh(9, 0)));

            // 5. The procedural sample (samples/scene.png), focused on the post: ours, GEGL (same per-pixel radius), and a
            //    crop of both at 1:1; then ours with a 6-blade aperture and highlight boost.
            string samples = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "samples");
            var scene = ReadImage(Path.Combine(samples, "scene.png"));
            var sceneDepth = ReadDepth(Path.Combine(samples, "scene_depth.png"));
            var post = new LensBlurOptions { Focus = LensBlurRenderer.FocusAt(sceneDepth, 205, 200), Aperture = 30 };
            var ours = Render(scene, sceneDepth, post);
            var gegl = Gegl(scene, sceneDepth, post, work);
            WritePng(Path.Combine(dir, "sample_scene.png"), Row(Scale(ours, 320, 240), Scale(gegl, 320, 240)));
            WritePng(Path.Combine(dir, "sample_scene_crop.png"), Row(Crop(ours, 120, 120, 200, 200), Crop(gegl, 120, 120, 200, 200)));
            var bokeh = new LensBlurOptions { Focus = post.Focus, Aperture = 30, Blades = 6, Rotation = 15, HighlightThreshold = 0.7f, HighlightGain = 6 };
            WritePng(Path.Combine(dir, "sample_scene_bokeh.png"), Scale(Render(scene, sceneDepth, bokeh), 320, 240));

            // 6. Middlebury Motorcycle (real disparity), focused on the front of the bike: ours, GEGL. Outputs only: the
            //    data set itself stays out of the repository.
            if (Scenes.Motorcycle() is { } moto)
            {
                var o = new LensBlurOptions { Focus = LensBlurRenderer.FocusAt(moto.Depth, 330, 250), Aperture = 25 };
                var m = Render(moto.Image, moto.Depth, o);
                var g = Gegl(moto.Image, moto.Depth, o, work);
                WritePng(Path.Combine(dir, "motorcycle.png"), Row(Scale(m, 370, 250), Scale(g, 370, 250)));
                WritePng(Path.Combine(dir, "motorcycle_crop.png"), Row(Crop(m, 250, 150, 220, 200), Crop(g, 250, 150, 220, 200)));
            }
            else Console.Error.WriteLine($"{Scenes.MotorcycleDir} not found: motorcycle pictures skipped");
        }
        finally { Directory.Delete(work, true); }
    }
}

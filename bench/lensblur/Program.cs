using System.Diagnostics;
using System.Globalization;
using DepthPlugins.Core.Imaging;
using DepthPlugins.Core.LensBlur;
using DepthPlugins.Core.Processing;
using LensBlurBench;

// Usage:
//   LensBlurBench scene  <dir> [--width W --height H] [--source procedural|motorcycle] [--radius R]
//       writes <dir>/in.ppm (8-bit sRGB), depth.pgm (16-bit, near = white), mask.pgm (16-bit, gegl's blur mask =
//       CoC / R) and params.txt (focus, aperture) for a scene whose largest CoC radius is R.
//   LensBlurBench time   <dir> [--repeat N] [--threads T] [--blades N] [--out out.ppm]
//       renders <dir>'s scene with the CPU renderer, prints the median compute time in ms (pixels already in memory).
//   LensBlurBench time-native <dir> --library artifacts/native/libdepthplugins.so [--repeat N]
//       the same through the published NativeAOT library's C ABI (RGBA8 image, Gray16 depth in, RGBA8 out), as hosts see it.
var cmd = args.Length > 0 ? args[0] : "";
var opt = ParseOptions(args.Skip(2).ToArray());
switch (cmd)
{
    case "scene": Scene(args[1]); break;
    case "time": Time(args[1]); break;
    case "time-native": TimeNative(args[1]); break;
    default:
        Console.Error.WriteLine("usage: LensBlurBench scene|time <dir> [options] (see Program.cs)");
        return 2;
}
return 0;

void Scene(string dir)
{
    Directory.CreateDirectory(dir);
    int w = Int("width", 1920), h = Int("height", 1080);
    float radius = Float("radius", 20);
    string source = opt.GetValueOrDefault("source", "motorcycle");
    (Image img, Plane depth) scene;
    float focus;
    if (source == "motorcycle" && Scenes.Motorcycle(ReadPngViaGegl) is { } m)
    {
        // Bicubic to the benchmark size (the depth too: it is smooth inside objects); focus on the motorcycle's seat.
        var planes = m.Image.Channels.Select(c => Resampler.Resize(c, w, h, ResampleFilter.Bicubic)).ToArray();
        foreach (var p in planes) for (int i = 0; i < p.Data.Length; i++) p.Data[i] = Math.Clamp(p.Data[i], 0f, 1f);
        scene = (new Image(planes, null, Transfer.Srgb), Resampler.Resize(m.Depth, w, h, ResampleFilter.Bilinear));
        focus = LensBlurRenderer.FocusAt(scene.depth, 0.45f * w, 0.45f * h);
    }
    else
    {
        scene = Scenes.Procedural(w, h);
        focus = 0.55f;
    }
    float dmin = scene.depth.Data.Min(), dmax = scene.depth.Data.Max();
    float aperture = radius / Math.Max(dmax - focus, focus - dmin);
    Netpbm.Write(Path.Combine(dir, "in.ppm"), scene.img);
    Netpbm.Write(Path.Combine(dir, "depth.pgm"), Image.Grey(scene.depth), 16);
    var mask = new Plane(w, h);
    for (int i = 0; i < mask.Data.Length; i++) mask.Data[i] = Math.Min(1f, aperture * Math.Abs(scene.depth.Data[i] - focus) / radius);
    Netpbm.Write(Path.Combine(dir, "mask.pgm"), Image.Grey(mask), 16);
    File.WriteAllText(Path.Combine(dir, "params.txt"), FormattableString.Invariant($"focus {focus}\naperture {aperture}\nradius {radius}\n"));
    Console.WriteLine(FormattableString.Invariant($"{source} {w}x{h}: focus {focus:F4}, aperture {aperture:F2} (largest CoC {radius} px)"));
}

void Time(string dir)
{
    var p = File.ReadAllLines(Path.Combine(dir, "params.txt")).Select(l => l.Split(' ')).ToDictionary(a => a[0], a => float.Parse(a[1], CultureInfo.InvariantCulture));
    var img = Netpbm.Read(Path.Combine(dir, "in.ppm"));
    var depth = Netpbm.Read(Path.Combine(dir, "depth.pgm")).Channels[0];
    var par = new Parallelism(Int("threads", 0));
    var kernels = new CpuLensBlurKernels(par);
    var o = new LensBlurOptions { Focus = p["focus"], Aperture = p["aperture"], Blades = Int("blades", 0) };
    int repeat = Int("repeat", 5);
    Image? result = null;
    var times = new List<double>();
    for (int i = 0; i < repeat + 1; i++) // first run warms up the JIT
    {
        var sw = Stopwatch.StartNew();
        result = LensBlurRenderer.Render(kernels, img, depth, o, Progress.None, par);
        sw.Stop();
        if (i > 0) times.Add(sw.Elapsed.TotalMilliseconds);
    }
    times.Sort();
    Console.WriteLine(FormattableString.Invariant($"cpu {img.Width}x{img.Height} largest CoC {p["radius"]}: median {times[times.Count / 2]:F1} ms (min {times[0]:F1}, {repeat} runs, {par.Threads} threads)"));
    if (opt.TryGetValue("out", out var outPath)) Netpbm.Write(outPath, result!);
}

unsafe void TimeNative(string dir)
{
    var p = File.ReadAllLines(Path.Combine(dir, "params.txt")).Select(l => l.Split(' ')).ToDictionary(a => a[0], a => float.Parse(a[1], CultureInfo.InvariantCulture));
    var img = Netpbm.Read(Path.Combine(dir, "in.ppm"));
    var depth = Netpbm.Read(Path.Combine(dir, "depth.pgm")).Channels[0];
    int w = img.Width, h = img.Height;
    var rgba = new byte[w * h * 4];
    for (int i = 0; i < w * h; i++)
    {
        for (int c = 0; c < 3; c++) rgba[i * 4 + c] = PixelCodec.ToByte(img.Channels[c].Data[i]);
        rgba[i * 4 + 3] = 255;
    }
    var d16 = depth.Data.Select(PixelCodec.ToUShort).ToArray();
    var output = new byte[rgba.Length];
    var lib = System.Runtime.InteropServices.NativeLibrary.Load(opt.GetValueOrDefault("library", "artifacts/native/libdepthplugins.so"));
    T Fn<T>(string name) where T : unmanaged { var a = System.Runtime.InteropServices.NativeLibrary.GetExport(lib, name); return *(T*)&a; }
    var create = Fn<nint>("dp_context_create");
    var blur = Fn<nint>("dp_lens_blur");
    var defaults = Fn<nint>("dp_lens_blur_options_default");
    nint ctx;
    if (((delegate* unmanaged<void*, nint*, int>)create)(null, &ctx) != 0) throw new InvalidOperationException("dp_context_create failed");
    var o = new byte[256];
    fixed (byte* po = o)
    {
        *(uint*)po = 52; // sizeof(dp_lens_blur_options)
        ((delegate* unmanaged<byte*, int>)defaults)(po);
        ((float*)po)[1] = p["focus"];     // focus
        ((float*)po)[5] = p["aperture"];  // aperture
    }
    int repeat = Int("repeat", 5);
    var times = new List<double>();
    fixed (byte* pi = rgba, po = output, popt = o)
    fixed (ushort* pd = d16)
    {
        // dp_image: struct_size, width, height, format, (pad), int64 stride, data, alpha_mode, transfer = 40 bytes
        byte* Describe(void* data, int fmt, long stride)
        {
            var b = (byte*)System.Runtime.InteropServices.NativeMemory.AllocZeroed(40);
            *(uint*)b = 40; *(int*)(b + 4) = w; *(int*)(b + 8) = h; *(int*)(b + 12) = fmt; *(long*)(b + 16) = stride; *(void**)(b + 24) = data;
            return b;
        }
        var di = Describe(pi, 4, w * 4L); var dd = Describe(pd, 2, w * 2L); var dout = Describe(po, 4, w * 4L);
        for (int i = 0; i < repeat + 1; i++)
        {
            var sw = Stopwatch.StartNew();
            int st = ((delegate* unmanaged<nint, byte*, byte*, byte*, byte*, void*, nint, int>)blur)(ctx, di, dd, dout, popt, null, 0);
            sw.Stop();
            if (st != 0) throw new InvalidOperationException($"dp_lens_blur failed: {st}");
            if (i > 0) times.Add(sw.Elapsed.TotalMilliseconds);
        }
    }
    times.Sort();
    Console.WriteLine(FormattableString.Invariant($"native {w}x{h} largest CoC {p["radius"]}: median {times[times.Count / 2]:F1} ms (min {times[0]:F1}, {repeat} runs)"));
}

// Reads a PNG by asking the gegl CLI to convert it to PPM (the bench has no PNG decoder of its own).
static Image ReadPngViaGegl(string png)
{
    string tmp = Path.Combine(Path.GetTempPath(), $"lensblur-{Environment.ProcessId}.ppm");
    var psi = new ProcessStartInfo("gegl", [png, "-o", tmp]) { RedirectStandardError = true };
    using (var proc = Process.Start(psi)!) { proc.StandardError.ReadToEnd(); proc.WaitForExit(); }
    var img = Netpbm.Read(tmp);
    File.Delete(tmp);
    return img;
}

static Dictionary<string, string> ParseOptions(string[] a)
{
    var d = new Dictionary<string, string>();
    for (int i = 0; i + 1 < a.Length; i += 2) d[a[i].TrimStart('-')] = a[i + 1];
    return d;
}

int Int(string name, int def) => opt.TryGetValue(name, out var s) ? int.Parse(s, CultureInfo.InvariantCulture) : def;
float Float(string name, float def) => opt.TryGetValue(name, out var s) ? float.Parse(s, CultureInfo.InvariantCulture) : def;

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
//   LensBlurBench gegl-mask-check <dir>: prints the CoC range gegl sees.
var cmd = args.Length > 0 ? args[0] : "";
var opt = ParseOptions(args.Skip(2).ToArray());
switch (cmd)
{
    case "scene": Scene(args[1]); break;
    case "time": Time(args[1]); break;
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

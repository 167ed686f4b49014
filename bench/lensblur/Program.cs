using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using DepthPlugins.Core.Imaging;
using DepthPlugins.Core.LensBlur;
using DepthPlugins.Core.Processing;
using LensBlurBench;

// Usage (run.sh drives these):
//   LensBlurBench scene <dir> [--source synthetic|motorcycle] [--width W --height H] [--radius R]
//       writes <dir>/in.png (8-bit sRGB), depth.png (16-bit, near = white), mask.png (16-bit: gegl's blur mask =
//       CoC / R, so gegl's per-pixel radius equals ours) and params.txt (focus, aperture) for a scene whose largest CoC
//       radius is R.
//   LensBlurBench time <dir> [--repeat N] [--threads T]
//       median time of the in-process CPU renderer (JIT) on the scene, pixels already in memory.
//   LensBlurBench time-native <dir> [--library artifacts/native/libdepthplugins.so] [--repeat N]
//       the same through the published NativeAOT library's C ABI (RGBA8 image, Gray16 depth, RGBA8 out).
//   LensBlurBench time-backend <dir> [--backend cpu|vulkan|auto] [--repeat N] [--full-resolution 1]
//       through the Engine as the CLI and the library use it: the backend's Composite alone (scene prepared once; on
//       Vulkan with the device timestamps of its compute passes: the H100 targets are for that number), the whole lens
//       blur on planes, and the whole lens blur from caller buffers as dp_lens_blur runs it (on Vulkan every step on the
//       device: also the upload, compute and download times and the host's own work).
//   LensBlurBench devices
//       the Vulkan devices present.
//   LensBlurBench pictures <dir>
//       the pictures of bench/RESULTS.md (needs the gegl CLI).
var cmd = args.Length > 1 || (args.Length == 1 && args[0] == "devices") ? args[0] : "";
var opt = new Dictionary<string, string>();
for (int i = 2; i + 1 < args.Length; i += 2) opt[args[i].TrimStart('-')] = args[i + 1];
int Int(string name, int def) => opt.TryGetValue(name, out var s) ? int.Parse(s, CultureInfo.InvariantCulture) : def;

switch (cmd)
{
    case "scene": Scene(args[1]); break;
    case "time": Time(args[1]); break;
    case "time-native": TimeNative(args[1]); break;
    case "time-backend": TimeBackend(args[1]); break;
    case "pictures": Pictures.All(args[1]); break;
    case "devices":
        var (devices, error) = DepthPlugins.Engine.Engine.ListDevices();
        foreach (var d in devices) Console.WriteLine($"{d.Index}: {d.Name} ({d.Type}, driver {d.Driver}, Vulkan {d.ApiVersion}, {d.DeviceLocalBytes >> 20} MiB)");
        if (devices.Count == 0) Console.WriteLine($"no Vulkan device: {error}");
        break;
    default:
        Console.Error.WriteLine("usage: LensBlurBench scene|time|time-native|time-backend|pictures <dir> [options], or LensBlurBench devices (see Program.cs)");
        return 2;
}
return 0;

void Scene(string dir)
{
    Directory.CreateDirectory(dir);
    int w = Int("width", 1920), h = Int("height", 1080);
    float radius = Int("radius", 20);
    string source = opt.GetValueOrDefault("source", "synthetic");
    Image img;
    Plane depth;
    if (source == "motorcycle")
    {
        var m = Scenes.Motorcycle() ?? throw new FileNotFoundException($"{Scenes.MotorcycleDir} is not available");
        img = new Image(m.Image.Channels.Select(c => Clamp01(Resampler.Resize(c, w, h, ResampleFilter.Bicubic))).ToArray(), null, Transfer.Srgb);
        depth = Resampler.Resize(m.Depth, w, h, ResampleFilter.Bilinear);
    }
    else (img, depth) = Scenes.Synthetic(w, h);
    // Focus in the middle of the depth range; the aperture makes the largest CoC exactly the requested radius.
    float dmin = depth.Data.Min(), dmax = depth.Data.Max();
    float focus = 0.5f * (dmin + dmax);
    float aperture = radius / (0.5f * (dmax - dmin));
    Pictures.WritePng(Path.Combine(dir, "in.png"), img);
    Pictures.WriteGreyPng(Path.Combine(dir, "depth.png"), depth, 16);
    var mask = new Plane(w, h);
    for (int i = 0; i < mask.Data.Length; i++) mask.Data[i] = Math.Min(1f, aperture * Math.Abs(depth.Data[i] - focus) / radius);
    Pictures.WriteGreyPng(Path.Combine(dir, "mask.png"), mask, 16);
    File.WriteAllText(Path.Combine(dir, "params.txt"), FormattableString.Invariant($"focus {focus}\naperture {aperture}\nradius {radius}\n"));
    Console.WriteLine(FormattableString.Invariant($"{source} {w}x{h}: focus {focus:F4}, aperture {aperture:F2} (largest CoC {radius} px)"));
}

static Plane Clamp01(Plane p)
{
    for (int i = 0; i < p.Data.Length; i++) p.Data[i] = Math.Clamp(p.Data[i], 0f, 1f);
    return p;
}

Dictionary<string, float> Params(string dir) => File.ReadAllLines(Path.Combine(dir, "params.txt"))
    .Select(l => l.Split(' ')).ToDictionary(a => a[0], a => float.Parse(a[1], CultureInfo.InvariantCulture));

static string Summary(string what, int w, int h, float radius, List<double> times) =>
    FormattableString.Invariant($"{what} {w}x{h} largest CoC {radius}: median {times[times.Count / 2]:F1} ms (min {times[0]:F1}, {times.Count} runs)");

void Time(string dir)
{
    var p = Params(dir);
    var img = Pictures.ReadImage(Path.Combine(dir, "in.png"));
    var depth = Pictures.ReadDepth(Path.Combine(dir, "depth.png"));
    var par = new Parallelism(Int("threads", 0));
    var kernels = new CpuLensBlurKernels(par);
    var o = new LensBlurOptions { Focus = p["focus"], Aperture = p["aperture"] };
    var times = new List<double>();
    for (int i = 0; i < Int("repeat", 5) + 1; i++) // the first run warms up
    {
        var sw = Stopwatch.StartNew();
        LensBlurRenderer.Render(kernels, img, depth, o, Progress.None, par);
        if (i > 0) times.Add(sw.Elapsed.TotalMilliseconds);
    }
    times.Sort();
    Console.WriteLine(Summary($"cpu-jit ({par.Threads} threads)", img.Width, img.Height, p["radius"], times));
}

unsafe void TimeBackend(string dir)
{
    var p = Params(dir);
    var img = Pictures.ReadImage(Path.Combine(dir, "in.png"));
    var depth = Pictures.ReadDepth(Path.Combine(dir, "depth.png"));
    var backend = opt.GetValueOrDefault("backend", "auto") switch
    {
        "cpu" => DepthPlugins.Engine.BackendKind.Cpu,
        "vulkan" => DepthPlugins.Engine.BackendKind.Vulkan,
        _ => DepthPlugins.Engine.BackendKind.Auto,
    };
    DepthPlugins.Engine.Engine engine;
    try { engine = new DepthPlugins.Engine.Engine(new DepthPlugins.Engine.EngineOptions { Backend = backend }); }
    catch (DepthPlugins.Core.DpException e)
    {
        Console.WriteLine($"backend {backend}: {e.Message}");
        return;
    }
    using var _ = engine;
    var o = new LensBlurOptions { Focus = p["focus"], Aperture = p["aperture"], FullResolution = opt.GetValueOrDefault("full-resolution", "0") == "1" };
    var scene = LensBlurRenderer.PrepareScene(img, depth, o, Progress.None, engine.Parallelism);
    int coarse = Enumerable.Range(0, scene.Layers.Count).Count(k => new LayerKernel(scene.Layers.Radius(k), scene.Shape, o.FullResolution).Scale > 1);
    int repeat = Int("repeat", 5);
    var vk = engine.LensBlurKernels as DepthPlugins.Vulkan.VulkanLensBlurKernels;
    // Wall and process CPU time of each run after one warm-up run; on Vulkan also the device timestamps of each run.
    (List<double> Wall, List<double> Cpu, List<DepthPlugins.Vulkan.LensBlurGpuTiming> Gpu, List<DepthPlugins.Vulkan.LensBlurHostTiming> Host) Measure(Action a)
    {
        var wall = new List<double>();
        var cpu = new List<double>();
        var gpu = new List<DepthPlugins.Vulkan.LensBlurGpuTiming>();
        var host = new List<DepthPlugins.Vulkan.LensBlurHostTiming>();
        for (int i = 0; i < repeat + 1; i++)
        {
            var c0 = Process.GetCurrentProcess().TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            a();
            if (i == 0) continue;
            wall.Add(sw.Elapsed.TotalMilliseconds);
            cpu.Add((Process.GetCurrentProcess().TotalProcessorTime - c0).TotalMilliseconds);
            if (vk != null)
            {
                gpu.Add(vk.LastTiming);
                host.Add(vk.LastHostTiming);
            }
        }
        return (wall, cpu, gpu, host);
    }
    static double Median(IEnumerable<double> v)
    {
        var l = v.OrderBy(x => x).ToList();
        return l.Count == 0 ? 0 : l[l.Count / 2];
    }
    string Line(string what, (List<double> Wall, List<double> Cpu, List<DepthPlugins.Vulkan.LensBlurGpuTiming> Gpu, List<DepthPlugins.Vulkan.LensBlurHostTiming> Host) m)
    {
        var text = FormattableString.Invariant($"{what} {img.Width}x{img.Height} largest CoC {p["radius"]}: wall median {Median(m.Wall):F1} ms (min {m.Wall.Min():F1}), process CPU median {Median(m.Cpu):F0} ms, {m.Wall.Count} runs");
        if (m.Gpu.Count > 0 && m.Gpu[0].Submits > 0)
            text += FormattableString.Invariant($"\n    device timestamps, medians: compute {Median(m.Gpu.Select(g => g.ComputeMs)):F2} ms (min {m.Gpu.Min(g => g.ComputeMs):F2}), upload {Median(m.Gpu.Select(g => g.UploadMs)):F2} ms, download {Median(m.Gpu.Select(g => g.DownloadMs)):F2} ms, {m.Gpu[0].Submits} submits");
        return text;
    }
    string name = engine.LensBlurKernels.Name;
    string device = engine.Device?.Name ?? $"{engine.Parallelism.Threads} CPU threads";
    Console.WriteLine($"{name} on {device}: {scene.Layers.Count} layers ({coarse} on coarse grids){(o.FullResolution ? ", full resolution" : "")}");
    Console.WriteLine(Line($"{name} composite (prepared scene)", Measure(() => engine.LensBlurKernels.Composite(scene, Progress.None))));
    Console.WriteLine(Line($"{name} whole lens blur, planes API", Measure(() => engine.LensBlur(img, depth, o, Progress.None))));
    // What dp_lens_blur does: RGBA8 image and Gray16 depth in caller memory, RGBA8 out.
    int w = img.Width, h = img.Height;
    var rgba = new byte[w * h * 4];
    Parallel.For(0, h, y =>
    {
        for (int i = y * w; i < (y + 1) * w; i++)
        {
            for (int c = 0; c < 3; c++) rgba[i * 4 + c] = PixelCodec.ToByte(img.Channels[c].Data[i]);
            rgba[i * 4 + 3] = 255;
        }
    });
    var d16 = depth.Data.Select(PixelCodec.ToUShort).ToArray();
    var output = new byte[rgba.Length];
    fixed (byte* pi = rgba, po = output)
    fixed (ushort* pd = d16)
    {
        var bi = new PixelBuffer((nint)pi, w, h, 4L * w, PixelFormat.Rgba8);
        var bd = new PixelBuffer((nint)pd, w, h, 2L * w, PixelFormat.Gray16);
        var bo = new PixelBuffer((nint)po, w, h, 4L * w, PixelFormat.Rgba8);
        var m = Measure(() => engine.LensBlurRaw(bi, bd, bo, o, Progress.None));
        Console.WriteLine(Line($"{name} whole lens blur, caller buffers (RGBA8 + Gray16 -> RGBA8, as dp_lens_blur)", m));
        if (m.Host.Count > 0 && m.Gpu[0].Submits > 0)
            Console.WriteLine(FormattableString.Invariant($"    host work, medians: copy in {Median(m.Host.Select(t => t.CopyInMs)):F1} ms, layer placement and work lists {Median(m.Host.Select(t => t.PlanMs)):F1} ms, copy out {Median(m.Host.Select(t => t.CopyOutMs)):F1} ms"));
    }
}

unsafe void TimeNative(string dir)
{
    var p = Params(dir);
    var img = Pictures.ReadImage(Path.Combine(dir, "in.png"));
    var depth = Pictures.ReadDepth(Path.Combine(dir, "depth.png"));
    int w = img.Width, h = img.Height;
    var rgba = new byte[w * h * 4];
    for (int i = 0; i < w * h; i++)
    {
        for (int c = 0; c < 3; c++) rgba[i * 4 + c] = PixelCodec.ToByte(img.Channels[c].Data[i]);
        rgba[i * 4 + 3] = 255;
    }
    var d16 = depth.Data.Select(PixelCodec.ToUShort).ToArray();
    var output = new byte[rgba.Length];
    var lib = NativeLibrary.Load(opt.GetValueOrDefault("library", "artifacts/native/libdepthplugins.so"));
    var create = (delegate* unmanaged<void*, nint*, int>)NativeLibrary.GetExport(lib, "dp_context_create");
    var destroy = (delegate* unmanaged<nint, int>)NativeLibrary.GetExport(lib, "dp_context_destroy");
    var defaults = (delegate* unmanaged<LensBlurOptionsC*, int>)NativeLibrary.GetExport(lib, "dp_lens_blur_options_default");
    var blur = (delegate* unmanaged<nint, ImageC*, ImageC*, ImageC*, LensBlurOptionsC*, void*, nint, int>)NativeLibrary.GetExport(lib, "dp_lens_blur");
    nint ctx;
    if (create(null, &ctx) != 0) throw new InvalidOperationException("dp_context_create failed");
    var o = new LensBlurOptionsC { StructSize = (uint)sizeof(LensBlurOptionsC) };
    defaults(&o);
    o.Focus = p["focus"];
    o.Aperture = p["aperture"];
    var times = new List<double>();
    var cpuTimes = new List<double>();
    fixed (byte* pi = rgba, po = output)
    fixed (ushort* pd = d16)
    {
        var di = new ImageC { StructSize = (uint)sizeof(ImageC), Width = w, Height = h, Format = 4, RowStrideBytes = w * 4L, Data = (nint)pi };
        var dd = new ImageC { StructSize = (uint)sizeof(ImageC), Width = w, Height = h, Format = 2, RowStrideBytes = w * 2L, Data = (nint)pd };
        var dout = new ImageC { StructSize = (uint)sizeof(ImageC), Width = w, Height = h, Format = 4, RowStrideBytes = w * 4L, Data = (nint)po };
        for (int i = 0; i < Int("repeat", 5) + 1; i++)
        {
            var c0 = Process.GetCurrentProcess().TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            int st = blur(ctx, &di, &dd, &dout, &o, null, 0);
            if (st != 0) throw new InvalidOperationException($"dp_lens_blur failed: {st}");
            if (i > 0)
            {
                times.Add(sw.Elapsed.TotalMilliseconds);
                cpuTimes.Add((Process.GetCurrentProcess().TotalProcessorTime - c0).TotalMilliseconds);
            }
        }
    }
    destroy(ctx);
    times.Sort();
    cpuTimes.Sort();
    Console.WriteLine(Summary("cpu-native-library", w, h, p["radius"], times) + FormattableString.Invariant($", process CPU median {cpuTimes[cpuTimes.Count / 2]:F0} ms"));
}

/// <summary>dp_image as laid out in depthplugins.h.</summary>
[StructLayout(LayoutKind.Sequential)]
struct ImageC
{
    public uint StructSize;
    public int Width, Height, Format;
    public long RowStrideBytes;
    public nint Data;
    public int AlphaMode, Transfer;
}

/// <summary>dp_lens_blur_options as laid out in depthplugins.h.</summary>
[StructLayout(LayoutKind.Sequential)]
struct LensBlurOptionsC
{
    public uint StructSize;
    public float Focus;
    public int FocusFromPoint;
    public float FocusX, FocusY, Aperture;
    public int Blades;
    public float Rotation, HighlightThreshold, HighlightGain, MaxNearRadius, MaxFarRadius;
    public int DepthNear;
}

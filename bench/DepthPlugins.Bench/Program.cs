using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using DepthPlugins.Core;
using DepthPlugins.Core.Imaging;
using DepthPlugins.Core.Processing;
using DepthPlugins.Core.Refinement;
using DepthPlugins.Vulkan;

// depthplugins-bench: refinement timings of our Vulkan and CPU backends and OpenCV ximgproc, in one run, with ratios.
// Inputs: float32 RGBA guide (linear light), float32 depth, float32 output, as at the C ABI.
//   CPU     the CPU kernels on prepared planes (what OpenCV is given: float images), wall clock.
//   Vulkan  filter: GPU timestamps around the filter passes; gpu: all passes incl. format conversion on the device;
//           e2e: wall clock of the whole call from caller buffers to caller buffer (host copies and transfers included).
// Every figure is the median of --runs runs after --warmup runs.
// --cases fdkn times FDKN instead (Fdkn.cs): our Vulkan passes and CPU path against PyTorch FDKN (tools/train_fdkn --bench).

var opt = Options.Parse(args);
if (opt.ListDevices)
{
    var (devices, error) = VulkanDevice.List();
    foreach (var d in devices) Console.WriteLine($"{d.Index}: {d.Name} ({d.Type}, driver {d.Driver}, Vulkan {d.ApiVersion}, {d.DeviceLocalBytes >> 20} MiB device-local)");
    if (error != null) Console.WriteLine($"no devices: {error}");
    return devices.Count > 0 ? 0 : 1;
}

var cases = new List<(string Name, RefineOptions O)>();
foreach (var c in opt.Cases.Where(c => c != "fdkn"))
    cases.Add(c switch
    {
        "guided" => ("guided colour r=8", new RefineOptions { Method = RefineMethod.Guided, Radius = 8, Eps = 1e-4f }),
        "jbf" => ("JBF 13x13 (r=6)", new RefineOptions { Method = RefineMethod.JointBilateral, Radius = 6, SigmaSpatial = 3f, SigmaRange = 0.06f }),
        _ => throw new ArgumentException($"unknown case {c}"),
    });

VulkanRefineKernels? vk = null;
if (opt.Backends.Contains("vulkan"))
{
    try
    {
        vk = new VulkanRefineKernels(new VulkanDevice(opt.Device), (long)opt.BudgetMib << 20);
        var i = vk.Device.Info;
        Console.WriteLine($"Vulkan device: {i.Name} ({i.Type}, {i.Driver})");
    }
    catch (DpException e) { Console.WriteLine($"Vulkan unavailable: {e.Message}"); }
}
var cpu = new CpuRefineKernels(new Parallelism(opt.Threads));
Console.WriteLine($"CPU: {Environment.ProcessorCount} logical cores, {(opt.Threads > 0 ? opt.Threads : Environment.ProcessorCount)} threads, " +
    $"256-bit vectors {(System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated ? "in hardware" : "NOT accelerated (build for x86-64-v3 / AVX2)")}");

if (opt.Cases.Contains("fdkn")) FdknBench.Run(opt, vk, cpu);
if (cases.Count == 0)
{
    vk?.Dispose();
    return 0;
}

var opencv = opt.Backends.Contains("opencv") ? RunOpenCv(opt) : [];
var rows = new List<string[]>();
foreach (var (w, h) in opt.Sizes)
{
    var (guideBuf, depthBuf, outBuf, planes) = Inputs(w, h);
    foreach (var (name, o) in cases)
    {
        string size = $"{w}x{h}";
        double? cpuMs = null, cpuTime = null, filter = null, gpu = null, e2e = null;
        if (opt.Backends.Contains("cpu"))
        {
            var prepared = DepthRefiner.PrepareGuide(planes.Guide, o.GreyGuide);
            var m = Median(opt.CpuRuns, opt.Warmup, () => { DepthRefiner.Refine(cpu, prepared, planes.Depth, o, Progress.None); return default; });
            (cpuMs, cpuTime) = (m.Wall, m.CpuTime);
        }
        if (vk != null)
        {
            var r = Median(opt.Runs, opt.Warmup, () => { var t = vk.RefineRaw(guideBuf.Buffer, depthBuf.Buffer, outBuf.Buffer, o, Progress.None); return t; });
            (filter, gpu, e2e) = (r.Filter, r.Gpu, r.Wall);
        }
        opencv.TryGetValue((CaseKey(name), size), out var ocvPair);
        double ocv = ocvPair.Wall, ocvCpu = ocvPair.Cpu;
        string F(double? v) => v.HasValue && v.Value > 0 ? v.Value.ToString("0.000", CultureInfo.InvariantCulture) : "-";
        string R(double? a, double? b) => a.HasValue && b.HasValue && a > 0 && b > 0 ? (a.Value / b.Value).ToString("0.0", CultureInfo.InvariantCulture) + "x" : "-";
        rows.Add([name, size, F(ocv > 0 ? ocv : null), F(cpuMs), F(filter), F(gpu), F(e2e), R(ocv > 0 ? ocv : null, cpuMs),
            R(ocvCpu > 0 ? ocvCpu : null, cpuTime), R(cpuMs, filter), R(cpuMs, e2e)]);
        Console.Error.WriteLine($"  done {name} {size}");
    }
    guideBuf.Dispose();
    depthBuf.Dispose();
    outBuf.Dispose();
}
string[] head = ["case", "size", "opencv ms", "cpu ms", "vk filter ms", "vk gpu ms", "vk e2e ms", "cpu vs opencv", "(cpu time)", "vk filter vs cpu", "vk e2e vs cpu"];
var widths = head.Select((hd, i) => Math.Max(hd.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
Console.WriteLine(string.Join(" | ", head.Select((hd, i) => hd.PadRight(widths[i]))));
foreach (var r in rows) Console.WriteLine(string.Join(" | ", r.Select((c, i) => c.PadRight(widths[i]))));
Console.WriteLine("(ratios > 1 mean the first named is that many times faster; vk filter/gpu from Vulkan timestamps, e2e and cpu/opencv wall clock;");
Console.WriteLine(" '(cpu time)' compares process CPU time instead, which other load on a shared machine disturbs less; medians)");
vk?.Dispose();
return 0;

static string CaseKey(string name) => name.StartsWith("guided") ? "guided" : "jbf";

static (double Wall, double CpuTime, double Filter, double Gpu) Median(int runs, int warmup, Func<GpuTiming> f) => Timing.Median(runs, warmup, f);

static (BenchBuffer Guide, BenchBuffer Depth, BenchBuffer Out, (Image Guide, Plane Depth) Planes) Inputs(int w, int h)
{
    // Smooth colour regions with noise and a depth that follows them: realistic for both filters' cost (not zeros).
    var rng = new Random(1);
    var guide = new BenchBuffer(w, h, PixelFormat.RgbaF32);
    var depth = new BenchBuffer(w, h, PixelFormat.GrayF32);
    var outb = new BenchBuffer(w, h, PixelFormat.GrayF32);
    var chans = new[] { new Plane(w, h), new Plane(w, h), new Plane(w, h) };
    var d = new Plane(w, h);
    var g = guide.Floats;
    var dd = depth.Floats;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
        {
            int cell = (y * 6 / h) * 6 + x * 6 / w;
            int i = y * w + x;
            for (int c = 0; c < 3; c++)
            {
                float v = Math.Clamp(((cell * (c + 3) * 37) % 100) / 100f + 0.05f * (rng.NextSingle() - 0.5f), 0f, 1f);
                g[4 * i + c] = v;
                chans[c].Data[i] = v;
            }
            g[4 * i + 3] = 1f;
            float z = rng.NextDouble() < 0.02 ? 0f : 0.1f + 0.8f * ((cell * 13) % 10) / 10f + 0.01f * rng.NextSingle();
            dd[i] = z;
            d.Data[i] = z;
        }
    return (guide, depth, outb, (new Image(chans, null, Transfer.Linear), d));
}

static Dictionary<(string, string), (double Wall, double Cpu)> RunOpenCv(Options opt)
{
    var res = new Dictionary<(string, string), (double Wall, double Cpu)>();
    string script = new[] { Path.Combine(AppContext.BaseDirectory, "opencv_bench.py"), "bench/opencv_bench.py" }.FirstOrDefault(File.Exists) ?? "";
    if (script == "") { Console.WriteLine("OpenCV: opencv_bench.py not found"); return res; }
    var psi = new ProcessStartInfo(opt.Python, [script, "--sizes", string.Join(",", opt.Sizes.Select(s => $"{s.W}x{s.H}")), "--runs", opt.CpuRuns.ToString(CultureInfo.InvariantCulture),
        "--warmup", opt.Warmup.ToString(CultureInfo.InvariantCulture), "--cases", string.Join(",", opt.Cases)])
    { RedirectStandardOutput = true, RedirectStandardError = true };
    try
    {
        using var p = Process.Start(psi)!;
        string stdout = p.StandardOutput.ReadToEnd(), stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var doc = JsonDocument.Parse(line);
            var r = doc.RootElement;
            res[(r.GetProperty("case").GetString()!, r.GetProperty("size").GetString()!)] = (r.GetProperty("median_ms").GetDouble(), r.GetProperty("median_cpu_ms").GetDouble());
        }
        if (p.ExitCode != 0) Console.WriteLine($"OpenCV: {opt.Python} failed: {stderr.Trim()}");
        else Console.WriteLine($"OpenCV: {opt.Python} {script}");
    }
    catch (Exception e) when (e is System.ComponentModel.Win32Exception or JsonException) { Console.WriteLine($"OpenCV unavailable: {e.Message}"); }
    return res;
}

sealed record Options(List<(int W, int H)> Sizes, List<string> Cases, HashSet<string> Backends, int Runs, int CpuRuns, int Warmup,
    int Threads, DeviceChoice Device, int BudgetMib, string Python, bool ListDevices, string? FdknWeights = null, string Torch = "python3", string? TorchDevice = null)
{
    public static Options Parse(string[] a)
    {
        var o = new Options([(1920, 1080), (3840, 2160)], ["guided", "jbf"], ["vulkan", "cpu", "opencv", "torch"], 30, 5, 3, 0, new DeviceChoice(), 4096, "/usr/bin/python3", false);
        for (int i = 0; i < a.Length; i++)
        {
            string V() => i + 1 < a.Length ? a[++i] : throw new ArgumentException($"{a[i]} needs a value");
            int I() => int.Parse(V(), CultureInfo.InvariantCulture);
            o = a[i] switch
            {
                "--sizes" => o with { Sizes = V().Split(',').Select(s => s.Split('x')).Select(p => (int.Parse(p[0], CultureInfo.InvariantCulture), int.Parse(p[1], CultureInfo.InvariantCulture))).ToList() },
                "--cases" => o with { Cases = V().Split(',').ToList() },
                "--backends" => o with { Backends = V().Split(',').ToHashSet() },
                "--runs" => o with { Runs = I() },
                "--cpu-runs" => o with { CpuRuns = I() },
                "--warmup" => o with { Warmup = I() },
                "--threads" => o with { Threads = I() },
                "--device" => o with { Device = int.TryParse(a[i + 1], out int d) ? new DeviceChoice(I()) : new DeviceChoice(-1, V()) },
                "--budget-mib" => o with { BudgetMib = I() },
                "--python" => o with { Python = V() },
                "--list-devices" => o with { ListDevices = true },
                "--fdkn-weights" => o with { FdknWeights = V() },
                "--torch-python" => o with { Torch = V() },
                "--torch-device" => o with { TorchDevice = V() },
                _ => throw new ArgumentException($"unknown option {a[i]}; see bench/README.md"),
            };
        }
        return o;
    }
}

/// <summary>A caller-style buffer in unmanaged memory, as a host would pass through the C ABI.</summary>
sealed unsafe class BenchBuffer : IDisposable
{
    readonly nint _mem;
    public BenchBuffer(int w, int h, PixelFormat f)
    {
        long bytes = (long)w * h * PixelFormats.BytesPerPixel(f);
        _mem = (nint)System.Runtime.InteropServices.NativeMemory.AllocZeroed((nuint)bytes);
        Buffer = new PixelBuffer(_mem, w, h, (long)w * PixelFormats.BytesPerPixel(f), f);
        Count = bytes / 4;
    }
    public PixelBuffer Buffer { get; }
    long Count { get; }
    public Span<float> Floats => new((void*)_mem, checked((int)Count));
    public void Dispose() => System.Runtime.InteropServices.NativeMemory.Free((void*)_mem);
}

static class Timing
{
    /// <summary>Medians of wall time, process CPU time and the GPU timings <paramref name="f"/> reports, over <paramref name="runs"/> runs after <paramref name="warmup"/>.</summary>
    public static (double Wall, double CpuTime, double Filter, double Gpu) Median(int runs, int warmup, Func<GpuTiming> f)
    {
        for (int i = 0; i < warmup; i++) f();
        var wall = new List<double>();
        var cpuTime = new List<double>();
        var filter = new List<double>();
        var gpu = new List<double>();
        using var self = Process.GetCurrentProcess();
        for (int i = 0; i < runs; i++)
        {
            self.Refresh();
            var c = self.TotalProcessorTime;
            long t = Stopwatch.GetTimestamp();
            var g = f();
            wall.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            self.Refresh();
            cpuTime.Add((self.TotalProcessorTime - c).TotalMilliseconds);
            filter.Add(g.FilterMs);
            gpu.Add(g.ComputeMs);
        }
        static double M(List<double> v) { v.Sort(); return v.Count % 2 == 1 ? v[v.Count / 2] : (v[v.Count / 2 - 1] + v[v.Count / 2]) / 2; }
        return (M(wall), M(cpuTime), M(filter), M(gpu));
    }
}

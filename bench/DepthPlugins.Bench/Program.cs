using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using DepthPlugins.Core;
using DepthPlugins.Core.Imaging;
using DepthPlugins.Core.Processing;
using DepthPlugins.Core.Refinement;
using DepthPlugins.Engine;
using DepthPlugins.Vulkan;

// depthplugins-bench: refinement timings of our Vulkan and CPU backends and OpenCV ximgproc, in one run, with ratios.
// Inputs: float32 RGBA guide (linear light), float32 depth with 2% unknown pixels, float32 output, as at the C ABI.
// Order: every GPU part first, then the CPU and OpenCV parts (so the GPU is not left idle, clocks falling, between them).
//   kernels  per case: one poisoned, checked run, then the filter passes alone re-submitted back to back:
//            --warmup-s of GPU work, then --runs timed runs (GPU timestamps): median and min. Each case's output is
//            compared with our CPU path's at the end (max |diff|, unknown-pixel mismatches, pixels never written).
//   calls    the whole RefineRaw call from caller buffers to caller buffer, --e2e-runs times: filter and all-pass GPU time
//            from timestamps, wall clock end to end (host copies and transfers included); then a cold probe: calls after
//            --cold-s seconds of idle GPU, to show what an idle GPU's clocks do to the first calls.
//   cpu      our CPU kernels on prepared planes (what OpenCV is given), wall clock, --cpu-runs runs; OpenCV likewise.
//   pipelines the driver's statistics of every pipeline built (registers and the like), where it reports them.
// SM clocks come from `nvidia-smi` sampled every 100 ms in the background, when it exists.
// --cases fdkn times FDKN instead (FdknBench.cs): our Vulkan passes and CPU path against PyTorch FDKN (tools/train_fdkn --bench).

var opt = Options.Parse(args);
if (opt.ListDevices)
{
    var (devices, error) = VulkanDevice.List();
    foreach (var d in devices) Console.WriteLine($"{d.Index}: {d.Name} ({d.Type}, driver {d.Driver}, Vulkan {d.ApiVersion}, {d.DeviceLocalBytes >> 20} MiB device-local)");
    if (error != null) Console.WriteLine($"no devices: {error}");
    return devices.Count > 0 ? 0 : 1;
}

var cases = new List<Case>();
foreach (var c in opt.Cases.Where(c => c != "fdkn"))
    cases.Add(c switch
    {
        "guided" => new Case("guided colour r=8", "guided", new RefineOptions { Method = RefineMethod.Guided, Radius = 8, Eps = 1e-4f }),
        "jbf" => new Case("JBF 13x13 (r=6)", "jbf", new RefineOptions { Method = RefineMethod.JointBilateral, Radius = 6, SigmaSpatial = 3f, SigmaRange = 0.06f }),
        _ => throw new ArgumentException($"unknown case {c}"),
    });
using var clocks = ClockSampler.Start();
Console.WriteLine(clocks.Note);
VulkanRefineKernels? vk = null;
if (opt.Backends.Contains("vulkan"))
{
    try
    {
        vk = new VulkanRefineKernels(new VulkanDevice(opt.Device, captureStatistics: true), (long)opt.BudgetMib << 20);
        var i = vk.Device.Info;
        Console.WriteLine($"Vulkan device: {i.Name} ({i.Type}, {i.Driver}); shared memory per workgroup {vk.Device.MaxSharedBytes} bytes, " +
            $"workgroup up to {vk.Device.MaxGroupInvocations} invocations");
    }
    catch (DpException e) { Console.WriteLine($"Vulkan unavailable: {e.Message}"); }
}
Console.WriteLine($"CPU: {Environment.ProcessorCount} logical cores, {(opt.Threads > 0 ? opt.Threads : Environment.ProcessorCount)} threads, " +
    $"256-bit vectors {(System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated ? "in hardware" : "NOT accelerated (build for x86-64-v3 / AVX2)")}");

if (opt.Cases.Contains("fdkn")) FdknBench.Run(opt, vk, new CpuRefineKernels(new Parallelism(opt.Threads)));
if (cases.Count == 0)
{
    vk?.Dispose();
    return 0;
}

var inputs = opt.Sizes.Select(s => Inputs(s.W, s.H)).ToList();
var kernelRows = new List<KernelRow>();
var calls = new Dictionary<(string Case, string Size), (double Filter, double FilterMin, double Gpu, double Wall)>();
var cold = new List<string>();

// ---- GPU: kernels (--rounds times), then whole calls, then the cold probe.
if (vk != null)
{
    for (int round = 0; round < opt.Rounds; round++)
        foreach (var (w, h) in opt.Sizes)
        {
            var input = inputs[opt.Sizes.IndexOf((w, h))];
            foreach (var c in cases)
            {
                double t0 = clocks.Now;
                var ms = vk.Profile(input.Guide.Buffer, input.Depth.Buffer, input.Out.Buffer, c.Options, opt.Runs, TimeSpan.FromSeconds(opt.WarmupSeconds));
                double t1 = clocks.Now;
                Array.Sort(ms);
                kernelRows.Add(new KernelRow(c, $"{w}x{h}", round + 1, Median(ms), ms[0], input.Out.Floats.ToArray(), clocks.Describe(t0, t1)));
                Console.Error.WriteLine($"  kernel {c.Name} {w}x{h} round {round + 1}: median {Median(ms):0.000} ms");
            }
        }
    foreach (var (w, h) in opt.Sizes)
    {
        var input = inputs[opt.Sizes.IndexOf((w, h))];
        foreach (var c in cases)
        {
            for (int i = 0; i < opt.Warmup; i++) vk.RefineRaw(input.Guide.Buffer, input.Depth.Buffer, input.Out.Buffer, c.Options, Progress.None);
            var filter = new List<double>();
            var gpu = new List<double>();
            var wall = new List<double>();
            for (int i = 0; i < opt.E2eRuns; i++)
            {
                long t = Stopwatch.GetTimestamp();
                var g = vk.RefineRaw(input.Guide.Buffer, input.Depth.Buffer, input.Out.Buffer, c.Options, Progress.None);
                wall.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
                filter.Add(g.FilterMs);
                gpu.Add(g.ComputeMs);
            }
            calls[(c.Name, $"{w}x{h}")] = (Median(filter), filter.Min(), Median(gpu), Median(wall));
            Console.Error.WriteLine($"  calls {c.Name} {w}x{h}");
        }
    }
    if (opt.ColdSeconds > 0)
    {
        var (w, h) = opt.Sizes[^1];
        var input = inputs[^1];
        foreach (var c in cases)
        {
            Thread.Sleep(TimeSpan.FromSeconds(opt.ColdSeconds));
            double t0 = clocks.Now;
            var f = new List<string>();
            for (int i = 0; i < 8; i++)
                f.Add(vk.RefineRaw(input.Guide.Buffer, input.Depth.Buffer, input.Out.Buffer, c.Options, Progress.None).FilterMs.ToString("0.00", CultureInfo.InvariantCulture));
            cold.Add($"{c.Name} {w}x{h}, after {opt.ColdSeconds:0.#} s idle: filter ms of 8 calls {string.Join(" ", f)}; {clocks.Describe(t0, clocks.Now)}");
        }
    }
}

// ---- CPU: timing on prepared planes, and the reference output of the raw path (Engine on the CPU) to check the GPU's.
var cpuRows = new Dictionary<(string Case, string Size), (double Wall, double CpuTime)>();
var check = new Dictionary<(string Case, string Size, int Round), string>();
using (var cpuEngine = new Engine(new EngineOptions { Backend = BackendKind.Cpu, Threads = opt.Threads }))
{
    var cpu = new CpuRefineKernels(new Parallelism(opt.Threads));
    foreach (var (w, h) in opt.Sizes)
    {
        var input = inputs[opt.Sizes.IndexOf((w, h))];
        foreach (var c in cases)
        {
            string size = $"{w}x{h}";
            if (opt.Backends.Contains("cpu"))
            {
                var prepared = DepthRefiner.PrepareGuide(input.Planes.Guide, c.Options.GreyGuide);
                cpuRows[(c.Name, size)] = MedianCpu(opt.CpuRuns, opt.Warmup, () => DepthRefiner.Refine(cpu, prepared, input.Planes.Depth, c.Options, Progress.None));
            }
            var rows = kernelRows.Where(r => r.Case == c && r.Size == size).ToList();
            if (rows.Count == 0) continue;
            cpuEngine.RefineRaw(input.Guide.Buffer, input.Depth.Buffer, input.Out.Buffer, c.Options, Progress.None);
            var reference = input.Out.Floats.ToArray();
            foreach (var r in rows) check[(c.Name, size, r.Round)] = Check(r.Output, reference);
            Console.Error.WriteLine($"  cpu {c.Name} {size}");
        }
    }
}
var opencv = opt.Backends.Contains("opencv") ? RunOpenCv(opt) : [];

// ---- Tables.
Console.WriteLine();
if (vk != null)
{
    // What the driver made of each pipeline (registers, spills, code size: as it reports them), to explain the timings.
    try
    {
        var stats = vk.Device.PipelineStatistics();
        Console.WriteLine(stats.Count > 0 ? "PIPELINES: driver statistics (VK_KHR_pipeline_executable_properties), by shader:specialisation constants"
            : "PIPELINES: the driver reports no pipeline statistics (no VK_KHR_pipeline_executable_properties)");
        foreach (var (pipeline, items) in stats) Console.WriteLine($"  {pipeline}: {items}");
    }
    catch (DpException e) { Console.WriteLine($"PIPELINES: statistics failed: {e.Message}"); }
    Console.WriteLine();
}
Console.WriteLine($"KERNELS: GPU time of the filter passes (timestamps), back-to-back submits after {opt.WarmupSeconds:0.#} s of GPU warm-up, {opt.Runs} runs;");
Console.WriteLine("  check = our CPU path's output vs the GPU's: max |diff| (tolerance: JBF 1e-4, guided 2e-3), unknown-pixel mismatches, pixels never written");
Table(["case", "size", "round", "median ms", "min ms", "check vs cpu", "SM clock"],
    kernelRows.OrderBy(r => r.Size).ThenBy(r => r.Case.Name).ThenBy(r => r.Round)
        .Select(r => new[] { r.Case.Name, r.Size, r.Round.ToString(CultureInfo.InvariantCulture), F(r.Median), F(r.Min),
            check.GetValueOrDefault((r.Case.Name, r.Size, r.Round), "-"), r.Clock }).ToList());
Console.WriteLine();
Console.WriteLine($"CALLS: Vulkan medians of {opt.E2eRuns} whole calls (filter also min), CPU/OpenCV medians of {opt.CpuRuns}");
var callRows = new List<string[]>();
foreach (var (w, h) in opt.Sizes)
    foreach (var c in cases)
    {
        string size = $"{w}x{h}";
        double? Get(Func<(double Filter, double FilterMin, double Gpu, double Wall), double> f) => calls.TryGetValue((c.Name, size), out var v) ? f(v) : null;
        double? cpuMs = cpuRows.TryGetValue((c.Name, size), out var cr) ? cr.Wall : null, cpuTime = cpuRows.TryGetValue((c.Name, size), out cr) ? cr.CpuTime : null;
        opencv.TryGetValue((c.Key, size), out var ocv);
        double? filter = Get(v => v.Filter), e2e = Get(v => v.Wall);
        callRows.Add([c.Name, size, F(ocv.Wall > 0 ? ocv.Wall : null), F(cpuMs), F(filter), F(Get(v => v.FilterMin)), F(Get(v => v.Gpu)), F(e2e),
            R(ocv.Wall > 0 ? ocv.Wall : null, cpuMs), R(ocv.Cpu > 0 ? ocv.Cpu : null, cpuTime), R(cpuMs, filter), R(cpuMs, e2e)]);
    }
Table(["case", "size", "opencv ms", "cpu ms", "vk filter ms", "(min)", "vk gpu ms", "vk e2e ms", "cpu vs opencv", "(cpu time)", "vk filter vs cpu", "vk e2e vs cpu"], callRows);
Console.WriteLine("(ratios > 1 mean the first named is that many times faster; '(cpu time)' compares process CPU time, which other load disturbs less)");
foreach (var line in cold) Console.WriteLine("COLD: " + line);
vk?.Dispose();
foreach (var i in inputs) i.Dispose();
return 0;

static string F(double? v) => v.HasValue && v.Value > 0 ? v.Value.ToString("0.000", CultureInfo.InvariantCulture) : "-";
static string R(double? a, double? b) => a.HasValue && b.HasValue && a > 0 && b > 0 ? (a.Value / b.Value).ToString("0.0", CultureInfo.InvariantCulture) + "x" : "-";

static void Table(string[] head, List<string[]> rows)
{
    var widths = head.Select((hd, i) => Math.Max(hd.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
    Console.WriteLine(string.Join(" | ", head.Select((hd, i) => hd.PadRight(widths[i]))));
    foreach (var r in rows) Console.WriteLine(string.Join(" | ", r.Select((c, i) => c.PadRight(widths[i]))));
}

static double Median(IReadOnlyList<double> v)
{
    var s = v.Order().ToList();
    return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
}

static (double Wall, double CpuTime) MedianCpu(int runs, int warmup, Action f)
{
    for (int i = 0; i < warmup; i++) f();
    var wall = new List<double>();
    var cpuTime = new List<double>();
    using var self = Process.GetCurrentProcess();
    for (int i = 0; i < runs; i++)
    {
        self.Refresh();
        var c = self.TotalProcessorTime;
        long t = Stopwatch.GetTimestamp();
        f();
        wall.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
        self.Refresh();
        cpuTime.Add((self.TotalProcessorTime - c).TotalMilliseconds);
    }
    return (Median(wall), Median(cpuTime));
}

// Max |gpu - cpu| over pixels both know; pixels unknown on one side only; pixels the GPU never wrote (poison).
static string Check(float[] gpu, float[] cpu)
{
    double max = 0;
    long unknown = 0, unwritten = 0;
    for (long i = 0; i < gpu.Length; i++)
    {
        float g = gpu[i], c = cpu[i];
        if (g == VulkanRefineKernels.PoisonValue) { unwritten++; continue; }
        if (float.IsNaN(g) || float.IsNaN(c)) { if (float.IsNaN(g) != float.IsNaN(c)) unknown++; continue; }
        max = Math.Max(max, Math.Abs((double)g - c));
    }
    return $"{max:0.0e+0} {unknown} {unwritten}";
}

static BenchInput Inputs(int w, int h)
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
    return new BenchInput(guide, depth, outb, (new Image(chans, null, Transfer.Linear), d));
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

sealed record Case(string Name, string Key, RefineOptions Options);

sealed record KernelRow(Case Case, string Size, int Round, double Median, double Min, float[] Output, string Clock);

sealed record BenchInput(BenchBuffer Guide, BenchBuffer Depth, BenchBuffer Out, (Image Guide, Plane Depth) Planes) : IDisposable
{
    public void Dispose()
    {
        Guide.Dispose();
        Depth.Dispose();
        Out.Dispose();
    }
}

sealed record Options(List<(int W, int H)> Sizes, List<string> Cases, HashSet<string> Backends, int Runs, int E2eRuns, int CpuRuns, int Warmup,
    double WarmupSeconds, int Rounds, double ColdSeconds, int Threads, DeviceChoice Device, int BudgetMib, string Python, bool ListDevices,
    string? FdknWeights = null, string Torch = "python3", string? TorchDevice = null)
{
    public static Options Parse(string[] a)
    {
        var o = new Options([(1920, 1080), (3840, 2160)], ["guided", "jbf"], ["vulkan", "cpu", "opencv", "torch"], 100, 30, 5, 3, 1.0, 1, 0, 0,
            new DeviceChoice(), 4096, "/usr/bin/python3", false);
        for (int i = 0; i < a.Length; i++)
        {
            string V() => i + 1 < a.Length ? a[++i] : throw new ArgumentException($"{a[i]} needs a value");
            int I() => int.Parse(V(), CultureInfo.InvariantCulture);
            double D() => double.Parse(V(), CultureInfo.InvariantCulture);
            o = a[i] switch
            {
                "--sizes" => o with { Sizes = V().Split(',').Select(s => s.Split('x')).Select(p => (int.Parse(p[0], CultureInfo.InvariantCulture), int.Parse(p[1], CultureInfo.InvariantCulture))).ToList() },
                "--cases" => o with { Cases = V().Split(',').ToList() },
                "--backends" => o with { Backends = V().Split(',').ToHashSet() },
                "--runs" => o with { Runs = I() },
                "--e2e-runs" => o with { E2eRuns = I() },
                "--cpu-runs" => o with { CpuRuns = I() },
                "--warmup" => o with { Warmup = I() },
                "--warmup-s" => o with { WarmupSeconds = D() },
                "--rounds" => o with { Rounds = I() },
                "--cold-s" => o with { ColdSeconds = D() },
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

/// <summary>
/// SM clock, power and performance state from `nvidia-smi -lms 100` running in the background for the whole benchmark,
/// so reading them never pauses the GPU work being timed. Without nvidia-smi every description is "-".
/// </summary>
sealed class ClockSampler : IDisposable
{
    readonly Process? _smi;
    readonly Stopwatch _clock = Stopwatch.StartNew();
    readonly List<(double T, string Sm, string Power, string PState)> _samples = [];

    ClockSampler(Process? smi, string note)
    {
        _smi = smi;
        Note = note;
        if (smi == null) return;
        smi.OutputDataReceived += (_, e) =>
        {
            var f = e.Data?.Split(',', StringSplitOptions.TrimEntries);
            if (f is { Length: 3 }) lock (_samples) _samples.Add((Now, f[0], f[1], f[2]));
        };
        smi.BeginOutputReadLine();
    }

    public string Note { get; }
    public double Now => _clock.Elapsed.TotalSeconds;

    public static ClockSampler Start()
    {
        try
        {
            var psi = new ProcessStartInfo("nvidia-smi", ["--query-gpu=clocks.sm,power.draw,pstate", "--format=csv,noheader,nounits", "-lms", "100"])
            { RedirectStandardOutput = true, RedirectStandardError = true };
            var p = Process.Start(psi)!;
            return new ClockSampler(p, "GPU clocks: nvidia-smi sampled every 100 ms (SM MHz at the start -> at the end of each phase, min over it; power W; P-state)");
        }
        catch (System.ComponentModel.Win32Exception) { return new ClockSampler(null, "GPU clocks: no nvidia-smi here, not reported"); }
    }

    /// <summary>SM MHz of the first and last sample in [t0, t1], the minimum over it, the largest power and the P-states.</summary>
    public string Describe(double t0, double t1)
    {
        List<(double T, string Sm, string Power, string PState)> s;
        lock (_samples) s = _samples.Where(x => x.T >= t0 && x.T <= t1).ToList();
        if (s.Count == 0) return "-";
        static double N(string v) => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : double.NaN;
        var sm = s.Select(x => N(x.Sm)).ToList();
        return $"{sm[0]:0}->{sm[^1]:0} MHz (min {sm.Min():0}), <={s.Max(x => N(x.Power)):0} W, {string.Join("/", s.Select(x => x.PState).Distinct())}";
    }

    public void Dispose()
    {
        if (_smi == null) return;
        try { if (!_smi.HasExited) _smi.Kill(); } catch (InvalidOperationException) { }
        _smi.Dispose();
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

using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using DepthPlugins.Core;
using DepthPlugins.Core.Deformable;
using DepthPlugins.Core.Imaging;
using DepthPlugins.Core.Processing;
using DepthPlugins.Core.Refinement;
using DepthPlugins.Vulkan;

/// <summary>
/// FDKN timings (<c>--cases fdkn</c>) in one run: PyTorch FDKN on this machine (tools/train_fdkn/train_fdkn.py --bench:
/// the same network with cuDNN convolutions; CUDA-event time of one forward pass with its inputs on the GPU), our Vulkan
/// passes (GPU timestamps around every FDKN pass; "gpu" adds the read-back copy; "e2e" is the wall clock of the whole call
/// from host planes to host plane: padding, uploads of inputs and weights, read-back), and our CPU path (wall clock),
/// with ratios. Weights: --fdkn-weights FILE, else random ones (speed does not depend on their values). With
/// --torch-device cpu the PyTorch peer runs on the CPU instead (the peer of our CPU path; wall clock).
/// </summary>
static class FdknBench
{
    public static void Run(Options opt, VulkanRefineKernels? vk, CpuRefineKernels cpu)
    {
        var model = opt.FdknWeights != null ? FdknModel.Load(opt.FdknWeights) : RandomModel(1);
        Console.WriteLine($"FDKN: weights {opt.FdknWeights ?? "random"}; {model.MacsPerQuarterPixel} multiply-adds per 1/4-resolution pixel");
        var torch = opt.Backends.Contains("torch") ? RunTorch(opt) : [];
        var rows = new List<string[]>();
        foreach (var (w, h) in opt.Sizes)
        {
            var (luma, target) = Inputs(w, h);
            string size = $"{w}x{h}";
            double gmac = model.MacsPerQuarterPixel * (double)((w + 3) / 4) * ((h + 3) / 4) / 1e9;
            double? cpuMs = null, cpuTime = null, passes = null, gpu = null, e2e = null;
            if (opt.Backends.Contains("cpu"))
            {
                var m = Timing.Median(opt.CpuRuns, opt.Warmup, () => { cpu.Fdkn(model, luma, target, Progress.None); return default; });
                (cpuMs, cpuTime) = (m.Wall, m.CpuTime);
            }
            if (vk != null)
            {
                var r = Timing.Median(opt.Runs, opt.Warmup, () => vk.FdknTimed(model, luma, target, Progress.None).Timing);
                (passes, gpu, e2e) = (r.Filter, r.Gpu, r.Wall);
            }
            double? pt = torch.TryGetValue(size, out double t) ? t : null;
            string F(double? v) => v is > 0 ? v.Value.ToString("0.000", CultureInfo.InvariantCulture) : "-";
            string R(double? a, double? b) => a is > 0 && b is > 0 ? (a.Value / b.Value).ToString("0.0", CultureInfo.InvariantCulture) + "x" : "-";
            string Rate(double? ms) => ms is > 0 ? (2 * gmac / ms.Value).ToString("0.0", CultureInfo.InvariantCulture) : "-"; // GFLOP/ms = TFLOP/s
            rows.Add(["FDKN", size, F(pt), F(cpuMs), F(cpuTime), F(passes), F(gpu), F(e2e), Rate(passes), R(pt, cpuMs), R(pt, passes), R(cpuMs, passes), R(cpuMs, e2e)]);
            Console.Error.WriteLine($"  done FDKN {size}");
        }
        string[] head = ["case", "size", "torch ms", "cpu ms", "(cpu time ms)", "vk passes ms", "vk gpu ms", "vk e2e ms", "vk TFLOP/s", "cpu vs torch", "vk passes vs torch", "vk passes vs cpu", "vk e2e vs cpu"];
        var widths = head.Select((hd, i) => Math.Max(hd.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        Console.WriteLine(string.Join(" | ", head.Select((hd, i) => hd.PadRight(widths[i]))));
        foreach (var r in rows) Console.WriteLine(string.Join(" | ", r.Select((c, i) => c.PadRight(widths[i]))));
        Console.WriteLine("(ratios > 1: the first named is that many times faster; vk passes/gpu are GPU time, torch GPU time on CUDA (wall clock with");
        Console.WriteLine(" --torch-device cpu), e2e and cpu wall clock;");
        Console.WriteLine(" '(cpu time ms)' is our CPU path's process CPU time over all threads, which other load disturbs less than wall clock;");
        Console.WriteLine(" TFLOP/s counts 2 per multiply-add of the convolutions over the passes' time; medians)");
    }

    /// <summary>A smooth luminance with edges and a depth that follows it: the network's cost does not depend on content,
    /// the deformable pass's memory traffic a little.</summary>
    static (Plane Luma, Plane Target) Inputs(int w, int h)
    {
        var rng = new Random(1);
        var luma = new Plane(w, h);
        var target = new Plane(w, h);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int cell = (y * 6 / h) * 6 + x * 6 / w;
                luma[x, y] = ((cell * 37) % 100) / 100f + 0.05f * (rng.NextSingle() - 0.5f);
                target[x, y] = 0.1f + 0.8f * ((cell * 13) % 10) / 10f + 0.01f * rng.NextSingle();
            }
        return (luma, target);
    }

    /// <summary>Random weights in the authors' layout (built as a safetensors file in memory, so they load exactly as real ones).</summary>
    static FdknModel RandomModel(int seed)
    {
        var rng = new Random(seed);
        var tensors = new List<(string Name, int[] Shape, float Scale, float Offset)>();
        int[] ch = [.. FdknModel.Channels];
        foreach (var p in new[] { "ImageKernel", "DepthKernel" })
        {
            for (int n = 1; n <= 6; n++)
            {
                tensors.Add(($"{p}.conv{n}.weight", [ch[n], ch[n - 1], 3, 3], MathF.Sqrt(6f / (ch[n - 1] * 9)), 0));
                tensors.Add(($"{p}.conv{n}.bias", [ch[n]], 0.1f, 0));
                if (n % 2 == 1)
                    foreach (var (s, scale, offset) in new[] { ("weight", 0.2f, 1f), ("bias", 0.1f, 0f), ("running_mean", 0.1f, 0f), ("running_var", 0.2f, 1f) })
                        tensors.Add(($"{p}.conv{n}_bn.{s}", [ch[n]], scale, offset));
            }
            tensors.Add(($"{p}.conv_weight.weight", [FdknModel.WeightChannels, ch[^1], 1, 1], MathF.Sqrt(6f / ch[^1]), 0));
            tensors.Add(($"{p}.conv_weight.bias", [FdknModel.WeightChannels], 1, 0));
            tensors.Add(($"{p}.conv_offset.weight", [FdknModel.OffsetChannels, ch[^1], 1, 1], MathF.Sqrt(6f / ch[^1]), 0));
            tensors.Add(($"{p}.conv_offset.bias", [FdknModel.OffsetChannels], 1, 0));
        }
        var header = new StringBuilder("{");
        var data = new MemoryStream();
        foreach (var (name, shape, scale, offset) in tensors)
        {
            long begin = data.Length;
            int n = shape.Aggregate(1, (a, b) => a * b);
            for (int i = 0; i < n; i++) data.Write(BitConverter.GetBytes(offset + scale * (2 * rng.NextSingle() - 1)));
            header.Append(header.Length > 1 ? "," : "").Append($"\"{name}\":{{\"dtype\":\"F32\",\"shape\":[{string.Join(",", shape)}],\"data_offsets\":[{begin},{data.Length}]}}");
        }
        var json = Encoding.UTF8.GetBytes(header.Append('}').ToString());
        var file = new MemoryStream();
        file.Write(BitConverter.GetBytes((ulong)json.Length));
        file.Write(json);
        data.WriteTo(file);
        return FdknModel.FromTensors(SafeTensors.Parse(file.ToArray(), "random FDKN weights"));
    }

    /// <summary>PyTorch FDKN timings per size ("WxH" → median ms) from train_fdkn.py --bench, or none (with the reason printed).</summary>
    static Dictionary<string, double> RunTorch(Options opt)
    {
        var res = new Dictionary<string, double>();
        string script = new[] { Path.Combine(AppContext.BaseDirectory, "train_fdkn.py"), "tools/train_fdkn/train_fdkn.py" }.FirstOrDefault(File.Exists) ?? "";
        if (script == "") { Console.WriteLine("PyTorch: train_fdkn.py not found"); return res; }
        var psi = new ProcessStartInfo(opt.Torch, [script, "--bench", string.Join(",", opt.Sizes.Select(s => $"{s.W}x{s.H}")),
            "--runs", (opt.TorchDevice == "cpu" ? opt.CpuRuns : opt.Runs).ToString(CultureInfo.InvariantCulture), "--warmup", opt.Warmup.ToString(CultureInfo.InvariantCulture),
            .. (opt.TorchDevice != null ? new[] { "--device", opt.TorchDevice } : [])])
        { RedirectStandardOutput = true, RedirectStandardError = true };
        try
        {
            using var p = Process.Start(psi)!;
            var stderr = p.StandardError.ReadToEndAsync();
            string stdout = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            string device = "";
            foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                using var doc = JsonDocument.Parse(line);
                var r = doc.RootElement;
                res[r.GetProperty("size").GetString()!] = r.GetProperty("median_ms").GetDouble();
                device = $"{r.GetProperty("device").GetString()}, torch {r.GetProperty("torch").GetString()}";
            }
            Console.WriteLine(p.ExitCode != 0 ? $"PyTorch: {opt.Torch} {script} failed: {stderr.Result.Trim()}" : $"PyTorch: {opt.Torch} {script} ({device})");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or JsonException) { Console.WriteLine($"PyTorch unavailable: {e.Message}"); }
        return res;
    }
}

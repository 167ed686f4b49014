using System.Diagnostics;
using System.Globalization;
using DepthPlugins.Core;
using DepthPlugins.Core.Evaluation;
using DepthPlugins.Core.Imaging;
using DepthPlugins.Core.Processing;
using DepthPlugins.Core.Refinement;

namespace DepthPlugins.Cli.Evaluation;

enum Protocol { Clean, Noisy }

/// <summary>A method under test: bicubic interpolation (Options null; PIL's kernel, over known samples only) or the
/// refiner with these options.</summary>
sealed record EvalMethod(string Label, RefineOptions? Options)
{
    static readonly Dictionary<string, RefineMethod> Names = new()
    {
        ["jbf"] = RefineMethod.JointBilateral,
        ["guided"] = RefineMethod.Guided,
        ["jbu"] = RefineMethod.JointBilateralUpsampling,
        ["cascade"] = RefineMethod.Cascade,
        ["fdkn"] = RefineMethod.Fdkn,
    };

    public static IEnumerable<string> KnownNames => ["bicubic", .. Names.Keys];

    /// <summary>"jbu" or, for parameter studies, "jbu:radius=3:sigma-range=0.1" (the refine command's option names).
    /// fdkn takes its weights from "fdkn:weights=FILE", else from <paramref name="fdknWeights"/> (eval --weights).</summary>
    public static EvalMethod Parse(string spec, string? fdknWeights = null)
    {
        var parts = spec.Split(':');
        string name = parts[0];
        if (name == "bicubic")
        {
            if (parts.Length > 1) throw new UsageException("bicubic takes no parameters");
            return new EvalMethod(spec, null);
        }
        if (!Names.TryGetValue(name, out var method))
            throw new UsageException($"unknown method '{name}' (known: {string.Join(", ", KnownNames)})");
        var o = new RefineOptions { Method = method, WeightsPath = method == RefineMethod.Fdkn ? fdknWeights : null };
        foreach (var kv in parts[1..])
        {
            int eq = kv.IndexOf('=');
            string key = eq > 0 ? kv[..eq] : kv;
            string val = eq > 0 ? kv[(eq + 1)..] : "";
            float F() => float.TryParse(val, NumberStyles.Float, CultureInfo.InvariantCulture, out float f) && float.IsFinite(f) && f >= 0
                ? f : throw new UsageException($"{spec}: '{key}' expects a non-negative number, not '{val}'");
            switch (key)
            {
                case "radius": o.Radius = (int)F(); break;
                case "sigma-spatial": o.SigmaSpatial = F(); break;
                case "sigma-range": o.SigmaRange = F(); break;
                case "eps": o.Eps = F(); break;
                case "grey-guide": o.GreyGuide = true; break;
                case "weights" when method == RefineMethod.Fdkn: o.WeightsPath = val; break;
                default: throw new UsageException($"{spec}: unknown parameter '{key}' (radius, sigma-spatial, sigma-range, eps, grey-guide; fdkn: weights)");
            }
        }
        try { o.Resolve(); }
        catch (DpException e) { throw new UsageException($"{spec}: {e.Message}"); }
        return new EvalMethod(spec, o);
    }
}

sealed record EvalResult(EvalScene Scene, int Scale, string Method, MetricSet Metrics, double Seconds);

/// <summary>
/// Runs the protocols. clean: truth (cropped to a multiple of s) → PIL-style antialiased bicubic shrink by s →
/// each method upsamples with the colour guide. noisy: the provided noisy inputs of the Park set. Both score against
/// the truth on 0..255 with a border of s pixels cropped and unknown truth masked out.
/// </summary>
sealed class EvalRunner(Engine.Engine engine, IReadOnlyList<EvalMethod> methods, Protocol protocol, int[] scales)
{
    static readonly DepthValidity Validity = new(ZeroIsInvalid: true);

    /// <summary>Called with (what is running, overall fraction) before each step.</summary>
    public Action<string, float>? OnProgress { get; init; }
    /// <summary>When set, every output is written here (as 16-bit PNG) for inspection.</summary>
    public Action<EvalScene, int, string, Plane>? OnOutput { get; init; }

    public List<EvalResult> Run(IReadOnlyList<EvalScene> scenes)
    {
        var results = new List<EvalResult>();
        int total = scenes.Count * scales.Length * methods.Count, done = 0;
        foreach (var scene in scenes)
        {
            OnProgress?.Invoke($"{scene.Id}: reading", (float)done / total);
            var (guide, truth) = scene.Load();
            foreach (int s in scales)
            {
                var (g, t, low) = Inputs(scene, guide, truth, s);
                foreach (var m in methods)
                {
                    OnProgress?.Invoke($"{scene.Id} x{s} {m.Label}", (float)done / total);
                    var sw = Stopwatch.StartNew();
                    var output = Upsample(m, g, low);
                    double seconds = sw.Elapsed.TotalSeconds;
                    OnOutput?.Invoke(scene, s, m.Label, output);
                    var metrics = DepthMetrics.Compute(output, t, new MetricOptions { Border = s });
                    results.Add(new EvalResult(scene, s, m.Label, metrics, seconds));
                    done++;
                }
            }
        }
        OnProgress?.Invoke("done", 1f);
        return results;
    }

    (Image Guide, Plane Truth, Plane Low) Inputs(EvalScene scene, Image guide, Plane truth, int s)
    {
        if (protocol == Protocol.Clean)
        {
            var t = CleanDegradation.ModCrop(truth, s);
            return (CleanDegradation.ModCrop(guide, s), t, CleanDegradation.Downsample(t, s, Validity));
        }
        if (!scene.NoisyInputs.TryGetValue(s, out var path))
            throw DpException.Invalid($"{scene.Id} has no noisy input for x{s} (the noisy protocol has x2, x4, x8, x16 on the Park set)");
        var low = Rasters.ToDepth(ImageIO.ImageFile.Read(path));
        if (low.Width * s != truth.Width || low.Height * s != truth.Height)
            throw DpException.Invalid($"{path} is {low.Width}x{low.Height}, not 1/{s} of the truth's {truth.Width}x{truth.Height}");
        return (guide, truth, low);
    }

    Plane Upsample(EvalMethod m, Image guide, Plane low)
    {
        if (m.Options != null) return engine.Refine(guide, low, m.Options, Progress.None);
        // Bicubic over known samples. Its negative lobes can leave next to no known weight at the rim of a hole
        // (Resampler then answers 0 = unknown); there bilinear over known samples, whose weights are positive, fills in.
        var o = Resampler.Resize(low, guide.Width, guide.Height, ResampleFilter.Bicubic, Validity.IsValid);
        if (Array.TrueForAll(low.Data, Validity.IsValid)) return o;
        var fallback = Resampler.Resize(low, guide.Width, guide.Height, ResampleFilter.Bilinear, Validity.IsValid);
        for (long i = 0; i < o.Data.LongLength; i++)
            if (o.Data[i] == 0f) o.Data[i] = fallback.Data[i];
        return o;
    }
}

using DepthPlugins.Core;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace DepthPlugins.Inference;

/// <summary>Which ONNX Runtime execution provider runs the network; values equal <c>dp_execution_provider</c>.</summary>
public enum ExecutionProvider
{
    Cpu = 0,
    /// <summary>NVIDIA CUDA (needs an ORT build with the CUDA provider, e.g. the Microsoft.ML.OnnxRuntime.Gpu package).</summary>
    Cuda = 1,
    /// <summary>DirectML on Windows (Microsoft.ML.OnnxRuntime.DirectML).</summary>
    DirectML = 2,
    /// <summary>CoreML on macOS / iOS.</summary>
    CoreML = 3,
}

/// <summary>How sessions are created: provider, its device, and the CPU thread budget.</summary>
public readonly record struct SessionSettings(ExecutionProvider Provider, int DeviceId, int Threads);

/// <summary>
/// One loaded depth network: an ONNX Runtime session plus the <see cref="ModelSpec"/> that says how to feed it.
/// Thread-safe: ORT sessions may <c>Run</c> concurrently.
/// </summary>
public sealed class DepthModel : IDisposable
{
    readonly InferenceSession _session;

    DepthModel(string path, InferenceSession session, ModelSpec spec)
    {
        Path = path;
        _session = session;
        Spec = spec;
    }

    public string Path { get; }
    public ModelSpec Spec { get; }

    /// <summary>Loads and inspects a model file; applies its sidecar. Throws <see cref="DpException"/> (Io, Model, Unsupported).</summary>
    public static DepthModel Load(string path, SessionSettings settings)
    {
        if (Directory.Exists(path)) throw new DpException(DpStatus.Io, $"model path {path} is a folder, not a file");
        if (!File.Exists(path)) throw new DpException(DpStatus.Io, $"model file {path} does not exist");
        var sidecar = Sidecar.ReadFor(path); // a broken sidecar fails before the (slow) session creation
        var session = CreateSession(path, settings);
        try
        {
            var spec = Inspect(session, path);
            if (sidecar != null) spec = sidecar.ApplyTo(spec, Sidecar.PathFor(path));
            return new DepthModel(path, session, spec);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The process-wide ONNX Runtime environment, made once before the first session: errors-only logging (its
    /// warnings would land on a host application's stderr) and telemetry off (a plug-in must not phone home).
    /// </summary>
    static readonly Lazy<OrtEnv> Environment_ = new(() =>
    {
        var options = new EnvironmentCreationOptions { logId = "depthplugins", logLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        var env = OrtEnv.CreateInstanceWithOptions(ref options);
        env.DisableTelemetryEvents();
        return env;
    });

    static InferenceSession CreateSession(string path, SessionSettings settings)
    {
        _ = Environment_.Value;
        // Errors only: ORT's warnings (e.g. about unused initializers) would land on a host application's stderr.
        var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        try
        {
            if (settings.Threads > 0) options.IntraOpNumThreads = settings.Threads;
            AppendProvider(options, settings);
            return new InferenceSession(path, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new DpException(DpStatus.Model, $"cannot load {path} as an ONNX model: {FirstLine(e.Message)}", e);
        }
        finally
        {
            options.Dispose(); // the session keeps what it needs
        }
    }

    static void AppendProvider(SessionOptions options, SessionSettings s)
    {
        if (s.Provider == ExecutionProvider.Cpu) return;
        try
        {
            switch (s.Provider)
            {
                case ExecutionProvider.Cuda: options.AppendExecutionProvider_CUDA(s.DeviceId); break;
                case ExecutionProvider.DirectML: options.AppendExecutionProvider_DML(s.DeviceId); break;
                case ExecutionProvider.CoreML: options.AppendExecutionProvider_CoreML(); break;
                default: throw DpException.Invalid($"unknown execution provider {(int)s.Provider}");
            }
        }
        catch (Exception e) when (e is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
        {
            throw new DpException(DpStatus.Unsupported,
                $"the {s.Provider} execution provider is not available in this build of ONNX Runtime (it ships the CPU provider; see docs/depth-estimation.md): {FirstLine(e.Message)}", e);
        }
    }

    /// <summary>Checks the input is one float tensor N×3×H×W and the output one float tensor [1,]1×H×W; detects the family.</summary>
    static ModelSpec Inspect(InferenceSession session, string path)
    {
        string name = System.IO.Path.GetFileName(path);
        if (session.InputMetadata.Count != 1)
            throw new DpException(DpStatus.Model, $"{name} has {session.InputMetadata.Count} inputs; a depth model takes one image tensor");
        var (inName, input) = session.InputMetadata.First();
        if (!input.IsTensor || input.ElementDataType != TensorElementType.Float)
            throw new DpException(DpStatus.Model, $"{name}: input \"{inName}\" must be a float32 tensor, not {input.ElementDataType}");
        var d = input.Dimensions;
        if (d.Length != 4)
            throw new DpException(DpStatus.Model, $"{name}: input \"{inName}\" has rank {d.Length} ({Shape(d)}); expected 4 (1×3×H×W)");
        if (d[1] != 3)
            throw new DpException(DpStatus.Model, $"{name}: input \"{inName}\" has {(d[1] < 0 ? "a dynamic number of" : d[1].ToString())} channels ({Shape(d)}); expected 3 (RGB, 1×3×H×W)");
        if (d[0] > 1)
            throw new DpException(DpStatus.Model, $"{name}: input batch size is fixed at {d[0]}; expected 1 or dynamic");
        bool hDynamic = d[2] <= 0, wDynamic = d[3] <= 0;
        if (hDynamic != wDynamic)
            throw new DpException(DpStatus.Model, $"{name}: input {Shape(d)} has one fixed and one dynamic spatial axis; not supported");
        if (!hDynamic && (d[2] < 8 || d[3] < 8))
            throw new DpException(DpStatus.Model, $"{name}: input {Shape(d)} is too small to be a depth network");

        if (session.OutputMetadata.Count < 1) throw new DpException(DpStatus.Model, $"{name} has no outputs");
        var (outName, output) = session.OutputMetadata.First();
        if (!output.IsTensor || output.ElementDataType != TensorElementType.Float)
            throw new DpException(DpStatus.Model, $"{name}: output \"{outName}\" must be a float32 tensor, not {output.ElementDataType}");
        CheckOutputShape(output.Dimensions, name, outName, allowDynamic: true);
        return ModelSpec.Detect(inName, outName, hDynamic ? null : d[2], hDynamic ? null : d[3]);
    }

    /// <summary>Accepts H×W, 1×H×W and 1×1×H×W (dynamic axes allowed before the run, where they are unknown).</summary>
    static (int H, int W) CheckOutputShape(ReadOnlySpan<int> d, string name, string outName, bool allowDynamic)
    {
        bool ok = d.Length is 2 or 3 or 4;
        for (int i = 0; ok && i < d.Length - 2; i++) ok = d[i] == 1 || (allowDynamic && d[i] <= 0);
        if (ok && !allowDynamic) ok = d[^1] > 0 && d[^2] > 0;
        if (!ok)
            throw new DpException(DpStatus.Model, $"{name}: output \"{outName}\" has shape {Shape(d)}; expected one depth map (1×H×W, 1×1×H×W or H×W)");
        return (d[^2], d[^1]);
    }

    /// <summary>
    /// Runs the network on a 1×3×H×W input. <paramref name="terminate"/> lets another thread abort the run.
    /// Returns the output map and its size.
    /// </summary>
    public (float[] Data, int Width, int Height) Run(float[] input, int width, int height, RunOptions terminate)
    {
        string name = System.IO.Path.GetFileName(Path);
        using var value = OrtValue.CreateTensorValueFromMemory(input, [1, 3, height, width]);
        try
        {
            using var outputs = _session.Run(terminate, [Spec.InputName], [value], [Spec.OutputName]);
            var shape = outputs[0].GetTensorTypeAndShape().Shape;
            var dims = shape.Select(v => v > int.MaxValue ? -1 : (int)v).ToArray();
            var (h, w) = CheckOutputShape(dims, name, Spec.OutputName, allowDynamic: false);
            return (outputs[0].GetTensorDataAsSpan<float>().ToArray(), w, h);
        }
        catch (OnnxRuntimeException e)
        {
            if (terminate.Terminate) throw DpException.Cancelled();
            throw new DpException(DpStatus.Model, $"{name} failed on a {width}x{height} input: {FirstLine(e.Message)}", e);
        }
    }

    static string Shape(ReadOnlySpan<int> d)
    {
        var parts = new string[d.Length];
        for (int i = 0; i < d.Length; i++) parts[i] = d[i] < 0 ? "?" : d[i].ToString();
        return string.Join("×", parts);
    }

    static string FirstLine(string s)
    {
        int i = s.IndexOf('\n');
        return (i < 0 ? s : s[..i]).Trim();
    }

    public void Dispose() => _session.Dispose();
}

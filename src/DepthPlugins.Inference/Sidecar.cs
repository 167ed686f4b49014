using System.Text.Json;
using DepthPlugins.Core;

namespace DepthPlugins.Inference;

/// <summary>
/// The optional <c>&lt;model&gt;.json</c> beside a model (for <c>depth.onnx</c>: <c>depth.json</c>), overriding what
/// detection guessed. Every key is optional:
/// <code>
/// {
///   "family": "midas-small" | "dpt" | "depth-anything" | "fixed",
///   "input_size": 518,            // dynamic: short side; fixed: must equal the model's
///   "multiple_of": 14,            // dynamic: round each side to a multiple of this
///   "mean": [0.485, 0.456, 0.406],
///   "std":  [0.229, 0.224, 0.225],
///   "resize": "stretch" | "letterbox" | "keep-aspect",
///   "output": "relative-inverse-depth" | "metric-depth"
/// }
/// </code>
/// Parsed with <see cref="Utf8JsonReader"/> (no reflection, NativeAOT-safe). Unknown keys are errors: a typo must
/// not silently leave the default in force.
/// </summary>
public sealed record Sidecar
{
    public ModelFamily? Family { get; init; }
    public int? InputSize { get; init; }
    public int? MultipleOf { get; init; }
    public float[]? Mean { get; init; }
    public float[]? Std { get; init; }
    public ResizeMode? Resize { get; init; }
    public OutputKind? Output { get; init; }

    /// <summary>The sidecar path for a model path: the extension replaced by .json.</summary>
    public static string PathFor(string modelPath) => Path.ChangeExtension(modelPath, ".json");

    /// <summary>Reads the sidecar beside <paramref name="modelPath"/>, or null when there is none.</summary>
    public static Sidecar? ReadFor(string modelPath)
    {
        var path = PathFor(modelPath);
        if (!File.Exists(path)) return null;
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DpException(DpStatus.Io, $"cannot read the model sidecar {path}: {e.Message}");
        }
        return Parse(bytes, path);
    }

    public static Sidecar Parse(ReadOnlySpan<byte> json, string name)
    {
        try
        {
            var r = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            Expect(r.Read() && r.TokenType == JsonTokenType.StartObject, "the top level must be an object");
            var s = new Sidecar();
            while (r.Read() && r.TokenType != JsonTokenType.EndObject)
            {
                string key = r.GetString()!;
                Expect(r.Read(), "unexpected end");
                s = key switch
                {
                    "family" => s with { Family = Choice(r, key, ("midas-small", ModelFamily.MidasSmall), ("dpt", ModelFamily.Dpt), ("depth-anything", ModelFamily.DepthAnything), ("fixed", ModelFamily.FixedOther)) },
                    "input_size" => s with { InputSize = PositiveInt(ref r, key) },
                    "multiple_of" => s with { MultipleOf = PositiveInt(ref r, key) },
                    "mean" => s with { Mean = Triple(ref r, key, allowZero: true) },
                    "std" => s with { Std = Triple(ref r, key, allowZero: false) },
                    "resize" => s with { Resize = Choice(r, key, ("stretch", ResizeMode.Stretch), ("letterbox", ResizeMode.Letterbox), ("keep-aspect", ResizeMode.KeepAspect)) },
                    "output" => s with { Output = Choice(r, key, ("relative-inverse-depth", OutputKind.RelativeInverseDepth), ("metric-depth", OutputKind.MetricDepth)) },
                    _ => throw new FormatException($"unknown key \"{key}\""),
                };
            }
            return s;
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            throw new DpException(DpStatus.Model, $"model sidecar {name} is invalid: {e.Message}");
        }
    }

    /// <summary>Applies the overrides to a detected spec and checks the result is consistent with the model.</summary>
    public ModelSpec ApplyTo(ModelSpec spec, string name)
    {
        // A family named here brings its own default normalisation unless mean/std are given too.
        var family = Family ?? spec.Family;
        var o = spec with
        {
            Family = family,
            MultipleOf = MultipleOf ?? spec.MultipleOf,
            Mean = Mean ?? (Family != null ? ModelSpec.DefaultMean(family) : spec.Mean),
            Std = Std ?? (Family != null ? ModelSpec.DefaultStd(family) : spec.Std),
            Resize = Resize ?? spec.Resize,
            Output = Output ?? spec.Output,
        };
        if (InputSize is int n)
        {
            if (spec.IsDynamic) o = o with { ShortSide = n };
            else if (n != Math.Min(spec.FixedWidth, spec.FixedHeight))
                throw new DpException(DpStatus.Model, $"model sidecar {name}: input_size {n} contradicts the model's fixed {spec.FixedWidth}x{spec.FixedHeight} input");
        }
        if (o.IsDynamic && o.Resize != ResizeMode.KeepAspect)
            throw new DpException(DpStatus.Model, $"model sidecar {name}: resize \"{Name(o.Resize)}\" needs a fixed-size input; this model's input is dynamic (use \"keep-aspect\")");
        if (!o.IsDynamic && o.Resize == ResizeMode.KeepAspect)
            throw new DpException(DpStatus.Model, $"model sidecar {name}: resize \"keep-aspect\" needs a dynamic input; this model's is fixed at {spec.FixedWidth}x{spec.FixedHeight} (use \"stretch\" or \"letterbox\")");
        return o;
    }

    public static string Name(ResizeMode m) => m switch { ResizeMode.Stretch => "stretch", ResizeMode.Letterbox => "letterbox", _ => "keep-aspect" };

    static void Expect(bool ok, string what)
    {
        if (!ok) throw new FormatException(what);
    }

    static T Choice<T>(Utf8JsonReader r, string key, params (string Name, T Value)[] names)
    {
        Expect(r.TokenType == JsonTokenType.String, $"\"{key}\" must be a string");
        var v = r.GetString();
        foreach (var (n, value) in names) if (n == v) return value;
        throw new FormatException($"\"{key}\" is \"{v}\"; expected one of {string.Join(", ", names.Select(x => x.Name))}");
    }

    static int PositiveInt(ref Utf8JsonReader r, string key)
    {
        Expect(r.TokenType == JsonTokenType.Number && r.TryGetInt32(out int v) && v > 0, $"\"{key}\" must be a positive integer");
        return r.GetInt32();
    }

    static float[] Triple(ref Utf8JsonReader r, string key, bool allowZero)
    {
        Expect(r.TokenType == JsonTokenType.StartArray, $"\"{key}\" must be an array of 3 numbers");
        var list = new List<float>();
        while (r.Read() && r.TokenType != JsonTokenType.EndArray)
        {
            Expect(r.TokenType == JsonTokenType.Number, $"\"{key}\" must contain numbers");
            float v = r.GetSingle();
            Expect(float.IsFinite(v) && (allowZero || v > 0), allowZero ? $"\"{key}\" values must be finite" : $"\"{key}\" values must be positive");
            list.Add(v);
        }
        Expect(list.Count == 3, $"\"{key}\" must have 3 values (R, G, B), not {list.Count}");
        return [.. list];
    }
}

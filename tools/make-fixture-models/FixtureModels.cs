namespace DepthPlugins.Fixtures;

/// <summary>
/// Tiny ONNX "depth networks" whose output is a known function of the input, plus malformed ones. The linear models
/// compute depth = w0·n0 + w1·n1 + w2·n2 + b over the normalised input channels n (a 1×1 convolution), so a test can
/// compute the expected map independently and check orientation, aspect handling, letterboxing and normalisation
/// exactly.
/// </summary>
public static class FixtureModels
{
    /// <summary>Fixed 1×3×H×W input; output 1×H×W (outputRank 3, via Reshape) or 1×1×H×W (outputRank 4).</summary>
    public static byte[] LinearFixed(int width, int height, float[] w, float bias, int outputRank = 3)
    {
        var nodes = new List<Proto> { Onnx.Node("Conv", ["image", "W", "B"], [outputRank == 4 ? "depth" : "conv"]) };
        var inits = new List<Proto> { Onnx.Tensor("W", [1, 3, 1, 1], w), Onnx.Tensor("B", [1], [bias]) };
        Proto output;
        if (outputRank == 4)
            output = Onnx.Value("depth", Onnx.Float, 1, 1, height, width);
        else
        {
            nodes.Add(Onnx.Node("Reshape", ["conv", "shape"], ["depth"]));
            inits.Add(Onnx.Tensor("shape", [3], new long[] { 1, height, width }));
            output = Onnx.Value("depth", Onnx.Float, 1, height, width);
        }
        var g = Onnx.Graph("linear_fixed", [.. nodes], [.. inits],
            [Onnx.Value("image", Onnx.Float, 1, 3, height, width)], [output]);
        return Onnx.Model(g);
    }

    /// <summary>Dynamic 1×3×h×w input (symbolic batch too); output 1×1×h×w (outputRank 4) or 1×h×w (Squeeze, outputRank 3).</summary>
    public static byte[] LinearDynamic(float[] w, float bias, int outputRank = 4)
    {
        var nodes = new List<Proto> { Onnx.Node("Conv", ["pixel_values", "W", "B"], [outputRank == 4 ? "predicted_depth" : "conv"]) };
        var inits = new List<Proto> { Onnx.Tensor("W", [1, 3, 1, 1], w), Onnx.Tensor("B", [1], [bias]) };
        Proto output;
        if (outputRank == 4)
            output = Onnx.Value("predicted_depth", Onnx.Float, "batch", 1, "height", "width");
        else
        {
            nodes.Add(Onnx.Node("Squeeze", ["conv", "axes"], ["predicted_depth"]));
            inits.Add(Onnx.Tensor("axes", [1], new long[] { 1 }));
            output = Onnx.Value("predicted_depth", Onnx.Float, "batch", "height", "width");
        }
        var g = Onnx.Graph("linear_dynamic", [.. nodes], [.. inits],
            [Onnx.Value("pixel_values", Onnx.Float, "batch", 3, "height", "width")], [output]);
        return Onnx.Model(g);
    }

    /// <summary>Output = input, with the given input/output shape: for wrong rank, wrong channel count, wrong output shape.</summary>
    public static byte[] Identity(params object[] dims)
    {
        var g = Onnx.Graph("identity", [Onnx.Node("Identity", ["x"], ["y"])], [],
            [Onnx.Value("x", Onnx.Float, dims)], [Onnx.Value("y", Onnx.Float, dims)]);
        return Onnx.Model(g);
    }

    /// <summary>Fixed 1×3×H×W → 1×1×H×W that is NaN everywhere: log(−|conv| − 1).</summary>
    public static byte[] NaNOutput(int width, int height)
    {
        var g = Onnx.Graph("nan",
            [
                Onnx.Node("Conv", ["image", "W"], ["conv"]),
                Onnx.Node("Abs", ["conv"], ["abs"]),
                Onnx.Node("Neg", ["abs"], ["neg"]),
                Onnx.Node("Sub", ["neg", "one"], ["below"]),
                Onnx.Node("Log", ["below"], ["depth"]),
            ],
            [Onnx.Tensor("W", [1, 3, 1, 1], [1f, 1f, 1f]), Onnx.Tensor("one", [1], [1f])],
            [Onnx.Value("image", Onnx.Float, 1, 3, height, width)], [Onnx.Value("depth", Onnx.Float, 1, 1, height, width)]);
        return Onnx.Model(g);
    }

    /// <summary>Fixed 1×3×H×W → 1×1×H×W divided by zero: ±∞ (NaN where the numerator is 0).</summary>
    public static byte[] DivByZero(int width, int height)
    {
        var g = Onnx.Graph("div0",
            [Onnx.Node("Conv", ["image", "W"], ["conv"]), Onnx.Node("Div", ["conv", "zero"], ["depth"])],
            [Onnx.Tensor("W", [1, 3, 1, 1], [1f, 2f, 3f]), Onnx.Tensor("zero", [1], [0f])],
            [Onnx.Value("image", Onnx.Float, 1, 3, height, width)], [Onnx.Value("depth", Onnx.Float, 1, 1, height, width)]);
        return Onnx.Model(g);
    }

    /// <summary>Weights of the fixtures the tool writes (the tests choose their own).</summary>
    public static readonly float[] DefaultWeights = [0.25f, 0.5f, 1f];

    /// <summary>Writes the standard set into <paramref name="dir"/> and returns the file paths by name.</summary>
    public static Dictionary<string, string> WriteAll(string dir)
    {
        Directory.CreateDirectory(dir);
        var files = new Dictionary<string, byte[]>
        {
            ["fixed-256.onnx"] = LinearFixed(256, 256, DefaultWeights, 0.5f),
            ["fixed-384.onnx"] = LinearFixed(384, 384, DefaultWeights, 0.5f, outputRank: 4),
            ["dynamic.onnx"] = LinearDynamic(DefaultWeights, 0.5f),
            ["dynamic-rank3.onnx"] = LinearDynamic(DefaultWeights, 0.5f, outputRank: 3),
            ["bad-rank.onnx"] = Identity(3, 256, 256),
            ["bad-channels.onnx"] = Identity(1, 1, 256, 256),
            ["bad-output.onnx"] = Identity(1, 3, 256, 256),
            ["nan.onnx"] = NaNOutput(256, 256),
            ["div-zero.onnx"] = DivByZero(256, 256),
        };
        var paths = new Dictionary<string, string>();
        foreach (var (name, bytes) in files)
        {
            var p = Path.Combine(dir, name);
            File.WriteAllBytes(p, bytes);
            paths[name] = p;
        }
        var notOnnx = Path.Combine(dir, "not-onnx.onnx");
        File.WriteAllText(notOnnx, "this is a text file, not an ONNX protobuf\n");
        paths["not-onnx.onnx"] = notOnnx;
        var truncated = Path.Combine(dir, "truncated.onnx");
        var whole = files["fixed-256.onnx"];
        File.WriteAllBytes(truncated, whole[..(whole.Length / 2)]);
        paths["truncated.onnx"] = truncated;
        return paths;
    }
}

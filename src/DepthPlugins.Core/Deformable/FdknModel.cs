using DepthPlugins.Core.Imaging;

namespace DepthPlugins.Core.Deformable;

/// <summary>
/// A 2-D convolution with square kernel, stride 1 and "same" zero padding: <see cref="Weights"/> in PyTorch's
/// [out][in][ky][kx] order, one bias per output channel. Batch norm is already folded in.
/// </summary>
public sealed class ConvLayer
{
    public ConvLayer(int outChannels, int inChannels, int kernel, float[] weights, float[] bias)
    {
        if (outChannels <= 0 || inChannels <= 0 || kernel is not (1 or 3)) throw DpException.Invalid($"convolution {inChannels}→{outChannels} with kernel {kernel} is not supported");
        if (weights.Length != outChannels * inChannels * kernel * kernel || bias.Length != outChannels)
            throw DpException.Invalid("convolution weights do not match their shape");
        OutChannels = outChannels;
        InChannels = inChannels;
        Kernel = kernel;
        Weights = weights;
        Bias = bias;
    }

    public int OutChannels { get; }
    public int InChannels { get; }
    public int Kernel { get; }
    public float[] Weights { get; }
    public float[] Bias { get; }

    /// <summary>Multiply-adds per output pixel.</summary>
    public long MacsPerPixel => (long)OutChannels * InChannels * Kernel * Kernel;
}

/// <summary>One FDKN kernel branch: six 3×3 convolutions (each followed by ReLU) and the two 1×1 heads concatenated
/// into one layer of <see cref="FdknModel.HeadChannels"/> outputs (weights first, then offsets).</summary>
public sealed record FdknBranch(ConvLayer[] Convs, ConvLayer Heads);

/// <summary>
/// FDKN (Kim, Ponce, Ham, IJCV 2021): two branches (guide luminance, target depth) run at ¼ resolution on
/// space-to-depth inputs; each predicts 9 weights (sigmoid) and 18 offsets for each of 16 sub-pixel positions; the
/// branches' weights and offsets are multiplied and depth-to-space gives a 3×3 deformable kernel per pixel, applied in
/// residual form in a 15×15 window (<see cref="DeformableFilter"/>).
/// </summary>
public sealed class FdknModel
{
    public const int Factor = 4;
    public const int SubPixels = Factor * Factor;
    public const int KernelSize = 3;
    public const int WindowSize = 15;
    public const int Taps = KernelSize * KernelSize;
    public const int WeightChannels = Taps * SubPixels;          // 144
    public const int OffsetChannels = 2 * Taps * SubPixels;      // 288
    public const int HeadChannels = WeightChannels + OffsetChannels;
    public const float BatchNormEps = 1e-5f;
    /// <summary>Channels entering and leaving each of the six 3×3 convolutions.</summary>
    public static readonly int[] Channels = [SubPixels, 32, 32, 64, 64, 128, 128];
    /// <summary>Convolutions followed by batch norm (1-based, as the weight names count them).</summary>
    static readonly int[] WithBatchNorm = [1, 3, 5];
    /// <summary>Rows (at ¼ resolution) through which the six 3×3 convolutions spread information.</summary>
    public const int Halo = 6;

    public static readonly DeformableParams Geometry = new(KernelSize, WindowSize, DeformableMode.Residual);

    FdknModel(FdknBranch image, FdknBranch depth, string source)
    {
        Image = image;
        Depth = depth;
        Source = source;
        _cpu = new Lazy<(ConvCpu[], ConvCpu[])>(() => (Pack(image), Pack(depth)));
    }

    readonly Lazy<(ConvCpu[] Image, ConvCpu[] Depth)> _cpu;

    /// <summary>Each branch's layers packed for the CPU kernel (six convolutions, then the heads); packed once per model.</summary>
    internal (ConvCpu[] Image, ConvCpu[] Depth) CpuLayers => _cpu.Value;

    static ConvCpu[] Pack(FdknBranch b) => [.. b.Convs.Append(b.Heads).Select(l => new ConvCpu(l))];

    /// <summary>The branch that sees the guide's luminance (<c>ImageKernel.*</c>).</summary>
    public FdknBranch Image { get; }
    /// <summary>The branch that sees the target depth (<c>DepthKernel.*</c>).</summary>
    public FdknBranch Depth { get; }
    public string Source { get; }

    /// <summary>Multiply-adds per ¼-resolution pixel, both branches.</summary>
    public long MacsPerQuarterPixel => new[] { Image, Depth }.Sum(b => b.Convs.Sum(c => c.MacsPerPixel) + b.Heads.MacsPerPixel);

    public static FdknModel Load(string path) => FromTensors(SafeTensors.Read(path));

    /// <summary>
    /// Checks FDKN's inputs (same size, finite) and pads both to multiples of <see cref="Factor"/> by repeating the last
    /// column and row — the authors' code needs sides divisible by 4; replication, unlike zeros, shows the network no
    /// false edge at the border. Every backend runs on these padded planes and crops with <see cref="Crop"/>.
    /// </summary>
    public static (Plane Guide, Plane Target) PrepareInputs(Plane guideLuma, Plane target)
    {
        if (guideLuma.Width != target.Width || guideLuma.Height != target.Height)
            throw DpException.Invalid($"FDKN guide {guideLuma.Width}x{guideLuma.Height} and target {target.Width}x{target.Height} differ in size");
        if (!guideLuma.Data.All(float.IsFinite) || !target.Data.All(float.IsFinite))
            throw DpException.Invalid("FDKN inputs must be finite (unknown depth must be filled or masked first)");
        int w4 = (target.Width + Factor - 1) / Factor * Factor, h4 = (target.Height + Factor - 1) / Factor * Factor;
        if ((long)w4 * h4 > Array.MaxLength) throw new DpException(DpStatus.OutOfMemory, $"image {target.Width}x{target.Height} is too large");
        return (PadReplicate(guideLuma, w4, h4), PadReplicate(target, w4, h4));
    }

    static Plane PadReplicate(Plane p, int w, int h)
    {
        if (p.Width == w && p.Height == h) return p;
        var r = new Plane(w, h);
        for (int y = 0; y < h; y++)
        {
            var src = p.Row(Math.Min(y, p.Height - 1));
            var dst = r.Row(y);
            src.CopyTo(dst);
            dst[p.Width..].Fill(src[^1]);
        }
        return r;
    }

    /// <summary>The top-left <paramref name="w"/> × <paramref name="h"/> of a padded result (itself when nothing was padded).</summary>
    public static Plane Crop(Plane p, int w, int h)
    {
        if (p.Width == w && p.Height == h) return p;
        var r = new Plane(w, h);
        for (int y = 0; y < h; y++) p.Row(y)[..w].CopyTo(r.Row(y));
        return r;
    }

    static readonly Lock CacheLock = new();
    static (string Key, FdknModel Model)? _lastLoaded;

    /// <summary>
    /// <see cref="Load"/>, reusing the model last loaded from the same unchanged file (full path, size and modification
    /// time), so repeated calls from a host (one per tile or preview) neither re-read nor re-pack the weights.
    /// </summary>
    public static FdknModel LoadCached(string path)
    {
        string key;
        try
        {
            var info = new FileInfo(Path.GetFullPath(path));
            key = $"{info.FullName}|{(info.Exists ? info.Length : -1)}|{(info.Exists ? info.LastWriteTimeUtc.Ticks : 0)}";
        }
        catch (Exception e) when (e is ArgumentException or IOException or NotSupportedException or UnauthorizedAccessException)
        {
            throw new DpException(DpStatus.Io, $"weights path '{path}' is not usable: {e.Message}", e);
        }
        lock (CacheLock)
            if (_lastLoaded is { } c && c.Key == key) return c.Model;
        var model = Load(path);
        lock (CacheLock) _lastLoaded = (key, model);
        return model;
    }

    /// <summary>Builds the model from the authors' state-dict names (<c>ImageKernel.conv1.weight</c>, …), folding each
    /// inference-mode batch norm into the convolution before it: w·s and (b − mean)·s + β with s = γ/√(var + ε).</summary>
    public static FdknModel FromTensors(SafeTensors st) => new(Branch(st, "ImageKernel"), Branch(st, "DepthKernel"), st.Source);

    static FdknBranch Branch(SafeTensors st, string prefix)
    {
        var convs = new ConvLayer[6];
        for (int n = 1; n <= 6; n++)
        {
            int cin = Channels[n - 1], cout = Channels[n];
            var w = st.Float32($"{prefix}.conv{n}.weight", cout, cin, 3, 3);
            var b = st.Float32($"{prefix}.conv{n}.bias", cout);
            if (WithBatchNorm.Contains(n))
            {
                string bn = $"{prefix}.conv{n}_bn";
                var gamma = st.Float32($"{bn}.weight", cout);
                var beta = st.Float32($"{bn}.bias", cout);
                var mean = st.Float32($"{bn}.running_mean", cout);
                var variance = st.Float32($"{bn}.running_var", cout);
                int per = cin * 9;
                for (int o = 0; o < cout; o++)
                {
                    if (!(variance[o] >= 0)) throw new DpException(DpStatus.Model, $"'{st.Source}': {bn}.running_var[{o}] is {variance[o]}");
                    double s = gamma[o] / Math.Sqrt(variance[o] + (double)BatchNormEps);
                    for (int i = 0; i < per; i++) w[o * per + i] = (float)(w[o * per + i] * s);
                    b[o] = (float)((b[o] - (double)mean[o]) * s + beta[o]);
                }
            }
            convs[n - 1] = new ConvLayer(cout, cin, 3, w, b);
        }
        int last = Channels[^1];
        var hw = st.Float32($"{prefix}.conv_weight.weight", WeightChannels, last, 1, 1);
        var hb = st.Float32($"{prefix}.conv_weight.bias", WeightChannels);
        var ow = st.Float32($"{prefix}.conv_offset.weight", OffsetChannels, last, 1, 1);
        var ob = st.Float32($"{prefix}.conv_offset.bias", OffsetChannels);
        var heads = new ConvLayer(HeadChannels, last, 1, [.. hw, .. ow], [.. hb, .. ob]);
        foreach (var layer in convs.Append(heads))
            if (!layer.Weights.All(float.IsFinite) || !layer.Bias.All(float.IsFinite))
                throw new DpException(DpStatus.Model, $"'{st.Source}': {prefix} has non-finite weights");
        return new FdknBranch(convs, heads);
    }
}

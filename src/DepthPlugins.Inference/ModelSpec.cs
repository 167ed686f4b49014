namespace DepthPlugins.Inference;

/// <summary>The kinds of depth network we recognise from a model's input and output shapes.</summary>
public enum ModelFamily
{
    /// <summary>MiDaS v2.1 small: fixed 1×3×256×256 in, 1×256×256 relative inverse depth out.</summary>
    MidasSmall,
    /// <summary>DPT / MiDaS 3.x exports: fixed 384×384 or 512×512.</summary>
    Dpt,
    /// <summary>Depth Anything (V2): dynamic 1×3×H×W with H, W multiples of the ViT patch (14), ≈518 on the short side.</summary>
    DepthAnything,
    /// <summary>Any other fixed square or rectangular input size.</summary>
    FixedOther,
}

/// <summary>How the photo is fitted to the network's input.</summary>
public enum ResizeMode
{
    /// <summary>Scale each axis independently to the fixed input size (the aspect ratio is distorted and restored afterwards).</summary>
    Stretch,
    /// <summary>Scale uniformly to fit inside the fixed input, centre, pad with the mean colour (0 after normalisation); the padding is cropped from the output.</summary>
    Letterbox,
    /// <summary>Dynamic input only: scale uniformly so the short side is the target size, then round each side to a multiple of <see cref="ModelSpec.MultipleOf"/>.</summary>
    KeepAspect,
}

/// <summary>What the network's output values mean.</summary>
public enum OutputKind
{
    /// <summary>Relative inverse depth (disparity up to scale and shift): larger = nearer. MiDaS, DPT, Depth Anything.</summary>
    RelativeInverseDepth,
    /// <summary>Metric depth in scene units: larger = farther. Converted to inverse depth (1/d) before normalisation.</summary>
    MetricDepth,
}

/// <summary>
/// Everything the pipeline needs to feed one model: the detected (or sidecar-given) family, the input geometry and
/// normalisation, and the meaning of the output.
/// </summary>
public sealed record ModelSpec
{
    public required ModelFamily Family { get; init; }
    public required string InputName { get; init; }
    public required string OutputName { get; init; }
    /// <summary>Fixed input width and height, or 0 when the model accepts any size (dynamic axes).</summary>
    public int FixedWidth { get; init; }
    public int FixedHeight { get; init; }
    /// <summary>Dynamic models: the default short-side length of the network input.</summary>
    public int ShortSide { get; init; }
    /// <summary>Dynamic models: each input side is rounded to a multiple of this.</summary>
    public int MultipleOf { get; init; } = 1;
    public required ResizeMode Resize { get; init; }
    public required float[] Mean { get; init; }
    public required float[] Std { get; init; }
    public OutputKind Output { get; init; } = OutputKind.RelativeInverseDepth;

    public bool IsDynamic => FixedWidth == 0;

    /// <summary>ImageNet statistics on sRGB-encoded 0..1 pixels: what MiDaS v2.1 and Depth Anything were trained with.</summary>
    public static readonly float[] ImageNetMean = [0.485f, 0.456f, 0.406f];
    public static readonly float[] ImageNetStd = [0.229f, 0.224f, 0.225f];
    /// <summary>DPT (MiDaS 3.x) models were trained on (x − 0.5) / 0.5 (MiDaS run.py / model_loader.py), not ImageNet statistics.</summary>
    public static readonly float[] HalfMean = [0.5f, 0.5f, 0.5f];
    public static readonly float[] HalfStd = [0.5f, 0.5f, 0.5f];

    public static float[] DefaultMean(ModelFamily f) => f == ModelFamily.Dpt ? HalfMean : ImageNetMean;
    public static float[] DefaultStd(ModelFamily f) => f == ModelFamily.Dpt ? HalfStd : ImageNetStd;

    /// <summary>Depth Anything's default short side (its preprocessor's 518, a multiple of the patch size 14).</summary>
    public const int DepthAnythingShortSide = 518;
    public const int DepthAnythingPatch = 14;

    /// <summary>
    /// Detects the family from the input's spatial dimensions (null = dynamic) and picks its defaults:
    /// fixed inputs are stretched (as the MiDaS ONNX examples resize with keep_aspect_ratio=False), dynamic ones keep
    /// the aspect ratio with short side 518 rounded to multiples of 14 (Depth Anything's preprocessor). ImageNet
    /// mean/std, except DPT's 0.5/0.5; a sidecar <c>&lt;model&gt;.json</c> overrides any of it (<see cref="Sidecar"/>).
    /// </summary>
    public static ModelSpec Detect(string inputName, string outputName, int? height, int? width)
    {
        if (height is null || width is null)
            return new ModelSpec
            {
                Family = ModelFamily.DepthAnything,
                InputName = inputName,
                OutputName = outputName,
                ShortSide = DepthAnythingShortSide,
                MultipleOf = DepthAnythingPatch,
                Resize = ResizeMode.KeepAspect,
                Mean = ImageNetMean,
                Std = ImageNetStd,
            };
        var family = (width.Value, height.Value) switch
        {
            (256, 256) => ModelFamily.MidasSmall,
            (384, 384) or (512, 512) => ModelFamily.Dpt,
            _ => ModelFamily.FixedOther,
        };
        return new ModelSpec
        {
            Family = family,
            InputName = inputName,
            OutputName = outputName,
            FixedWidth = width.Value,
            FixedHeight = height.Value,
            Resize = ResizeMode.Stretch,
            Mean = DefaultMean(family),
            Std = DefaultStd(family),
        };
    }

    /// <summary>
    /// The network input size and the photo's footprint inside it (x0, y0, w, h) for a photo of the given size.
    /// <paramref name="sizeOverride"/> (0 = default) sets the short side of dynamic models.
    /// </summary>
    public InputLayout Layout(int photoWidth, int photoHeight, int sizeOverride)
    {
        if (!IsDynamic)
        {
            if (sizeOverride != 0 && sizeOverride != Math.Min(FixedWidth, FixedHeight))
                throw Core.DpException.Invalid($"the model has a fixed {FixedWidth}x{FixedHeight} input, so the input size cannot be set to {sizeOverride}");
            if (Resize != ResizeMode.Letterbox) return new InputLayout(FixedWidth, FixedHeight, 0, 0, FixedWidth, FixedHeight);
            double scale = Math.Min((double)FixedWidth / photoWidth, (double)FixedHeight / photoHeight);
            int cw = Math.Clamp((int)Math.Round(photoWidth * scale), 1, FixedWidth);
            int ch = Math.Clamp((int)Math.Round(photoHeight * scale), 1, FixedHeight);
            return new InputLayout(FixedWidth, FixedHeight, (FixedWidth - cw) / 2, (FixedHeight - ch) / 2, cw, ch);
        }
        int target = sizeOverride != 0 ? sizeOverride : ShortSide;
        if (target < MultipleOf || target > MaxDynamicSide)
            throw Core.DpException.Invalid($"input size {target} is outside {MultipleOf}..{MaxDynamicSide}");
        double s = (double)target / Math.Min(photoWidth, photoHeight);
        int w = RoundTo(photoWidth * s, MultipleOf), h = RoundTo(photoHeight * s, MultipleOf);
        return new InputLayout(w, h, 0, 0, w, h);
    }

    /// <summary>Largest side a dynamic model is fed (keeps a mistyped --size from exhausting memory).</summary>
    public const int MaxDynamicSide = 8192;

    static int RoundTo(double v, int m) => Math.Clamp((int)Math.Round(v / m) * m, m, MaxDynamicSide / m * m);
}

/// <summary>Network input size, and where the photo sits inside it (the rest is letterbox padding).</summary>
public readonly record struct InputLayout(int Width, int Height, int ContentX, int ContentY, int ContentWidth, int ContentHeight);

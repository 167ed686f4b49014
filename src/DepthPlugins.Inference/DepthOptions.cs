using DepthPlugins.Core;

namespace DepthPlugins.Inference;

/// <summary>Full-resolution refinement after inference; values equal <c>dp_depth_refine</c>.</summary>
public enum DepthRefine
{
    /// <summary>Bicubic upsampling of the network's map only.</summary>
    None = 0,
    /// <summary>Guided upsampling/filtering with the photo as guide (He et al.): follows colour edges.</summary>
    Guided = 1,
    /// <summary>Joint bilateral upsampling (Kopf et al.) from the network's map with the photo as guide; a joint bilateral
    /// filter when the map already has the photo's size.</summary>
    JointBilateral = 2,
}

/// <summary>Parameters of <see cref="DepthEstimator"/> (the managed mirror of <c>dp_depth_options</c>).</summary>
public sealed record DepthOptions
{
    public DepthRefine Refine { get; init; } = DepthRefine.Guided;
    /// <summary>Refinement window radius; 0 = the filter's default. Guided: photo pixels; joint bilateral upsampling:
    /// pixels of the network's map (as in dp_refine_options).</summary>
    public int RefineRadius { get; init; }
    /// <summary>Network input size: the short side for dynamic models (rounded to the model's multiple); 0 = model default.
    /// Fixed-size models accept only 0 or their own size.</summary>
    public int InputSize { get; init; }
    /// <summary>Near = 1 (white, default) or near = 0 (black).</summary>
    public bool NearIsWhite { get; init; } = true;
    /// <summary>Robust normalisation: these quantiles of the network's output map to 0 and 1 (values beyond are clipped).</summary>
    public float ClipLow { get; init; } = 0.01f;
    public float ClipHigh { get; init; } = 0.99f;
    public ExecutionProvider Provider { get; init; } = ExecutionProvider.Cpu;
    public int DeviceId { get; init; }

    public void Validate()
    {
        if (!Enum.IsDefined(Refine)) throw DpException.Invalid($"refine {(int)Refine} is not a dp_depth_refine");
        if (!Enum.IsDefined(Provider)) throw DpException.Invalid($"provider {(int)Provider} is not a dp_execution_provider");
        if (RefineRadius < 0 || RefineRadius > Core.Refinement.RefineOptions.MaxRadius)
            throw DpException.Invalid($"refine radius {RefineRadius} is outside 0..{Core.Refinement.RefineOptions.MaxRadius}");
        if (InputSize < 0) throw DpException.Invalid($"input size {InputSize} must not be negative");
        if (!(ClipLow >= 0f && ClipLow < ClipHigh && ClipHigh <= 1f))
            throw DpException.Invalid($"clip quantiles {ClipLow}..{ClipHigh} must satisfy 0 <= low < high <= 1");
        if (DeviceId < 0) throw DpException.Invalid($"device id {DeviceId} must not be negative");
    }
}

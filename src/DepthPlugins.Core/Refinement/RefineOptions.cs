namespace DepthPlugins.Core.Refinement;

/// <summary>
/// Parameters of <see cref="DepthRefiner"/>. Zero (or NaN) in a numeric field means "the method's default"
/// (<see cref="Resolve"/>); the defaults were chosen on the Middlebury/Park data, see README.
/// Guide values are sRGB-encoded 0..1; depth is 0..1. So SigmaRange is on the 0..1 colour scale and Eps on (0..1)².
/// </summary>
public sealed class RefineOptions
{
    public RefineMethod Method { get; set; } = RefineMethod.JointBilateral;
    /// <summary>Window radius in pixels (for JBU: in low-resolution pixels; for Cascade: the first stage's, 0 = 2 × scale).</summary>
    public int Radius { get; set; }
    public float SigmaSpatial { get; set; }
    public float SigmaRange { get; set; }
    /// <summary>Guided filter regularisation ε (larger = smoother).</summary>
    public float Eps { get; set; }
    /// <summary>Treat depth 0 as unknown (depth sensors, Middlebury). NaN and ±∞ are always unknown.</summary>
    public bool ZeroIsInvalid { get; set; } = true;
    /// <summary>Use the guide's luminance instead of its colour.</summary>
    public bool GreyGuide { get; set; }
    /// <summary>FDKN: the network weights (.safetensors in the layout of the authors' state dict, see tools/train_fdkn).</summary>
    public string? WeightsPath { get; set; }

    public static class Defaults
    {
        public const int JbfRadius = 6;
        public const float JbfSigmaSpatial = 3f;
        public const float JbfSigmaRange = 0.06f;
        public const int GuidedRadius = 4;
        public const float GuidedEps = 1e-4f;
        public const int JbuRadius = 2;
        public const float JbuSigmaSpatial = 1f;
        public const float JbuSigmaRange = 0.06f;
        public const float CascadeSigmaRange = 0.05f;
    }

    /// <summary>A copy with every defaulted field filled for the chosen method, validated.</summary>
    public RefineOptions Resolve()
    {
        var o = (RefineOptions)MemberwiseClone();
        static float Or(float v, float d) => v > 0 ? v : d; // NaN and 0 both mean default
        switch (Method)
        {
            case RefineMethod.JointBilateral:
                o.Radius = Radius > 0 ? Radius : Defaults.JbfRadius;
                o.SigmaSpatial = Or(SigmaSpatial, Radius > 0 ? Math.Max(0.5f, Radius / 2f) : Defaults.JbfSigmaSpatial);
                o.SigmaRange = Or(SigmaRange, Defaults.JbfSigmaRange);
                break;
            case RefineMethod.Guided:
                o.Radius = Radius > 0 ? Radius : Defaults.GuidedRadius;
                o.Eps = Or(Eps, Defaults.GuidedEps);
                break;
            case RefineMethod.JointBilateralUpsampling:
                o.Radius = Radius > 0 ? Radius : Defaults.JbuRadius;
                o.SigmaSpatial = Or(SigmaSpatial, Defaults.JbuSigmaSpatial);
                o.SigmaRange = Or(SigmaRange, Defaults.JbuSigmaRange);
                break;
            case RefineMethod.Fdkn:
                // The network has no tunable parameters; it is fixed by its weights.
                if (string.IsNullOrWhiteSpace(WeightsPath)) throw DpException.Invalid("method FDKN needs a weights file (weights_path / --weights, a .safetensors file)");
                break;
            case RefineMethod.Cascade:
                o.Radius = Radius; // 0 = scale-aware start radius, chosen when the sizes are known
                o.SigmaRange = Or(SigmaRange, Defaults.CascadeSigmaRange);
                break;
            default:
                throw DpException.Invalid($"unknown refine method {(int)Method}");
        }
        if (Radius < 0) throw DpException.Invalid($"radius {Radius} must not be negative");
        if (o.Radius > MaxRadius) throw DpException.Invalid($"radius {o.Radius} exceeds the limit of {MaxRadius}");
        if (float.IsInfinity(SigmaSpatial) || float.IsInfinity(SigmaRange) || float.IsInfinity(Eps))
            throw DpException.Invalid("sigmas and eps must be finite");
        if (SigmaSpatial < 0 || SigmaRange < 0 || Eps < 0) throw DpException.Invalid("sigmas and eps must not be negative");
        return o;
    }

    public const int MaxRadius = 256;
}

namespace DepthPlugins.Core.LensBlur;

/// <summary>Which end of the depth map is near; values equal <c>dp_depth_near</c> in depthplugins.h.</summary>
public enum DepthNear
{
    /// <summary>1 (white) is near, 0 is far: what image editors show and monocular models output as disparity.</summary>
    White = 0,
    /// <summary>0 (black) is near: metric-depth-like maps.</summary>
    Black = 1,
}

/// <summary>
/// Parameters of <see cref="LensBlurRenderer"/>. The depth map is treated as disparity-like (inverse depth), so the
/// thin-lens circle of confusion is linear in it: CoC radius in pixels = <see cref="Aperture"/> × |d − focus|.
/// </summary>
public sealed class LensBlurOptions
{
    /// <summary>Largest CoC radius in pixels we render (the near/far limits are clamped to it).</summary>
    public const float MaxRadius = 256f;

    /// <summary>Depth value that is in focus, in the depth map's own units (before any <see cref="DepthNear"/> flip).</summary>
    public float Focus { get; set; } = 0.5f;

    /// <summary>When true, <see cref="Focus"/> is ignored and taken from the depth around (<see cref="FocusX"/>, <see cref="FocusY"/>):
    /// the median of the depth in a window of radius max(2, min(width, height)/100) pixels, so one stray pixel cannot decide it.</summary>
    public bool FocusFromPoint { get; set; }

    /// <summary>Focus point in image pixel coordinates (0,0 = centre of the top-left pixel).</summary>
    public float FocusX { get; set; }
    public float FocusY { get; set; }

    /// <summary>CoC radius in pixels at |d − focus| = 1.</summary>
    public float Aperture { get; set; } = 20f;

    /// <summary>0 = circular aperture, 3..12 = regular polygon with that many blades.</summary>
    public int Blades { get; set; }

    /// <summary>Polygon rotation in degrees, counter-clockwise on screen; at 0 one vertex points straight up.</summary>
    public float Rotation { get; set; }

    /// <summary>Linear-light luminance above which light is boosted (simulates highlights clipped by the camera).</summary>
    public float HighlightThreshold { get; set; } = 1f;

    /// <summary>The luminance above the threshold is multiplied by (1 + gain); 0 = no boost.</summary>
    public float HighlightGain { get; set; }

    /// <summary>Limit on the CoC radius of things nearer than the focus, pixels (0 = keep the near side sharp).</summary>
    public float MaxNearRadius { get; set; } = MaxRadius;

    /// <summary>Limit on the CoC radius of things farther than the focus, pixels (0 = keep the far side sharp).</summary>
    public float MaxFarRadius { get; set; } = MaxRadius;

    public DepthNear DepthNear { get; set; } = DepthNear.White;

    /// <summary>When true every layer is blurred at full resolution (exact bokeh rims at any radius, cost growing with the
    /// radius); by default layers of radius ≥ 16 px are blurred on a coarser grid (<see cref="LayerKernel"/>), which
    /// softens their bokeh rims by about 1/8 of the radius at most and is many times faster.</summary>
    public bool FullResolution { get; set; }

    /// <summary>Rejects values that cannot be rendered, with a message naming the field.</summary>
    public void Validate()
    {
        static void Finite(float v, string name)
        {
            if (!float.IsFinite(v)) throw DpException.Invalid($"{name} must be a finite number (got {v})");
        }
        Finite(Focus, "focus");
        Finite(Aperture, "aperture");
        Finite(Rotation, "rotation");
        Finite(HighlightThreshold, "highlight threshold");
        Finite(HighlightGain, "highlight gain");
        Finite(MaxNearRadius, "max near radius");
        Finite(MaxFarRadius, "max far radius");
        if (FocusFromPoint)
        {
            Finite(FocusX, "focus x");
            Finite(FocusY, "focus y");
        }
        if (Aperture < 0) throw DpException.Invalid($"aperture {Aperture} must not be negative");
        if (Blades != 0 && Blades is < 3 or > 12) throw DpException.Invalid($"blades {Blades} must be 0 (circle) or 3..12");
        if (HighlightThreshold < 0) throw DpException.Invalid($"highlight threshold {HighlightThreshold} must not be negative");
        if (HighlightGain < 0) throw DpException.Invalid($"highlight gain {HighlightGain} must not be negative");
        if (MaxNearRadius is < 0 or > MaxRadius) throw DpException.Invalid($"max near radius {MaxNearRadius} must be in 0..{MaxRadius}");
        if (MaxFarRadius is < 0 or > MaxRadius) throw DpException.Invalid($"max far radius {MaxFarRadius} must be in 0..{MaxRadius}");
        if (DepthNear is not (DepthNear.White or DepthNear.Black)) throw DpException.Invalid($"depth near {(int)DepthNear} must be white (0) or black (1)");
    }

    /// <summary><see cref="Validate()"/> plus the checks that need the image size (the focus point inside the image).</summary>
    public void Validate(int width, int height)
    {
        Validate();
        if (FocusFromPoint && (FocusX < -0.5f || FocusX > width - 0.5f || FocusY < -0.5f || FocusY > height - 0.5f))
            throw DpException.Invalid($"focus point ({FocusX}, {FocusY}) lies outside the {width}x{height} image");
    }

    public LensBlurOptions Clone() => (LensBlurOptions)MemberwiseClone();
}

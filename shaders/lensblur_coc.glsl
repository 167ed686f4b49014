// The circle of confusion, shared by lensblur_coc and lensblur_prepare (included, not a pass itself):
// LensBlurRenderer.CircleOfConfusion and LayerPlan.ToE, operation for operation.

struct CocParams
{
    float sign;      // +1 when white (1) is near, -1 when black is
    float aperture;
    float focus;
    float nearMax, farMax;
};

// Signed CoC radius: positive in front of the focus plane; 0 for unknown (non-finite) depth.
float circleOfConfusion(float d, CocParams c)
{
    if (!isFinite(d)) return 0.0;
    precise float s = c.sign * c.aperture;
    precise float v = s * (d - c.focus);
    if (isnan(v)) return 0.0;
    return clamp(v, -c.farMax, c.nearMax);
}

// e = sign * max(0, |coc| - 1/2): radius 1/2 is already the identity, so the in-focus layer sits at e = 0.
float cocToE(float coc)
{
    precise float m = max(0.0, abs(coc) - 0.5);
    return coc < 0.0 ? -m : m;
}

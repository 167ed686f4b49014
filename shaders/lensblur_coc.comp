#version 450
#extension GL_GOOGLE_include_directive : require
// Pass (raw-buffer lens blur, first): the signed CoC of every pixel (LensBlurRenderer.CircleOfConfusion) and, per bin of
// |e| = max(0, |CoC| - 1/2), the smallest and largest |e| present on each side of the focus (LayerPlan.CollectValues):
// the host places the layers from these (LayerPlan.LevelsFromBins). Positive floats order like their bits, so the
// minima and maxima are atomic operations on the bits.
#include "common.glsl"
#include "lensblur_coc.glsl"

layout(std430, binding = 0) readonly buffer Depth { float depth[]; };
layout(std430, binding = 1) buffer Bins { uint bins[]; }; // [0, 2B): minima, far then near; [2B, 4B): maxima

layout(push_constant) uniform Params
{
    CocParams coc;
    int w, h;
    int binsPerSide, binsPerPixel;
} pc;

void main()
{
    ivec2 p = ivec2(gl_GlobalInvocationID.xy);
    if (p.x >= pc.w || p.y >= pc.h) return;
    float e = cocToE(circleOfConfusion(depth[uint(p.y) * uint(pc.w) + uint(p.x)], pc.coc));
    if (e == 0.0) return;
    float m = abs(e);
    int bin = min(pc.binsPerSide - 1, int(m * float(pc.binsPerPixel))) + (e > 0.0 ? pc.binsPerSide : 0);
    atomicMin(bins[bin], floatBitsToUint(m));
    atomicMax(bins[2 * pc.binsPerSide + bin], floatBitsToUint(m));
}

#version 450
#extension GL_GOOGLE_include_directive : require
// Pass (raw-buffer lens blur, last before encoding): LensBlurRenderer.Finish in place on the decoded input planes:
// where the blur reached, the composite divided by the coverage, un-premultiplied and brought back to the input's
// transfer, and the blurred alpha; pixels wholly in the in-focus layer that no nearer layer reaches keep the input as is.
#include "common.glsl"

layout(std430, binding = 0) readonly buffer Acc { vec4 acc[]; };
layout(std430, binding = 1) readonly buffer Cov { vec2 cov[]; };
layout(std430, binding = 2) readonly buffer Lower { uint lower[]; };
layout(std430, binding = 3) readonly buffer Upper { float upper[]; };
layout(std430, binding = 4) buffer Orig { float orig[]; }; // nc colour planes (input transfer, straight) + alpha

layout(push_constant) uniform Params
{
    int w, h, nc;
    int hasAlpha;    // the image has an alpha plane
    int blurAlpha;   // alpha was blurred as its own channel (else it was all 1 and stays so)
    int center;
    int srgb;
} pc;

void main()
{
    ivec2 p = ivec2(gl_GlobalInvocationID.xy);
    if (p.x >= pc.w || p.y >= pc.h) return;
    uint n = uint(pc.w) * uint(pc.h), i = uint(p.y) * uint(pc.w) + uint(p.x);
    vec2 tn = cov[i];
    int lo = int((lower[i >> 2] >> (8u * (i & 3u))) & 0xFFu);
    if (lo == pc.center && upper[i] == 0.0 && tn.y == 0.0) return; // untouched
    vec4 c = acc[i];
    float t = tn.x;
    vec4 v = t > 0.0 ? c / t : vec4(0.0);
    float a = 1.0;
    if (pc.blurAlpha != 0)
    {
        a = v.w;
        orig[uint(pc.nc) * n + i] = a;
    }
    for (int ch = 0; ch < pc.nc; ch++)
    {
        float x = ch == 0 ? v.x : ch == 1 ? v.y : v.z;
        if (pc.blurAlpha != 0) x = a > 0.0 ? x / a : 0.0;
        orig[uint(ch) * n + i] = pc.srgb != 0 ? applyTransfer(x, 1) : x;
    }
}

#version 450
#extension GL_GOOGLE_include_directive : require
// Pass (one per depth layer blurred on a coarse grid), the end of CpuLensBlurKernels.CoarseLayer on the GPU: for each
// listed output tile, each pixel interpolates the layer's gathered grid values bilinearly (LayerKernel.Upsample: columns
// first, then rows, each as a + f (b - a)) and composites them over what lies behind, as lensblur_gather does.
#include "common.glsl"

layout(std430, binding = 0) readonly buffer G { vec4 g[]; };     // per grid point (C rgb, O)
layout(std430, binding = 1) readonly buffer GA { float ga[]; };  // per grid point alpha
layout(std430, binding = 2) readonly buffer Table { int table[]; }; // tiles: tx | ty << 16
layout(std430, binding = 3) buffer Acc { vec4 acc[]; };
layout(std430, binding = 4) buffer Cov { vec2 cov[]; };

layout(push_constant) uniform Params
{
    int w, h;         // image
    int gw;           // grid width
    int scale;
    int listOffset;
    int hasAlpha;
    int nearer;
} pc;

// Full-resolution coordinate v interpolates grid indices i and i + 1 with weight f on the second: u = (v + 1/2)/s + 1/2.
void coordinate(int v, out int i, out float f)
{
    float u = (float(v) + 0.5) / float(pc.scale) + 0.5;
    i = int(floor(u));
    f = u - float(i);
}

vec4 lerp4(vec4 a, vec4 b, float f) { return a + f * (b - a); }
float lerp1(float a, float b, float f) { return a + f * (b - a); }

void main()
{
    int tile = table[pc.listOffset + int(gl_WorkGroupID.x)];
    int x = (tile & 0xFFFF) * int(gl_WorkGroupSize.x) + int(gl_LocalInvocationID.x);
    int y = (tile >> 16) * int(gl_WorkGroupSize.y) + int(gl_LocalInvocationID.y);
    if (x >= pc.w || y >= pc.h) return;
    int i0, j0;
    float fx, fy;
    coordinate(x, i0, fx);
    coordinate(y, j0, fy);
    uint r0 = uint(j0) * uint(pc.gw) + uint(i0), r1 = r0 + uint(pc.gw);
    vec4 top = lerp4(g[r0], g[r0 + 1u], fx), bottom = lerp4(g[r1], g[r1 + 1u], fx);
    vec4 sum = lerp4(top, bottom, fy);
    float sumA = 0.0;
    if (pc.hasAlpha != 0) sumA = lerp1(lerp1(ga[r0], ga[r0 + 1u], fx), lerp1(ga[r1], ga[r1 + 1u], fx), fy);
    uint i = uint(y) * uint(pc.w) + uint(x);
    float o = sum.w;
    vec4 c = vec4(sum.xyz, pc.hasAlpha != 0 ? sumA : o);
    acc[i] = c + (1.0 - o) * acc[i];
    vec2 tn = cov[i];
    tn.x = o + (1.0 - o) * tn.x;
    if (pc.nearer != 0) tn.y += o;
    cov[i] = tn;
}

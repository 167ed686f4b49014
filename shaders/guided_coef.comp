#version 450
#extension GL_GOOGLE_include_directive : require
// Pass 2 of the separable guided filter: vertical window sums of guided_stats' horizontal sums, then the per-pixel
// coefficients (guided_solve.glsl). Used for radii beyond the walking passes (guided_coef_walk.comp).
#include "common.glsl"

layout(std430, binding = 0) readonly buffer Stats { float stats[]; };
layout(std430, binding = 1) writeonly buffer Coef { float coef[]; }; // a_0 .. a_{nc-1}, b, v

#include "guided_solve.glsl"

layout(push_constant) uniform Params
{
    int cw, ch;
    int r;
    int nc;
    float eps;
} pc;

void main()
{
    uvec2 p = gl_GlobalInvocationID.xy;
    if (p.x >= uint(pc.cw) || p.y >= uint(pc.ch)) return;
    uint n = uint(pc.cw) * uint(pc.ch);
    int K = pc.nc == 1 ? 5 : 14;
    float S[14];
    for (int k = 0; k < 14; k++) S[k] = 0.0;
    int lo = max(0, int(p.y) - pc.r), hi = min(pc.ch - 1, int(p.y) + pc.r);
    for (int y = lo; y <= hi; y++)
    {
        uint i = uint(y) * uint(pc.cw) + p.x;
        for (int k = 0; k < K; k++) S[k] += stats[uint(k) * n + i];
    }
    storeCoefficients(S, pc.nc, pc.eps, p.y * uint(pc.cw) + p.x, n);
}

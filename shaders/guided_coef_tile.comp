#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
// Guided filter coefficients in one pass (GuidedFilter.Coefficients), for radii whose tile fits in shared memory:
// each workgroup stages its window of (guide, depth) once, forms the horizontal window sums of the statistics in
// shared memory (in two groups of 7 to stay within 32 KiB), sums them vertically in registers and solves per pixel.
// The 14 statistic planes of the separable path never touch device memory. Sums run over the same taps in the same
// order as guided_stats + guided_coef (taps outside the grid are unknown depth and add nothing), so results do not
// depend on the tiling.
#include "common.glsl"

layout(constant_id = 2) const int R = 8; // radius, fixed per pipeline so the shared arrays have a size

layout(std430, binding = 0) readonly buffer Guide { float guide[]; };
layout(std430, binding = 1) readonly buffer Depth { float depth[]; };
layout(std430, binding = 2) writeonly buffer Coef { float coef[]; }; // a_0 .. a_{nc-1}, b, v

#include "guided_solve.glsl"

layout(push_constant) uniform Params
{
    int cw, ch;
    int nc;
    int zeroIsInvalid;
    float eps;
} pc;

const int WX = int(gl_WorkGroupSize.x);
const int WY = int(gl_WorkGroupSize.y);
const int TW = WX + 2 * R;
const int TH = WY + 2 * R;
const int GROUP = 7;

shared vec4 inp[TW * TH];           // (I_0, I_1, I_2, depth or NaN when unknown / outside)
shared float hs[GROUP * TH * WX];    // horizontal sums of one group of statistics

// The statistics of one pixel v = (I_0, I_1, I_2, d), group g of 7 (colour order: m, p, I0, I1, I2, pI0, pI1 | pI2, I00,
// I01, I02, I11, I12, I22; grey, one group: m, p, I, pI, II). Written out so that every index is a constant.
void statistics(int g, bool grey, vec4 v, out float q[GROUP])
{
    if (grey) q = float[GROUP](1.0, v.w, v.x, v.w * v.x, v.x * v.x, 0.0, 0.0);
    else if (g == 0) q = float[GROUP](1.0, v.w, v.x, v.y, v.z, v.w * v.x, v.w * v.y);
    else q = float[GROUP](v.w * v.z, v.x * v.x, v.x * v.y, v.x * v.z, v.y * v.y, v.y * v.z, v.z * v.z);
}

void main()
{
    ivec2 lid = ivec2(gl_LocalInvocationID.xy);
    int lin = lid.y * WX + lid.x;
    ivec2 base = ivec2(gl_WorkGroupID.xy) * ivec2(WX, WY) - ivec2(R);
    uint n = uint(pc.cw) * uint(pc.ch);
    for (int k = lin; k < TW * TH; k += WX * WY)
    {
        ivec2 q = base + ivec2(k % TW, k / TW);
        vec4 v = vec4(0.0, 0.0, 0.0, NAN);
        if (q.x >= 0 && q.y >= 0 && q.x < pc.cw && q.y < pc.ch)
        {
            uint i = uint(q.y) * uint(pc.cw) + uint(q.x);
            float d = depth[i];
            v = vec4(guide[i], pc.nc > 1 ? guide[n + i] : 0.0, pc.nc > 1 ? guide[2u * n + i] : 0.0, validDepth(d, pc.zeroIsInvalid) ? d : NAN);
        }
        inp[k] = v;
    }
    barrier();

    bool grey = pc.nc == 1;
    float S[14];
    for (int k = 0; k < 14; k++) S[k] = 0.0;
    [[unroll]] for (int g = 0; g < 2; g++)
    {
        if (g == 1 && grey) break; // uniform: the grey statistics are one group
        // Horizontal sums for every tile row and every output column of the workgroup.
        for (int e = lin; e < TH * WX; e += WX * WY)
        {
            int ty = e / WX, tx = e % WX;
            float q[GROUP];
            [[unroll]] for (int j = 0; j < GROUP; j++) q[j] = 0.0;
            for (int dx = 0; dx <= 2 * R; dx++)
            {
                vec4 v = inp[ty * TW + tx + dx];
                if (isnan(v.w)) continue;
                float t[GROUP];
                statistics(g, grey, v, t);
                [[unroll]] for (int j = 0; j < GROUP; j++) q[j] += t[j];
            }
            for (int j = 0; j < GROUP; j++) hs[j * TH * WX + e] = q[j];
        }
        barrier();
        // Vertical sums for this invocation's pixel.
        [[unroll]] for (int j = 0; j < GROUP; j++)
        {
            float s = 0.0;
            for (int dy = 0; dy <= 2 * R; dy++) s += hs[j * TH * WX + (lid.y + dy) * WX + lid.x];
            S[g * GROUP + j] = s;
        }
        barrier();
    }
    ivec2 p = base + ivec2(R) + lid;
    if (p.x < pc.cw && p.y < pc.ch) storeCoefficients(S, pc.nc, pc.eps, uint(p.y) * uint(pc.cw) + uint(p.x), n);
}

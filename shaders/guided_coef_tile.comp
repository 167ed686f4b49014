#version 450
#extension GL_GOOGLE_include_directive : require
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

// Statistic k (colour order: m, p, I0, I1, I2, pI0, pI1, pI2, I00, I01, I02, I11, I12, I22; grey: m, p, I, pI, II).
float statistic(int k, vec4 v, int nc)
{
    if (nc == 1) k = k < 2 ? k : k == 2 ? 2 : k == 3 ? 5 : 8;
    switch (k)
    {
        case 0: return 1.0;
        case 1: return v.w;
        case 2: return v.x;
        case 3: return v.y;
        case 4: return v.z;
        case 5: return v.w * v.x;
        case 6: return v.w * v.y;
        case 7: return v.w * v.z;
        case 8: return v.x * v.x;
        case 9: return v.x * v.y;
        case 10: return v.x * v.z;
        case 11: return v.y * v.y;
        case 12: return v.y * v.z;
        default: return v.z * v.z;
    }
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

    int K = pc.nc == 1 ? 5 : 14;
    float S[14];
    for (int k = 0; k < 14; k++) S[k] = 0.0;
    for (int g = 0; g * GROUP < K; g++)
    {
        // Horizontal sums for every tile row and every output column of the workgroup.
        for (int e = lin; e < TH * WX; e += WX * WY)
        {
            int ty = e / WX, tx = e % WX;
            float q[GROUP];
            for (int j = 0; j < GROUP; j++) q[j] = 0.0;
            for (int dx = 0; dx <= 2 * R; dx++)
            {
                vec4 v = inp[ty * TW + tx + dx];
                if (isnan(v.w)) continue;
                for (int j = 0; j < GROUP; j++) q[j] += statistic(g * GROUP + j, v, pc.nc);
            }
            for (int j = 0; j < GROUP; j++) hs[j * TH * WX + e] = q[j];
        }
        barrier();
        // Vertical sums for this invocation's pixel.
        for (int j = 0; j < GROUP; j++)
        {
            float s = 0.0;
            for (int dy = 0; dy <= 2 * R; dy++) s += hs[j * TH * WX + (lid.y + dy) * WX + lid.x];
            if (g * GROUP + j < 14) S[g * GROUP + j] = s;
        }
        barrier();
    }
    ivec2 p = base + ivec2(R) + lid;
    if (p.x < pc.cw && p.y < pc.ch) storeCoefficients(S, pc.nc, pc.eps, uint(p.y) * uint(pc.cw) + uint(p.x), n);
}

#version 450
#extension GL_GOOGLE_include_directive : require
// Guided filter, last stage in one pass (GuidedFilter.MeanCoefficients), for radii whose tile fits in shared memory:
// window sums of a_c, b and v (horizontal in shared memory, then vertical in registers), the mean coefficients over
// the windows that had any (NaN where none did), and in apply mode q = mean b + sum_c mean a_c I_c straight away.
// Same taps in the same order as box_h + guided_mean, so results do not depend on the tiling.
#include "common.glsl"

layout(constant_id = 2) const int R = 8;

layout(std430, binding = 0) readonly buffer Coef { float coef[]; };   // a_0 .. a_{nc-1}, b, v over the grid
layout(std430, binding = 1) readonly buffer Guide { float guide[]; }; // grid-sized guide (apply mode)
layout(std430, binding = 2) writeonly buffer Out { float outp[]; };   // mean planes over the grid, or q over the output rectangle

layout(push_constant) uniform Params
{
    int cw, ch;
    int nc;
    int apply;
    int tx0, ty0, tw, th; // output rectangle inside the grid (apply mode)
} pc;

const int WX = int(gl_WorkGroupSize.x);
const int WY = int(gl_WorkGroupSize.y);
const int TW = WX + 2 * R;
const int TH = WY + 2 * R;

shared vec4 inpA[TW * TH];  // (a_0, a_1, a_2, b); zero outside the grid
shared float inpV[TW * TH]; // v
shared float hs[5 * TH * WX];

void main()
{
    ivec2 lid = ivec2(gl_LocalInvocationID.xy);
    int lin = lid.y * WX + lid.x;
    ivec2 origin = pc.apply != 0 ? ivec2(pc.tx0, pc.ty0) : ivec2(0);
    ivec2 base = origin + ivec2(gl_WorkGroupID.xy) * ivec2(WX, WY) - ivec2(R);
    uint n = uint(pc.cw) * uint(pc.ch);
    int nc = pc.nc;
    for (int k = lin; k < TW * TH; k += WX * WY)
    {
        ivec2 q = base + ivec2(k % TW, k / TW);
        vec4 a = vec4(0.0);
        float v = 0.0;
        if (q.x >= 0 && q.y >= 0 && q.x < pc.cw && q.y < pc.ch)
        {
            uint i = uint(q.y) * uint(pc.cw) + uint(q.x);
            a = vec4(coef[i], nc > 1 ? coef[n + i] : 0.0, nc > 1 ? coef[2u * n + i] : 0.0, coef[uint(nc) * n + i]);
            v = coef[uint(nc + 1) * n + i];
        }
        inpA[k] = a;
        inpV[k] = v;
    }
    barrier();
    for (int e = lin; e < TH * WX; e += WX * WY)
    {
        int ty = e / WX, tx = e % WX;
        vec4 sa = vec4(0.0);
        float sv = 0.0;
        for (int dx = 0; dx <= 2 * R; dx++)
        {
            int k = ty * TW + tx + dx;
            sa += inpA[k];
            sv += inpV[k];
        }
        hs[e] = sa.x;
        hs[TH * WX + e] = sa.y;
        hs[2 * TH * WX + e] = sa.z;
        hs[3 * TH * WX + e] = sa.w;
        hs[4 * TH * WX + e] = sv;
    }
    barrier();
    ivec2 p = base + ivec2(R) + lid;
    bool inside = pc.apply != 0 ? (p.x - origin.x < pc.tw && p.y - origin.y < pc.th) : (p.x < pc.cw && p.y < pc.ch);
    if (!inside) return;
    float S[5];
    for (int j = 0; j < 5; j++)
    {
        float s = 0.0;
        for (int dy = 0; dy <= 2 * R; dy++) s += hs[j * TH * WX + (lid.y + dy) * WX + lid.x];
        S[j] = s;
    }
    float sv = S[4];
    // S holds a_0, a_1, a_2, b (grey: a_0, 0, 0, b).
    float mb = sv > 0.5 ? S[3] / sv : NAN;
    uint i = uint(p.y) * uint(pc.cw) + uint(p.x);
    if (pc.apply == 0)
    {
        for (int c = 0; c < nc; c++) outp[uint(c) * n + i] = sv > 0.5 ? S[c] / sv : NAN;
        outp[uint(nc) * n + i] = mb;
        return;
    }
    float q = mb;
    for (int c = 0; c < nc; c++) q += (sv > 0.5 ? S[c] / sv : NAN) * guide[uint(c) * n + i];
    outp[uint(p.y - origin.y) * uint(pc.tw) + uint(p.x - origin.x)] = q;
}

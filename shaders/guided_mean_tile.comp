#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
// Guided filter, last stage in one pass (GuidedFilter.MeanCoefficients) for radii up to 12 (box_tile.glsl has the
// layout): window sums of a_c, b and v, the mean coefficients over the windows that had any (NaN where none did), and in
// apply mode q = mean b + sum_c mean a_c I_c straight away, else the mean planes over the grid.
#include "common.glsl"

layout(constant_id = 2) const int R = 8;
layout(constant_id = 3) const int NC = 3; // guide planes: 1 or 3

layout(std430, binding = 0) readonly buffer Coef { float coef[]; };   // a_0 .. a_{nc-1}, b, v over the grid
layout(std430, binding = 1) readonly buffer Guide { float guide[]; }; // grid-sized guide (apply mode)
layout(std430, binding = 2) writeonly buffer Out { float outp[]; };   // mean planes over the grid, or q over the output rectangle

#include "box_tile.glsl"

layout(push_constant) uniform Params
{
    int cw, ch;
    int apply;
    int tx0, ty0, tw, th; // output rectangle inside the grid (apply mode)
} pc;

const int NPL = NC + 2; // a_0 .. a_{NC-1}, b, v
const int PLANE = TH * IP;

shared float smem[NPL * TH * IP]; // input planes, then the horizontal sums (HP <= IP)

void main()
{
    int lin = int(gl_LocalInvocationIndex);
    ivec2 origin = pc.apply != 0 ? ivec2(pc.tx0, pc.ty0) : ivec2(0);
    ivec2 base = origin + ivec2(gl_WorkGroupID.xy) * ivec2(BX, BY) - ivec2(R);
    uint n = uint(pc.cw) * uint(pc.ch);
    for (int k = lin; k < TW * TH; k += NT)
    {
        int ty = k / TW, tx = k - ty * TW;
        ivec2 q = base + ivec2(tx, ty);
        bool inside = q.x >= 0 && q.y >= 0 && q.x < pc.cw && q.y < pc.ch;
        uint i = inside ? uint(q.y) * uint(pc.cw) + uint(q.x) : 0u;
        int a = ty * IP + tx;
        [[unroll]] for (int c = 0; c < NPL; c++) smem[c * PLANE + a] = inside ? coef[uint(c) * n + i] : 0.0;
    }
    barrier();

    int hy = lin % TH, x0 = (lin / TH) * PH;
    float H[PH * NPL];
    [[unroll]] for (int e = 0; e < PH * NPL; e++) H[e] = 0.0;
    [[unroll]] for (int k = 0; k < PH + 2 * R; k++)
    {
        float v[NPL];
        [[unroll]] for (int c = 0; c < NPL; c++) v[c] = smem[c * PLANE + hy * IP + x0 + k];
        [[unroll]] for (int j = 0; j < PH; j++)
        {
            if (k - j < 0 || k - j > 2 * R) continue; // compile-time after unrolling
            [[unroll]] for (int c = 0; c < NPL; c++) H[j * NPL + c] += v[c];
        }
    }
    barrier(); // the input is no longer read
    [[unroll]] for (int c = 0; c < NPL; c++)
        [[unroll]] for (int j = 0; j < PH; j++) smem[c * TH * HP + hy * HP + x0 + j] = H[j * NPL + c];
    barrier();

    int vx = lin % BX, y0 = (lin / BX) * PV;
    if (y0 >= BY) return;
    float V[PV * NPL];
    [[unroll]] for (int e = 0; e < PV * NPL; e++) V[e] = 0.0;
    [[unroll]] for (int k = 0; k < PV + 2 * R; k++)
    {
        int row = min(y0 + k, TH - 1); // rows past the tile only feed outputs past the block
        [[unroll]] for (int c = 0; c < NPL; c++)
        {
            float h = smem[c * TH * HP + row * HP + vx];
            [[unroll]] for (int j = 0; j < PV; j++)
                if (k - j >= 0 && k - j <= 2 * R) V[j * NPL + c] += h;
        }
    }

    ivec2 p = base + ivec2(R + vx, R + y0);
    [[unroll]] for (int j = 0; j < PV; j++)
    {
        int y = p.y + j;
        bool inside = pc.apply != 0 ? (p.x - origin.x < pc.tw && y - origin.y < pc.th) : (p.x < pc.cw && y < pc.ch);
        if (y0 + j >= BY || !inside) continue;
        precise float sv = V[j * NPL + NC + 1];
        precise float mb = sv > 0.5 ? V[j * NPL + NC] / sv : NAN;
        uint i = uint(y) * uint(pc.cw) + uint(p.x);
        if (pc.apply == 0)
        {
            [[unroll]] for (int c = 0; c < NC; c++) outp[uint(c) * n + i] = sv > 0.5 ? V[j * NPL + c] / sv : NAN;
            outp[uint(NC) * n + i] = mb;
            continue;
        }
        precise float q = mb;
        [[unroll]] for (int c = 0; c < NC; c++) q += (sv > 0.5 ? V[j * NPL + c] / sv : NAN) * guide[uint(c) * n + i];
        outp[uint(y - origin.y) * uint(pc.tw) + uint(p.x - origin.x)] = q;
    }
}

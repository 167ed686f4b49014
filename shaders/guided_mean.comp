#version 450
#extension GL_GOOGLE_include_directive : require
// Pass 3 of the guided filter (GuidedFilter.MeanCoefficients): vertical window sums of box_h's sums of a, b and v,
// then the mean coefficients over the windows that had any (NaN where none did). Mode 0 writes the mean planes
// (for guided upsampling); mode 1 applies them at once: q = mean b + sum_c mean a_c I_c over the output rectangle.
#include "common.glsl"

layout(std430, binding = 0) readonly buffer Sums { float sums[]; };  // horizontal sums of a_0 .. a_{nc-1}, b, v
layout(std430, binding = 1) readonly buffer Guide { float guide[]; }; // grid-sized guide (mode 1)
layout(std430, binding = 2) writeonly buffer Out { float outp[]; };

layout(push_constant) uniform Params
{
    int cw, ch;
    int r;
    int nc;
    int apply;
    int tx0, ty0, tw, th; // output rectangle inside the grid (mode 1)
} pc;

void main()
{
    uvec2 p = gl_GlobalInvocationID.xy;
    int x = int(p.x), y = int(p.y);
    if (pc.apply != 0)
    {
        if (x >= pc.tw || y >= pc.th) return;
        x += pc.tx0;
        y += pc.ty0;
    }
    else if (x >= pc.cw || y >= pc.ch) return;
    uint n = uint(pc.cw) * uint(pc.ch);
    int planes = pc.nc + 2;
    float S[5] = float[5](0.0, 0.0, 0.0, 0.0, 0.0);
    int lo = max(0, y - pc.r), hi = min(pc.ch - 1, y + pc.r);
    for (int yy = lo; yy <= hi; yy++)
    {
        uint i = uint(yy) * uint(pc.cw) + uint(x);
        for (int c = 0; c < planes; c++) S[c] += sums[uint(c) * n + i];
    }
    float sv = S[planes - 1];
    uint i = uint(y) * uint(pc.cw) + uint(x);
    if (pc.apply == 0)
    {
        for (int c = 0; c <= pc.nc; c++) outp[uint(c) * n + i] = sv > 0.5 ? S[c] / sv : NAN;
        return;
    }
    float q = sv > 0.5 ? S[pc.nc] / sv : NAN;
    for (int c = 0; c < pc.nc; c++)
    {
        float m = sv > 0.5 ? S[c] / sv : NAN;
        q += m * guide[uint(c) * n + i];
    }
    outp[p.y * uint(pc.tw) + p.x] = q;
}

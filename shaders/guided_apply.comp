#version 450
#extension GL_GOOGLE_include_directive : require
// Last pass of guided upsampling: q = mean b + sum_c mean a_c I_c with the mean coefficients already resampled to
// the output rectangle and the full-resolution guide region around it.
#include "common.glsl"

layout(std430, binding = 0) readonly buffer Mean { float mean[]; };   // a_0 .. a_{nc-1}, b over the output rectangle
layout(std430, binding = 1) readonly buffer Guide { float guide[]; }; // guide region G
layout(std430, binding = 2) writeonly buffer Out { float outp[]; };

layout(push_constant) uniform Params
{
    int gw, gh;
    int tx0, ty0; // output rectangle origin inside G
    int tw, th;
    int nc;
} pc;

void main()
{
    uvec2 p = gl_GlobalInvocationID.xy;
    if (p.x >= uint(pc.tw) || p.y >= uint(pc.th)) return;
    uint tn = uint(pc.tw) * uint(pc.th), gn = uint(pc.gw) * uint(pc.gh);
    uint o = p.y * uint(pc.tw) + p.x;
    uint gi = (p.y + uint(pc.ty0)) * uint(pc.gw) + p.x + uint(pc.tx0);
    float q = mean[uint(pc.nc) * tn + o];
    for (int c = 0; c < pc.nc; c++) q += mean[uint(c) * tn + o] * guide[uint(c) * gn + gi];
    outp[o] = q;
}

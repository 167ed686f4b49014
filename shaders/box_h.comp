#version 450
#extension GL_GOOGLE_include_directive : require
// Pass: horizontal window sums over [x - r, x + r] clipped to the grid, for several planes (the first half of a
// box sum; the vertical half is fused into the pass that consumes it). Direct sums in a fixed order.
#include "common.glsl"

layout(std430, binding = 0) readonly buffer Src { float src[]; };
layout(std430, binding = 1) writeonly buffer Dst { float dst[]; };

layout(push_constant) uniform Params
{
    int cw, ch;
    int r;
    int planes;
} pc;

void main()
{
    uvec2 p = gl_GlobalInvocationID.xy;
    if (p.x >= uint(pc.cw) || p.y >= uint(pc.ch)) return;
    uint n = uint(pc.cw) * uint(pc.ch), row = p.y * uint(pc.cw);
    int lo = max(0, int(p.x) - pc.r), hi = min(pc.cw - 1, int(p.x) + pc.r);
    for (int c = 0; c < pc.planes; c++)
    {
        float s = 0.0;
        for (int x = lo; x <= hi; x++) s += src[uint(c) * n + row + uint(x)];
        dst[uint(c) * n + row + p.x] = s;
    }
}

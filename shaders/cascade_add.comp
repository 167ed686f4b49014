#version 450
#extension GL_GOOGLE_include_directive : require
// Pass: the cascade's back-projection update x += enlarge(r) (CascadeUpsampling.BackProject); unknown (NaN) stays
// unknown, as on the CPU.
#include "common.glsl"

layout(std430, binding = 0) buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer Up { float up[]; };

layout(push_constant) uniform Params
{
    int w, h;
} pc;

void main()
{
    uvec2 p = gl_GlobalInvocationID.xy;
    if (p.x >= uint(pc.w) || p.y >= uint(pc.h)) return;
    uint i = p.y * uint(pc.w) + p.x;
    x[i] += up[i];
}

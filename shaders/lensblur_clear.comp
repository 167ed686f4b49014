#version 450
#extension GL_GOOGLE_include_directive : require
// Pass: zero the lens-blur accumulators (composited colour and alpha; total coverage and nearer-layer coverage).
#include "common.glsl"

layout(std430, binding = 0) writeonly buffer Acc { vec4 acc[]; };
layout(std430, binding = 1) writeonly buffer Cov { vec2 cov[]; };

layout(push_constant) uniform Params { int w, h; } pc;

void main()
{
    ivec2 p = ivec2(gl_GlobalInvocationID.xy);
    if (p.x >= pc.w || p.y >= pc.h) return;
    uint i = uint(p.y) * uint(pc.w) + uint(p.x);
    acc[i] = vec4(0.0);
    cov[i] = vec2(0.0);
}

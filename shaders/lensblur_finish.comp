#version 450
#extension GL_GOOGLE_include_directive : require
// Pass: the composite divided by the total coverage (premultiplied colour and alpha), and per pixel whether it is
// untouched: wholly in the in-focus layer and reached by no nearer layer (the host then copies the input there).
#include "common.glsl"

layout(std430, binding = 0) readonly buffer Acc { vec4 acc[]; };
layout(std430, binding = 1) readonly buffer Cov { vec2 cov[]; };
layout(std430, binding = 2) readonly buffer Lower { uint lower[]; };
layout(std430, binding = 3) readonly buffer Upper { float upper[]; };
layout(std430, binding = 4) writeonly buffer Colour { float colour[]; }; // nc planes
layout(std430, binding = 5) writeonly buffer Alpha { float alpha[]; };
layout(std430, binding = 6) writeonly buffer Untouched { uint untouched[]; };

layout(push_constant) uniform Params { int w, h, nc, hasAlpha, center; } pc;

void main()
{
    ivec2 p = ivec2(gl_GlobalInvocationID.xy);
    if (p.x >= pc.w || p.y >= pc.h) return;
    uint n = uint(pc.w) * uint(pc.h), i = uint(p.y) * uint(pc.w) + uint(p.x);
    vec4 c = acc[i];
    vec2 tn = cov[i];
    float t = tn.x;
    colour[i] = t > 0.0 ? c.x / t : 0.0;
    if (pc.nc > 1)
    {
        colour[n + i] = t > 0.0 ? c.y / t : 0.0;
        colour[2u * n + i] = t > 0.0 ? c.z / t : 0.0;
    }
    if (pc.hasAlpha != 0) alpha[i] = t > 0.0 ? c.w / t : 0.0;
    int lo = int((lower[i >> 2] >> (8u * (i & 3u))) & 0xFFu);
    untouched[i] = lo == pc.center && upper[i] == 0.0 && tn.y == 0.0 ? 1u : 0u;
}

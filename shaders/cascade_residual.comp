#version 450
#extension GL_GOOGLE_include_directive : require
// Pass: the cascade's back-projection residual at low resolution (CascadeUpsampling.BackProject): r = soft(d - s, tau)
// = sign(e) max(|e| - tau, 0) on known input samples d, 0 elsewhere, where s is the estimate shrunk over its known
// pixels. The shrink marks pixels no known one reaches NaN, where the CPU's shrink leaves 0: NaN counts as 0 here, so
// it cannot spread through the enlargement. (Next to a known input sample the estimate is known, so this is a guard.)
#include "common.glsl"

layout(std430, binding = 0) readonly buffer Depth { float depth[]; };   // the low-resolution input, as uploaded
layout(std430, binding = 1) readonly buffer Shrunk { float shrunk[]; };
layout(std430, binding = 2) writeonly buffer Res { float res[]; };

layout(push_constant) uniform Params
{
    int w, h;
    int zeroIsInvalid;
    float tau;
} pc;

void main()
{
    uvec2 p = gl_GlobalInvocationID.xy;
    if (p.x >= uint(pc.w) || p.y >= uint(pc.h)) return;
    uint i = p.y * uint(pc.w) + p.x;
    float d = depth[i];
    if (!validDepth(d, pc.zeroIsInvalid))
    {
        res[i] = 0.0;
        return;
    }
    float s = shrunk[i];
    float e = d - (isnan(s) ? 0.0 : s);
    res[i] = sign(e) * max(abs(e) - pc.tau, 0.0);
}

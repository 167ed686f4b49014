#version 450
#extension GL_GOOGLE_include_directive : require
// Pass: joint bilateral upsampling (JointBilateralUpsampling.Apply, Kopf et al. 2007). Output pixel (X, Y) sits at
// u = (X + 0.5) sx - 0.5, v = (Y + 0.5) sy - 0.5 in the low-resolution grid and averages the known samples within r of
// (round(u), round(v)), weighted by exp(max(spatial + range, -80)), the range term against the guide averaged over
// each sample's footprint (lowGuide). Coordinates here are global; buffers hold regions with the given origins.
#include "common.glsl"

layout(std430, binding = 0) readonly buffer Guide { float guide[]; };       // full-resolution region G
layout(std430, binding = 1) readonly buffer LowGuide { float lowGuide[]; }; // low-resolution region D
layout(std430, binding = 2) readonly buffer Depth { float depth[]; };       // low-resolution region D
layout(std430, binding = 3) writeonly buffer Out { float outp[]; };         // output rectangle T

layout(push_constant) uniform Params
{
    int gx0, gy0, gw, gh;
    int dx0, dy0, dw, dh;
    int tx0, ty0, tw, th;
    int w, h;       // low-resolution image size
    int r, nc, zeroIsInvalid;
    float sx, sy;   // w / W and h / H, computed by the host as the CPU does
    float spatialScale, rangeScale;
} pc;

void main()
{
    uvec2 p = gl_GlobalInvocationID.xy;
    if (p.x >= uint(pc.tw) || p.y >= uint(pc.th)) return;
    int X = pc.tx0 + int(p.x), Y = pc.ty0 + int(p.y);
    precise float u = (float(X) + 0.5) * pc.sx - 0.5;
    precise float v = (float(Y) + 0.5) * pc.sy - 0.5;
    int cx = int(roundEven(u)), cy = int(roundEven(v));
    uint gn = uint(pc.gw) * uint(pc.gh), dn = uint(pc.dw) * uint(pc.dh);
    uint gi = uint(Y - pc.gy0) * uint(pc.gw) + uint(X - pc.gx0);
    float g[3];
    for (int c = 0; c < 3; c++) g[c] = c < pc.nc ? guide[uint(c) * gn + gi] : 0.0;
    float num = 0.0, den = 0.0;
    for (int j = max(0, cy - pc.r); j <= min(pc.h - 1, cy + pc.r); j++)
    {
        precise float dyy = (float(j) - v) * (float(j) - v);
        for (int i = max(0, cx - pc.r); i <= min(pc.w - 1, cx + pc.r); i++)
        {
            uint qi = uint(j - pc.dy0) * uint(pc.dw) + uint(i - pc.dx0);
            float d = depth[qi];
            if (!validDepth(d, pc.zeroIsInvalid)) continue;
            precise float dist = 0.0;
            for (int c = 0; c < pc.nc; c++)
            {
                float diff = g[c] - lowGuide[uint(c) * dn + qi];
                dist += diff * diff;
            }
            precise float e = ((float(i) - u) * (float(i) - u) + dyy) * pc.spatialScale + dist * pc.rangeScale;
            float wgt = exp(max(e, -80.0));
            num += wgt * d;
            den += wgt;
        }
    }
    outp[p.y * uint(pc.tw) + p.x] = den > 0.0 ? num / den : NAN;
}

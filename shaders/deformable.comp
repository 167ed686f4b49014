#version 450
#extension GL_GOOGLE_include_directive : require
// Pass: the deformable weighted average (DeformableFilter.ApplyRows). Output pixel (x, y) samples the target bilinearly
// at k*k positions in its d x d window: tap t = k i + j at window position ((c + i + ox) s, (c + j + oy) s), c = (d-1)/2,
// s = (d-1)/d, window pixel u at image column x - c + u; corners outside the window or the image are zero.
// Residual: target + sum (w - mean w) * sample; normalized: sum w * sample / sum w.
#include "common.glsl"

layout(std430, binding = 0) readonly buffer Target { float target[]; };  // rows [tTop, tTop + tRows), width W
layout(std430, binding = 1) readonly buffer Kernels { float kern[]; };   // k*k weight planes, then 2 k*k offset planes, rows [kTop, kTop + kRows)
layout(std430, binding = 2) writeonly buffer Out { float outp[]; };     // rows [y0, y0 + ny), width outW

layout(push_constant) uniform Params
{
    int W, H;          // the image the filter sees (zero outside)
    int tTop, tRows;
    int kTop, kRows;
    int y0, ny, outW;
    int k, d, residual;
} pc;

float corner(int x, int y, int u, int v)
{
    if (u < 0 || u >= pc.d || v < 0 || v >= pc.d) return 0.0;
    if (x < 0 || x >= pc.W || y < 0 || y >= pc.H) return 0.0;
    return target[(y - pc.tTop) * pc.W + x];
}

void main()
{
    uvec2 g = gl_GlobalInvocationID.xy;
    if (g.x >= uint(pc.outW) || g.y >= uint(pc.ny)) return;
    int x = int(g.x), y = pc.y0 + int(g.y);
    int taps = pc.k * pc.k, c = (pc.d - 1) / 2;
    float scale = float(pc.d - 1) / float(pc.d);
    int plane = pc.kRows * pc.W, ki = (y - pc.kTop) * pc.W + x;
    float sum = 0.0;
    for (int t = 0; t < taps; t++) sum += kern[t * plane + ki];
    float shift = pc.residual != 0 ? sum / float(taps) : 0.0;
    float acc = 0.0;
    for (int t = 0; t < taps; t++)
    {
        int i = t / pc.k, j = t - i * pc.k;
        precise float sx = (float(c + i) + kern[(taps + 2 * t) * plane + ki]) * scale;
        precise float sy = (float(c + j) + kern[(taps + 2 * t + 1) * plane + ki]) * scale;
        float s = 0.0;
        if (sx > -1.0 && sx < float(pc.d) && sy > -1.0 && sy < float(pc.d))
        {
            float fu = floor(sx), fv = floor(sy);
            int u = int(fu), v = int(fv);
            float fx = sx - fu, fy = sy - fv;
            int wx = x - c, wy = y - c;
            float a = corner(wx + u, wy + v, u, v), b = corner(wx + u + 1, wy + v, u + 1, v);
            float e = corner(wx + u, wy + v + 1, u, v + 1), f = corner(wx + u + 1, wy + v + 1, u + 1, v + 1);
            s = (a * (1.0 - fx) + b * fx) * (1.0 - fy) + (e * (1.0 - fx) + f * fx) * fy;
        }
        acc += (kern[t * plane + ki] - shift) * s;
    }
    outp[int(g.y) * pc.outW + x] = pc.residual != 0 ? target[(y - pc.tTop) * pc.W + x] + acc : acc / sum;
}

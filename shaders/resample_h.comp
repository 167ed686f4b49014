#version 450
#extension GL_GOOGLE_include_directive : require
// Pass: horizontal half of a separable, table-driven resampling (Resampler.Resize and AreaAverage). The host
// computes each output column's first input column, tap count and weights exactly as Resampler does. With a
// mask mode, invalid samples are skipped and the weight sum is written as a second set of planes, so the vertical
// pass can renormalise (normalised convolution).
#include "common.glsl"

layout(std430, binding = 0) readonly buffer Src { float src[]; };
layout(std430, binding = 1) writeonly buffer Dst { float dst[]; };
layout(std430, binding = 2) readonly buffer Taps { int taps[]; };       // per output column: first, count, weight offset
layout(std430, binding = 3) readonly buffer Weights { float weights[]; };

layout(push_constant) uniform Params
{
    int srcWidth;
    int rows;
    int dstWidth;
    int planes;
    int maskMode; // 0 none, 1 skip non-finite, 2 skip non-finite and zero
} pc;

void main()
{
    uvec2 p = gl_GlobalInvocationID.xy;
    if (p.x >= uint(pc.dstWidth) || p.y >= uint(pc.rows)) return;
    int first = taps[3 * p.x], count = taps[3 * p.x + 1], wo = taps[3 * p.x + 2];
    uint srcPlane = uint(pc.srcWidth) * uint(pc.rows), dstPlane = uint(pc.dstWidth) * uint(pc.rows);
    uint row = p.y * uint(pc.srcWidth) + uint(first);
    uint o = p.y * uint(pc.dstWidth) + p.x;
    for (int c = 0; c < pc.planes; c++)
    {
        float acc = 0.0, wsum = 0.0;
        for (int k = 0; k < count; k++)
        {
            float v = src[uint(c) * srcPlane + row + uint(k)];
            if (pc.maskMode != 0 && !validDepth(v, pc.maskMode - 1)) continue;
            float w = weights[wo + k];
            acc += w * v;
            wsum += w;
        }
        dst[uint(c) * dstPlane + o] = acc;
        if (pc.maskMode != 0) dst[uint(pc.planes + c) * dstPlane + o] = wsum;
    }
}

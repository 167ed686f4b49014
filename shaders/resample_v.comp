#version 450
#extension GL_GOOGLE_include_directive : require
// Pass: vertical half of the table-driven resampling (see resample_h.comp). In mask mode the source holds the
// weighted sums followed by the weight sums; the result is their ratio, or NaN (unknown) where the valid samples'
// weight is at most minWeight: 1e-6 (almost none contributed, as Resampler.Resize with empty = NaN does: 0 could be a
// valid depth), or the cascade's 0.3 for its bicubic start (CascadeUpsampling.Enlarge).
#include "common.glsl"

layout(std430, binding = 0) readonly buffer Src { float src[]; };
layout(std430, binding = 1) writeonly buffer Dst { float dst[]; };
layout(std430, binding = 2) readonly buffer Taps { int taps[]; };       // per output row: first, count, weight offset
layout(std430, binding = 3) readonly buffer Weights { float weights[]; };

layout(push_constant) uniform Params
{
    int width;
    int srcRows;
    int dstRows;
    int planes;
    int masked;
    float minWeight;
} pc;

void main()
{
    uvec2 p = gl_GlobalInvocationID.xy;
    if (p.x >= uint(pc.width) || p.y >= uint(pc.dstRows)) return;
    int first = taps[3 * p.y], count = taps[3 * p.y + 1], wo = taps[3 * p.y + 2];
    uint srcPlane = uint(pc.width) * uint(pc.srcRows), dstPlane = uint(pc.width) * uint(pc.dstRows);
    for (int c = 0; c < pc.planes; c++)
    {
        float acc = 0.0, wsum = 0.0;
        for (int k = 0; k < count; k++)
        {
            uint s = uint(first + k) * uint(pc.width) + p.x;
            float w = weights[wo + k];
            acc += w * src[uint(c) * srcPlane + s];
            if (pc.masked != 0) wsum += w * src[uint(pc.planes + c) * srcPlane + s];
        }
        dst[uint(c) * dstPlane + p.y * uint(pc.width) + p.x] = pc.masked != 0 ? (wsum > pc.minWeight ? acc / wsum : NAN) : acc;
    }
}

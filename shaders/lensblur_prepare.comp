#version 450
#extension GL_GOOGLE_include_directive : require
// Pass (raw-buffer lens blur, after the host placed the layers): per pixel the layer pair and weight (LayerPlan.Build),
// and the colour the layers blur (LensBlurRenderer.Prepare): linear light, highlights above the threshold boosted where
// the pixel is blurred at all, multiplied by alpha (clamped to 0..1, non-finite = 0). Each invocation does four
// consecutive pixels, so it writes one whole word of the packed layer indices. Clears flags[0] where some alpha is not 1
// (then alpha is blurred as its own channel; where all of it is 1 the blurred alpha equals the coverage and is skipped).
#include "common.glsl"
#include "lensblur_coc.glsl"

layout(std430, binding = 0) readonly buffer Orig { float orig[]; };    // nc colour planes (input transfer, straight) + alpha
layout(std430, binding = 1) readonly buffer Depth { float depth[]; };
layout(std430, binding = 2) readonly buffer Levels { float levels[]; }; // e of each layer, ascending
layout(std430, binding = 3) writeonly buffer Colour { float colour[]; }; // nc planes, premultiplied linear
layout(std430, binding = 4) writeonly buffer Lower { uint lower[]; };
layout(std430, binding = 5) writeonly buffer Upper { float upper[]; };
layout(std430, binding = 6) buffer Flags { uint flags[]; };

layout(push_constant) uniform Params
{
    CocParams coc;
    int w, h;
    int count;         // layers
    int nc;            // colour planes, 1 or 3
    int hasAlpha;
    int srgb;          // the input is sRGB-encoded
    float threshold, gain;
} pc;

float linearValue(float v) { return !isFinite(v) ? 0.0 : pc.srgb != 0 ? srgbToLinear(v) : v; }

// LensBlurRenderer.HighlightFactor.
float highlightFactor(float luminance, float cocRadius)
{
    if (pc.gain <= 0.0 || !(luminance > pc.threshold)) return 1.0;
    float ramp = clamp(cocRadius - 0.5, 0.0, 1.0);
    return 1.0 + ramp * pc.gain * (luminance - pc.threshold) / luminance;
}

void main()
{
    uint q = gl_GlobalInvocationID.y * (gl_NumWorkGroups.x * gl_WorkGroupSize.x) + gl_GlobalInvocationID.x;
    uint n = uint(pc.w) * uint(pc.h);
    if (4u * q >= n) return;
    uint packed = 0u;
    for (uint j = 0u; j < 4u; j++)
    {
        uint i = 4u * q + j;
        if (i >= n) break;
        float c = circleOfConfusion(depth[i], pc.coc);
        float e = cocToE(c);
        // The largest layer at or below e (levels[0] is the smallest e present, so there is one).
        int lo = 0, hi = pc.count - 1;
        while (lo < hi)
        {
            int mid = (lo + hi + 1) / 2;
            if (levels[mid] <= e) lo = mid;
            else hi = mid - 1;
        }
        int k = lo;
        upper[i] = k + 1 < pc.count && e > levels[k] ? (e - levels[k]) / (levels[k + 1] - levels[k]) : 0.0;
        packed |= uint(k) << (8u * j);

        float a = 1.0;
        if (pc.hasAlpha != 0)
        {
            float av = orig[uint(pc.nc) * n + i];
            a = isFinite(av) ? clamp(av, 0.0, 1.0) : 0.0;
            if (a != 1.0) flags[0] = 0u;
        }
        float r = linearValue(orig[i]);
        if (pc.nc == 1)
        {
            colour[i] = r * (a * highlightFactor(r, abs(c)));
            continue;
        }
        float g = linearValue(orig[n + i]), b = linearValue(orig[2u * n + i]);
        precise float luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
        float m = a * highlightFactor(luminance, abs(c));
        colour[i] = r * m;
        colour[n + i] = g * m;
        colour[2u * n + i] = b * m;
    }
    lower[q] = packed;
}

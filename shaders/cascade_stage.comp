#version 450
#extension GL_GOOGLE_include_directive : require
// Pass: one stage of the cascade (CascadeUpsampling.Stage): a joint bilateral filter over (2n+1)^2 sparse taps spaced
// `step` apart, out = sum w d / sum w over known taps, w = exp(max(-|dI|^2 / 2 sr^2, -60)) * spatial. Unknown depth
// (NaN, also what the bicubic start leaves) and taps outside the image have no weight; no known tap gives NaN. The taps
// are too far apart for a shared-memory window to pay, so each is read from device memory. Taps are summed in the
// CPU's order (dy, then dx).
#include "common.glsl"

layout(std430, binding = 0) readonly buffer Guide { float guide[]; };     // nc planes
layout(std430, binding = 1) readonly buffer Src { float src[]; };
layout(std430, binding = 2) readonly buffer Spatial { float spatial[]; }; // every stage's table, this one's at spatialBase
layout(std430, binding = 3) writeonly buffer Dst { float dst[]; };

layout(push_constant) uniform Params
{
    int w, h;
    int step;
    int n;            // taps -n..n per axis
    int nc;
    float rangeScale; // -1 / (2 sr^2)
    int spatialBase;
} pc;

void main()
{
    ivec2 p = ivec2(gl_GlobalInvocationID.xy);
    if (p.x >= pc.w || p.y >= pc.h) return;
    uint plane = uint(pc.w) * uint(pc.h), i = uint(p.y) * uint(pc.w) + uint(p.x);
    vec3 centre = vec3(guide[i], pc.nc > 1 ? guide[plane + i] : 0.0, pc.nc > 1 ? guide[2u * plane + i] : 0.0);
    int side = 2 * pc.n + 1;
    float num = 0.0, den = 0.0;
    for (int j = -pc.n; j <= pc.n; j++)
    {
        int qy = p.y + j * pc.step;
        if (qy < 0 || qy >= pc.h) continue;
        for (int k = -pc.n; k <= pc.n; k++)
        {
            int qx = p.x + k * pc.step;
            if (qx < 0 || qx >= pc.w) continue;
            uint q = uint(qy) * uint(pc.w) + uint(qx);
            float v = src[q];
            if (!isFinite(v)) continue;
            vec3 diff = vec3(guide[q], pc.nc > 1 ? guide[plane + q] : 0.0, pc.nc > 1 ? guide[2u * plane + q] : 0.0) - centre;
            precise float dist = diff.x * diff.x + diff.y * diff.y + diff.z * diff.z;
            float wgt = exp(max(dist * pc.rangeScale, -60.0)) * spatial[pc.spatialBase + (j + pc.n) * side + k + pc.n];
            num += wgt * v;
            den += wgt;
        }
    }
    dst[i] = den > 0.0 ? num / den : NAN;
}

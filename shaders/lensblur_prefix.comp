#version 450
#extension GL_GOOGLE_include_directive : require
// Pass (one per depth layer k), CpuLensBlurKernels.BuildWindow on the GPU: for each listed block (one segment of SEG
// columns, SEG = workgroup width, by BAND rows) the layer-weighted values L = w_k·(premultiplied colour, 1) and
// w_k·alpha, their exclusive prefix sums within the segment, and each segment row's total. The sums run one value after
// another (one invocation per row, in shared memory), as on the CPU: a run of zeros adds exactly nothing, so a gather
// over pixels the layer does not hold is exactly zero. Segments keep the sums small (float precision).
#include "common.glsl"

layout(constant_id = 2) const int BAND = 16;     // rows per block (= the gather tile height)
layout(constant_id = 3) const int SEG_MAX = 64;  // the workgroup width the host asked for (shared arrays' size)

layout(std430, binding = 0) readonly buffer Colour { float colour[]; }; // nc planes of w*h, premultiplied linear
layout(std430, binding = 1) readonly buffer Alpha { float alpha[]; };   // straight alpha (when hasAlpha)
layout(std430, binding = 2) readonly buffer Lower { uint lower[]; };    // per pixel the farther layer, 4 bytes per uint
layout(std430, binding = 3) readonly buffer Upper { float upper[]; };   // per pixel the weight of layer lower + 1
layout(std430, binding = 4) buffer Lp { vec4 lp[]; };   // [0, S): L; [S, 2S): prefix; [2S, 2S + h*nseg): totals; S = h*wp
layout(std430, binding = 5) buffer LpA { float lpa[]; }; // the same for alpha
layout(std430, binding = 6) readonly buffer List { int list[]; }; // blocks: segment | band << 16

layout(push_constant) uniform Params
{
    int w, h;        // image
    int wp, nseg;    // padded row length (nseg * SEG > w) and segments per row
    int k;           // layer
    int nc;          // colour planes (1 or 3)
    int hasAlpha;
    int listOffset;
} pc;

shared vec4 sv[BAND * SEG_MAX];
shared float sa[BAND * SEG_MAX];

void main()
{
    int seg = int(gl_WorkGroupSize.x), t = int(gl_LocalInvocationID.x);
    int block = list[pc.listOffset + int(gl_WorkGroupID.x)];
    int sgm = block & 0xFFFF, y0 = (block >> 16) * BAND;
    int x = sgm * seg + t;
    uint n = uint(pc.w) * uint(pc.h), s = uint(pc.h) * uint(pc.wp);
    for (int r = 0; r < BAND; r++)
    {
        int y = y0 + r;
        vec4 v = vec4(0.0);
        float va = 0.0;
        if (y < pc.h && x < pc.w)
        {
            uint i = uint(y) * uint(pc.w) + uint(x);
            int lo = int((lower[i >> 2] >> (8u * (i & 3u))) & 0xFFu);
            float u = upper[i];
            float wt = lo == pc.k ? 1.0 - u : (lo + 1 == pc.k ? u : 0.0);
            if (wt != 0.0)
            {
                v = vec4(wt * colour[i], pc.nc > 1 ? wt * colour[n + i] : 0.0, pc.nc > 1 ? wt * colour[2u * n + i] : 0.0, wt);
                if (pc.hasAlpha != 0) va = wt * alpha[i];
            }
        }
        if (y < pc.h)
        {
            uint o = uint(y) * uint(pc.wp) + uint(x);
            lp[o] = v;
            if (pc.hasAlpha != 0) lpa[o] = va;
        }
        sv[r * SEG_MAX + t] = v;
        sa[r * SEG_MAX + t] = va;
    }
    barrier();
    if (t < BAND && y0 + t < pc.h)
    {
        vec4 acc = vec4(0.0);
        float accA = 0.0;
        for (int c = 0; c < seg; c++)
        {
            vec4 v = sv[t * SEG_MAX + c];
            float va = sa[t * SEG_MAX + c];
            sv[t * SEG_MAX + c] = acc;
            sa[t * SEG_MAX + c] = accA;
            acc += v;
            accA += va;
        }
        uint tot = 2u * s + uint(y0 + t) * uint(pc.nseg) + uint(sgm);
        lp[tot] = acc;
        if (pc.hasAlpha != 0) lpa[tot] = accA;
    }
    barrier();
    for (int r = 0; r < BAND; r++)
    {
        int y = y0 + r;
        if (y >= pc.h) break;
        uint o = s + uint(y) * uint(pc.wp) + uint(x);
        lp[o] = sv[r * SEG_MAX + t];
        if (pc.hasAlpha != 0) lpa[o] = sa[r * SEG_MAX + t];
    }
}

#version 450
#extension GL_GOOGLE_include_directive : require
// Pass (one per depth layer k), CpuLensBlurKernels.BuildWindow / BuildCoarseWindow on the GPU: for each listed block (one
// segment of SEG columns, SEG = workgroup width, by BAND rows) of the layer's grid the layer-weighted values
// L = w_k·(premultiplied colour, 1) and w_k·alpha, their exclusive prefix sums within the segment, and each segment row's
// total. On a coarse grid (scale s > 1, LayerKernel) each point is the tent-weighted sum of the 2s × 2s pixels around
// it (columns of rows: the inner sum runs over rows, as on the CPU). The sums run one value after another (one
// invocation per row, in shared memory), as on the CPU: a run of zeros adds exactly nothing, so a gather over pixels the
// layer does not hold is exactly zero. Segments keep the sums small (float precision).
#include "common.glsl"

layout(constant_id = 2) const int BAND = 16;     // rows per block (= the gather tile height)
layout(constant_id = 3) const int SEG_MAX = 64;  // the workgroup width the host asked for (shared arrays' size)

layout(std430, binding = 0) readonly buffer Colour { float colour[]; }; // nc planes of w*h, premultiplied linear
layout(std430, binding = 1) readonly buffer Alpha { float alpha[]; };   // straight alpha (when hasAlpha), clamped here
layout(std430, binding = 2) readonly buffer Lower { uint lower[]; };    // per pixel the farther layer, 4 bytes per uint
layout(std430, binding = 3) readonly buffer Upper { float upper[]; };   // per pixel the weight of layer lower + 1
layout(std430, binding = 4) buffer Lp { vec4 lp[]; };   // [0, S): L; [S, 2S): prefix; [2S, 2S + h*nseg): totals; S = h*wp
layout(std430, binding = 5) buffer LpA { float lpa[]; }; // the same for alpha
layout(std430, binding = 6) readonly buffer List { int list[]; }; // blocks: segment | band << 16

layout(push_constant) uniform Params
{
    int w, h;        // image
    int wp, nseg;    // padded row length (nseg * SEG > gw) and segments per row
    int k;           // layer
    int nc;          // colour planes (1 or 3)
    int hasAlpha;
    int listOffset;
    int scale;       // 1, or the coarse grid's scale s
    int gw, gh;      // the grid (the image when s = 1)
} pc;

shared vec4 sv[BAND * SEG_MAX];

// Layer k's weight of pixel (x, y) times (premultiplied colour, 1) and times its alpha (clamped to 0..1, non-finite = 0).
void weighted(int x, int y, out vec4 v, out float va)
{
    uint n = uint(pc.w) * uint(pc.h), i = uint(y) * uint(pc.w) + uint(x);
    int lo = int((lower[i >> 2] >> (8u * (i & 3u))) & 0xFFu);
    float u = upper[i];
    float wt = lo == pc.k ? 1.0 - u : (lo + 1 == pc.k ? u : 0.0);
    v = vec4(0.0);
    va = 0.0;
    if (wt != 0.0)
    {
        v = vec4(wt * colour[i], pc.nc > 1 ? wt * colour[n + i] : 0.0, pc.nc > 1 ? wt * colour[2u * n + i] : 0.0, wt);
        if (pc.hasAlpha != 0)
        {
            float a = alpha[i];
            va = wt * (isFinite(a) ? clamp(a, 0.0, 1.0) : 0.0);
        }
    }
}
shared float sa[BAND * SEG_MAX];

void main()
{
    int seg = int(gl_WorkGroupSize.x), t = int(gl_LocalInvocationID.x);
    int block = list[pc.listOffset + int(gl_WorkGroupID.x)];
    int sgm = block & 0xFFFF, y0 = (block >> 16) * BAND;
    int x = sgm * seg + t;
    uint s = uint(pc.gh) * uint(pc.wp);
    for (int r = 0; r < BAND; r++)
    {
        int y = y0 + r;
        vec4 v = vec4(0.0);
        float va = 0.0;
        if (y < pc.gh && x < pc.gw)
        {
            if (pc.scale == 1) weighted(x, y, v, va);
            else
            {
                // Tent weights (sc - |q - sc + 1/2|) / sc^2 over 2 sc pixels starting at sc*i - 3 sc/2: exact binary fractions.
                int sc = pc.scale, fx0 = sc * x - 3 * sc / 2, fy0 = sc * y - 3 * sc / 2;
                float inv = 1.0 / float(sc * sc);
                for (int qx = 0; qx < 2 * sc; qx++)
                {
                    int fx = fx0 + qx;
                    if (fx < 0 || fx >= pc.w) continue;
                    vec4 col = vec4(0.0);
                    float colA = 0.0;
                    for (int qy = 0; qy < 2 * sc; qy++)
                    {
                        int fy = fy0 + qy;
                        if (fy < 0 || fy >= pc.h) continue;
                        vec4 pv;
                        float pa;
                        weighted(fx, fy, pv, pa);
                        float ay = (float(sc) - abs(float(qy - sc) + 0.5)) * inv;
                        col += ay * pv;
                        colA += ay * pa;
                    }
                    float ax = (float(sc) - abs(float(qx - sc) + 0.5)) * inv;
                    v += ax * col;
                    va += ax * colA;
                }
            }
        }
        if (y < pc.gh)
        {
            uint o = uint(y) * uint(pc.wp) + uint(x);
            lp[o] = v;
            if (pc.hasAlpha != 0) lpa[o] = va;
        }
        sv[r * SEG_MAX + t] = v;
        sa[r * SEG_MAX + t] = va;
    }
    barrier();
    if (t < BAND && y0 + t < pc.gh)
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
        if (y >= pc.gh) break;
        uint o = s + uint(y) * uint(pc.wp) + uint(x);
        lp[o] = sv[r * SEG_MAX + t];
        if (pc.hasAlpha != 0) lpa[o] = sa[r * SEG_MAX + t];
    }
}

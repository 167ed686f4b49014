#version 450
#extension GL_GOOGLE_include_directive : require
// Pass (one per depth layer k), CpuLensBlurKernels.Gather + compositing on the GPU: for each listed output tile of the
// layer's grid, each point gathers the layer with its bokeh kernel (per kernel row: the single-pixel taps, then the run
// of fully covered pixels as a difference of segment prefix sums). At full resolution (store = 0) it composites the
// result over what lies behind: acc = C + (1 - O) acc, T = O + (1 - O) T, and nearer layers' coverage is summed (a pixel
// they reach is not untouched). On a coarse grid (store = 1) it stores the result for lensblur_upsample.
#include "common.glsl"

layout(std430, binding = 0) readonly buffer Lp { vec4 lp[]; };   // lensblur_prefix's output
layout(std430, binding = 1) readonly buffer LpA { float lpa[]; };
layout(std430, binding = 2) readonly buffer Table { int table[]; }; // kernel rows, taps (weights as float bits), tiles
layout(std430, binding = 3) buffer Acc { vec4 acc[]; };          // per pixel: composited colour rgb + alpha
layout(std430, binding = 4) buffer Cov { vec2 cov[]; };          // per pixel: (T, nearer layers' coverage)
layout(std430, binding = 5) writeonly buffer G { vec4 g[]; };    // store: per grid point (C rgb, O)
layout(std430, binding = 6) writeonly buffer GA { float ga[]; }; // store: per grid point alpha

layout(push_constant) uniform Params
{
    int w, h;
    int wp, nseg, seg;
    int e;            // kernel extent
    int rowsOffset;   // kernel row j: table[rowsOffset + 5j ..] = run lo, run hi, run weight, first tap, end tap
    int listOffset;   // tiles: tx | ty << 16
    int hasAlpha;
    int nearer;       // layer in front of the focus
    int store;        // 1: coarse grid, store the gathered values instead of compositing
} pc;

// Sum of L over [a, b) of row y (0 <= a < b <= w), from the segment prefix sums and totals.
void runSum(int y, int a, int b, out vec4 sum, out float sumA)
{
    uint s = uint(pc.h) * uint(pc.wp), row = s + uint(y) * uint(pc.wp);
    int sa = a / pc.seg, sb = b / pc.seg;
    vec4 pa = lp[row + uint(a)], pb = lp[row + uint(b)];
    float paA = pc.hasAlpha != 0 ? lpa[row + uint(a)] : 0.0, pbA = pc.hasAlpha != 0 ? lpa[row + uint(b)] : 0.0;
    if (sa == sb)
    {
        sum = pb - pa;
        sumA = pbA - paA;
        return;
    }
    uint tot = 2u * s + uint(y) * uint(pc.nseg);
    sum = lp[tot + uint(sa)] - pa;
    sumA = pc.hasAlpha != 0 ? lpa[tot + uint(sa)] - paA : 0.0;
    for (int q = sa + 1; q < sb; q++)
    {
        sum += lp[tot + uint(q)];
        if (pc.hasAlpha != 0) sumA += lpa[tot + uint(q)];
    }
    sum += pb;
    sumA += pbA;
}

void main()
{
    int tile = table[pc.listOffset + int(gl_WorkGroupID.x)];
    int x = (tile & 0xFFFF) * int(gl_WorkGroupSize.x) + int(gl_LocalInvocationID.x);
    int y = (tile >> 16) * int(gl_WorkGroupSize.y) + int(gl_LocalInvocationID.y);
    if (x >= pc.w || y >= pc.h) return;
    vec4 sum = vec4(0.0);
    float sumA = 0.0;
    for (int j = 0; j <= 2 * pc.e; j++)
    {
        int sy = y - pc.e + j;
        if (sy < 0 || sy >= pc.h) continue;
        int base = pc.rowsOffset + 5 * j;
        uint rowL = uint(sy) * uint(pc.wp);
        for (int t = table[base + 3]; t < table[base + 4]; t += 2)
        {
            int sx = x + table[t];
            if (sx < 0 || sx >= pc.w) continue;
            float cf = intBitsToFloat(table[t + 1]);
            sum += cf * lp[rowL + uint(sx)];
            if (pc.hasAlpha != 0) sumA += cf * lpa[rowL + uint(sx)];
        }
        int a = max(x + table[base], 0), b = min(x + table[base + 1], pc.w);
        if (table[base] < table[base + 1] && a < b)
        {
            vec4 run;
            float runA;
            runSum(sy, a, b, run, runA);
            float cf = intBitsToFloat(table[base + 2]);
            sum += cf * run;
            sumA += cf * runA;
        }
    }
    uint i = uint(y) * uint(pc.w) + uint(x);
    if (pc.store != 0)
    {
        g[i] = sum;
        if (pc.hasAlpha != 0) ga[i] = sumA;
        return;
    }
    float o = sum.w;
    vec4 c = vec4(sum.xyz, pc.hasAlpha != 0 ? sumA : o);
    acc[i] = c + (1.0 - o) * acc[i];
    vec2 tn = cov[i];
    tn.x = o + (1.0 - o) * tn.x;
    if (pc.nearer != 0) tn.y += o;
    cov[i] = tn;
}

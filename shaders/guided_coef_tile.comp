#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
// Guided filter coefficients in one pass (GuidedFilter.Coefficients) for radii up to 12 (box_tile.glsl has the layout):
// the workgroup stages its window of known-depth-masked samples (m I_c, m d, m), sums their statistics over each
// window (stage H in registers, stage V from shared memory) and solves per pixel (guided_solve.glsl). The statistics
// (colour: m, p, I_c, p I_c, I_c I_c' upper triangle; grey: m, p, I, p I, I I) never reach device memory; with the input
// masked, each is one add or one fma per tap, with no branch. The colour guide's 14 sums pass through shared memory in
// two groups of 7 so that the horizontal sums fit where the input was.
#include "common.glsl"

layout(constant_id = 2) const int R = 8;
layout(constant_id = 3) const int NC = 3; // guide planes: 1 or 3

layout(std430, binding = 0) readonly buffer Guide { float guide[]; };
layout(std430, binding = 1) readonly buffer Depth { float depth[]; };
layout(std430, binding = 2) writeonly buffer Coef { float coef[]; }; // a_0 .. a_{nc-1}, b, v

#include "guided_solve.glsl"
#include "box_tile.glsl"

layout(push_constant) uniform Params
{
    int cw, ch;
    int zeroIsInvalid;
    float eps;
} pc;

const int NPL = NC + 2;           // staged planes: m I_c, m d, m
const int NS = NC == 1 ? 5 : 14;  // statistics
const int GS = NC == 1 ? 5 : 7;   // statistics per pass through shared memory
const int SMEM = NPL * TH * IP > GS * TH * HP ? NPL * TH * IP : GS * TH * HP;

shared float smem[SMEM];

// Sum s of the statistics after adding one masked sample (I = m I, p = m d, m), as a single add or fma.
float addStat(int s, float acc, vec3 I, float p, float m)
{
    if (NC == 1)
    {
        switch (s)
        {
            case 0: return acc + m;
            case 1: return acc + p;
            case 2: return acc + I.x;
            case 3: return fma(p, I.x, acc);
            default: return fma(I.x, I.x, acc);
        }
    }
    switch (s)
    {
        case 0: return acc + m;
        case 1: return acc + p;
        case 2: return acc + I.x;
        case 3: return acc + I.y;
        case 4: return acc + I.z;
        case 5: return fma(p, I.x, acc);
        case 6: return fma(p, I.y, acc);
        case 7: return fma(p, I.z, acc);
        case 8: return fma(I.x, I.x, acc);
        case 9: return fma(I.x, I.y, acc);
        case 10: return fma(I.x, I.z, acc);
        case 11: return fma(I.y, I.y, acc);
        case 12: return fma(I.y, I.z, acc);
        default: return fma(I.z, I.z, acc);
    }
}

void main()
{
    int lin = int(gl_LocalInvocationIndex);
    ivec2 base = ivec2(gl_WorkGroupID.xy) * ivec2(BX, BY) - ivec2(R); // grid coordinates of tile (0, 0)
    uint n = uint(pc.cw) * uint(pc.ch);
    const int PLANE = TH * IP;
    for (int k = lin; k < TW * TH; k += NT)
    {
        int ty = k / TW, tx = k - ty * TW;
        ivec2 q = base + ivec2(tx, ty);
        vec3 I = vec3(0.0);
        float p = 0.0, m = 0.0;
        if (q.x >= 0 && q.y >= 0 && q.x < pc.cw && q.y < pc.ch)
        {
            uint i = uint(q.y) * uint(pc.cw) + uint(q.x);
            float d = depth[i];
            if (validDepth(d, pc.zeroIsInvalid))
            {
                I.x = guide[i];
                if (NC > 1)
                {
                    I.y = guide[n + i];
                    I.z = guide[2u * n + i];
                }
                p = d;
                m = 1.0;
            }
        }
        int a = ty * IP + tx;
        [[unroll]] for (int c = 0; c < NC; c++) smem[c * PLANE + a] = I[c];
        smem[NC * PLANE + a] = p;
        smem[(NC + 1) * PLANE + a] = m;
    }
    barrier();

    // Stage H: sums over the 2R+1 columns of outputs x0 .. x0+PH-1 of tile row hy.
    int hy = lin % TH, x0 = (lin / TH) * PH;
    float H[PH * NS];
    [[unroll]] for (int e = 0; e < PH * NS; e++) H[e] = 0.0;
    [[unroll]] for (int k = 0; k < PH + 2 * R; k++)
    {
        int a = hy * IP + x0 + k;
        vec3 I = vec3(smem[a], NC > 1 ? smem[PLANE + a] : 0.0, NC > 1 ? smem[2 * PLANE + a] : 0.0);
        float p = smem[NC * PLANE + a], m = smem[(NC + 1) * PLANE + a];
        [[unroll]] for (int j = 0; j < PH; j++)
        {
            if (k - j < 0 || k - j > 2 * R) continue; // compile-time after unrolling
            [[unroll]] for (int s = 0; s < NS; s++) H[j * NS + s] = addStat(s, H[j * NS + s], I, p, m);
        }
    }

    // Stage V, group by group: sums over the 2R+1 rows of outputs y0 .. y0+PV-1 of column vx.
    int vx = lin % BX, y0 = (lin / BX) * PV;
    float V[PV * NS];
    [[unroll]] for (int e = 0; e < PV * NS; e++) V[e] = 0.0;
    [[unroll]] for (int g = 0; g * GS < NS; g++)
    {
        barrier(); // the previous contents (input or group) are no longer read
        [[unroll]] for (int s = g * GS; s < NS && s < (g + 1) * GS; s++)
            [[unroll]] for (int j = 0; j < PH; j++) smem[(s - g * GS) * TH * HP + hy * HP + x0 + j] = H[j * NS + s];
        barrier();
        if (y0 < BY)
        {
            [[unroll]] for (int k = 0; k < PV + 2 * R; k++)
            {
                int row = min(y0 + k, TH - 1); // rows past the tile only feed outputs past the block
                [[unroll]] for (int s = g * GS; s < NS && s < (g + 1) * GS; s++)
                {
                    float h = smem[(s - g * GS) * TH * HP + row * HP + vx];
                    [[unroll]] for (int j = 0; j < PV; j++)
                        if (k - j >= 0 && k - j <= 2 * R) V[j * NS + s] += h;
                }
            }
        }
    }

    int x = base.x + R + vx;
    if (x >= pc.cw) return;
    [[unroll]] for (int j = 0; j < PV; j++)
    {
        int y = base.y + R + y0 + j;
        if (y0 + j >= BY || y >= pc.ch) continue;
        float S[14];
        [[unroll]] for (int s = 0; s < 14; s++) S[s] = s < NS ? V[j * NS + s] : 0.0;
        storeCoefficients(S, NC, pc.eps, uint(y) * uint(pc.cw) + uint(x), n);
    }
}

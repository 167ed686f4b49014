#version 450
#extension GL_GOOGLE_include_directive : require
// Pass 2 of the guided filter: vertical window sums of guided_stats' planes, then per pixel the linear coefficients
// of its window (GuidedFilter.Coefficients): a = (Sigma + eps U)^-1 cov(I, p), b = mean p - a . mean I, and v = 1;
// a = b = v = 0 where the window holds no known depth. The 3x3 system is solved by Cramer's rule with the same
// cofactor formulas as the CPU (Solve3).
#include "common.glsl"

layout(std430, binding = 0) readonly buffer Stats { float stats[]; };
layout(std430, binding = 1) writeonly buffer Coef { float coef[]; }; // a_0 .. a_{nc-1}, b, v

layout(push_constant) uniform Params
{
    int cw, ch;
    int r;
    int nc;
    float eps;
} pc;

void main()
{
    uvec2 p = gl_GlobalInvocationID.xy;
    if (p.x >= uint(pc.cw) || p.y >= uint(pc.ch)) return;
    uint n = uint(pc.cw) * uint(pc.ch);
    int nc = pc.nc;
    int K = nc == 1 ? 5 : 14;
    float S[14];
    for (int k = 0; k < 14; k++) S[k] = 0.0;
    int lo = max(0, int(p.y) - pc.r), hi = min(pc.ch - 1, int(p.y) + pc.r);
    for (int y = lo; y <= hi; y++)
    {
        uint i = uint(y) * uint(pc.cw) + p.x;
        for (int k = 0; k < K; k++) S[k] += stats[uint(k) * n + i];
    }
    uint i = p.y * uint(pc.cw) + p.x;
    float cnt = S[0];
    if (cnt < 0.5)
    {
        for (int c = 0; c <= nc + 1; c++) coef[uint(c) * n + i] = 0.0;
        return;
    }
    float mp = S[1] / cnt;
    float mi[3], cov[3];
    for (int c = 0; c < 3; c++)
    {
        mi[c] = c < nc ? S[2 + c] / cnt : 0.0;
        cov[c] = c < nc ? S[2 + nc + c] / cnt - mi[c] * mp : 0.0;
    }
    float b = mp;
    if (nc == 1)
    {
        float a = cov[0] / (S[4] / cnt - mi[0] * mi[0] + pc.eps);
        coef[i] = a;
        b -= a * mi[0];
        coef[n + i] = b;
        coef[2u * n + i] = 1.0;
        return;
    }
    // Symmetric [[A B C][B D E][C E F]] = Sigma + eps U; second moments at S[8..13] = 00 01 02 11 12 22.
    float sa = S[8] / cnt - mi[0] * mi[0] + pc.eps;
    float sb = S[9] / cnt - mi[0] * mi[1];
    float sc = S[10] / cnt - mi[0] * mi[2];
    float sd = S[11] / cnt - mi[1] * mi[1] + pc.eps;
    float se = S[12] / cnt - mi[1] * mi[2];
    float sf = S[13] / cnt - mi[2] * mi[2] + pc.eps;
    float cA = sd * sf - se * se, cB = sc * se - sb * sf, cC = sb * se - sc * sd;
    float cD = sa * sf - sc * sc, cE = sb * sc - sa * se, cF = sa * sd - sb * sb;
    float inv = 1.0 / (sa * cA + sb * cB + sc * cC);
    float a0 = (cA * cov[0] + cB * cov[1] + cC * cov[2]) * inv;
    float a1 = (cB * cov[0] + cD * cov[1] + cE * cov[2]) * inv;
    float a2 = (cC * cov[0] + cE * cov[1] + cF * cov[2]) * inv;
    coef[i] = a0;
    coef[n + i] = a1;
    coef[2u * n + i] = a2;
    b -= a0 * mi[0];
    b -= a1 * mi[1];
    b -= a2 * mi[2];
    coef[3u * n + i] = b;
    coef[4u * n + i] = 1.0;
}

#version 450
#extension GL_GOOGLE_include_directive : require
// Pass 1 of the separable guided filter (GuidedFilter.Coefficients) for radii beyond the walking passes (guided_coef_walk.comp): horizontal window sums, over known depth only, of
// m, p, m I_c, p I_c and m I_c I_c' (upper triangle) for a grey (nc = 1: 5 planes) or colour (nc = 3: 14 planes) guide.
// Direct sums in a fixed order (not running sums), so a pixel's value does not depend on where its tile starts.
#include "common.glsl"

layout(std430, binding = 0) readonly buffer Guide { float guide[]; };
layout(std430, binding = 1) readonly buffer Depth { float depth[]; };
layout(std430, binding = 2) writeonly buffer Stats { float stats[]; };

layout(push_constant) uniform Params
{
    int cw, ch; // grid size
    int r;
    int nc;
    int zeroIsInvalid;
} pc;

void main()
{
    uvec2 p = gl_GlobalInvocationID.xy;
    if (p.x >= uint(pc.cw) || p.y >= uint(pc.ch)) return;
    uint n = uint(pc.cw) * uint(pc.ch);
    uint row = p.y * uint(pc.cw);
    float sm = 0.0, sp = 0.0;
    float sI[3] = float[3](0.0, 0.0, 0.0), sIp[3] = float[3](0.0, 0.0, 0.0);
    float sII[6] = float[6](0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    int lo = max(0, int(p.x) - pc.r), hi = min(pc.cw - 1, int(p.x) + pc.r);
    for (int x = lo; x <= hi; x++)
    {
        uint i = row + uint(x);
        float d = depth[i];
        if (!validDepth(d, pc.zeroIsInvalid)) continue;
        float I[3];
        for (int c = 0; c < 3; c++) I[c] = c < pc.nc ? guide[uint(c) * n + i] : 0.0;
        sm += 1.0;
        sp += d;
        for (int c = 0; c < 3; c++)
        {
            sI[c] += I[c];
            sIp[c] += d * I[c];
        }
        sII[0] += I[0] * I[0];
        sII[1] += I[0] * I[1];
        sII[2] += I[0] * I[2];
        sII[3] += I[1] * I[1];
        sII[4] += I[1] * I[2];
        sII[5] += I[2] * I[2];
    }
    uint i = row + p.x;
    stats[i] = sm;
    stats[n + i] = sp;
    uint k = 2u;
    for (int c = 0; c < pc.nc; c++) stats[(k++) * n + i] = sI[c];
    for (int c = 0; c < pc.nc; c++) stats[(k++) * n + i] = sIp[c];
    if (pc.nc == 1) stats[k * n + i] = sII[0];
    else for (int t = 0; t < 6; t++) stats[(k++) * n + i] = sII[t];
}

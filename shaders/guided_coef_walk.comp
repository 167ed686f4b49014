#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
// Guided filter coefficients (GuidedFilter.Coefficients) for radii up to RefineJob.WalkShape.MaxRadius: window sums of
// the known-depth statistics by walking (guided_walk.glsl), then the per-pixel solve; the statistics never reach
// device memory. Statistics of a sample with m = 1 for known depth inside the grid, else 0, I = m * guide, p = m * d,
// packed as vec4 groups (colour: (m, p, I0, I1), (I2, p I0, p I1, p I2), (I0 I0, I0 I1, I0 I2, I1 I1), (I1 I2, I2 I2,
// 0, 0); grey: (m, p, I, p I), (I I, 0, 0, 0)). Writes a_0 .. a_{nc-1}, b, v over the grid.
#include "common.glsl"

layout(constant_id = 2) const int NC = 3; // guide planes: 1 or 3
layout(constant_id = 3) const int L = 16; // rows per walk segment (RefineJob.WalkShape.Rows, which tiling needs to know)

layout(std430, binding = 0) readonly buffer Guide { float guide[]; };
layout(std430, binding = 1) readonly buffer Depth { float depth[]; };
layout(std430, binding = 2) writeonly buffer Coef { float coef[]; };

layout(push_constant) uniform Params
{
    int cw, ch;   // grid size
    int gx0, gy0; // grid origin in the image: strips, segments and quads are anchored there
    int k0, s0;   // strip and segment of workgroup (0, 0)
    int r;
    int zeroIsInvalid;
    float eps;
} pc;

#define NGROUPS 4
#define WALK_GROUPS (NC > 1 ? 4 : 2)
#include "guided_walk.glsl"

// Grid row y at columns x0 .. x0+3: depth (NaN outside the grid: unknown) and the guide planes.
struct Row { vec4 d, g0, g1, g2; };

Row loadRow(int x0, int y)
{
    Row w = Row(vec4(NAN), vec4(0.0), vec4(0.0), vec4(0.0));
    if (y < 0 || y >= pc.ch) return w; // uniform: the workgroup walks one row at a time
    uint n = uint(pc.cw) * uint(pc.ch);
    [[unroll]] for (int j = 0; j < 4; j++)
    {
        int x = x0 + j;
        bool inside = x >= 0 && x < pc.cw;
        uint i = inside ? uint(y) * uint(pc.cw) + uint(x) : 0u;
        float d = depth[i];
        w.d[j] = inside ? d : NAN;
        w.g0[j] = guide[i];
        if (NC > 1)
        {
            w.g1[j] = guide[n + i];
            w.g2[j] = guide[2u * n + i];
        }
    }
    return w;
}

// Adds (or subtracts) the statistics of a row's 4 samples to the vertical sums V.
void addRow(inout vec4 V[NGROUPS * 4], Row w, bool subtract)
{
    [[unroll]] for (int j = 0; j < 4; j++)
    {
        bool known = validDepth(w.d[j], pc.zeroIsInvalid);
        float m = known ? 1.0 : 0.0, p = known ? w.d[j] - WALK_SHIFT : 0.0;
        vec3 I = known ? vec3(w.g0[j], w.g1[j], w.g2[j]) - WALK_SHIFT : vec3(0.0);
        vec4 s0, s1, s2 = vec4(0.0), s3 = vec4(0.0);
        if (NC == 1)
        {
            s0 = vec4(m, p, I.x, p * I.x);
            s1 = vec4(I.x * I.x, 0.0, 0.0, 0.0);
        }
        else
        {
            s0 = vec4(m, p, I.x, I.y);
            s1 = vec4(I.z, p * I);
            s2 = vec4(I.x * I, I.y * I.y);
            s3 = vec4(I.y * I.z, I.z * I.z, 0.0, 0.0);
        }
        if (subtract)
        {
            V[j] -= s0;
            V[4 + j] -= s1;
            if (NC > 1)
            {
                V[8 + j] -= s2;
                V[12 + j] -= s3;
            }
        }
        else
        {
            V[j] += s0;
            V[4 + j] += s1;
            if (NC > 1)
            {
                V[8 + j] += s2;
                V[12 + j] += s3;
            }
        }
    }
}

// The solve (as GuidedFilter.Coefficients and guided_solve.glsl: a = (Sigma + eps U)^-1 cov(I, p) by Cramer's rule,
// b = mean p - a . mean I, v = 1; all zero where the window holds no known depth) from the window sums S. I and p are
// shifted by WALK_SHIFT, so this b is the shifted one; guided_mean_walk shifts back.
void solveStore(vec4 S[NGROUPS], uint i, uint n)
{
    float cnt = S[0].x;
    if (cnt < 0.5)
    {
        for (int c = 0; c <= NC + 1; c++) coef[uint(c) * n + i] = 0.0;
        return;
    }
    float ic = 1.0 / cnt;
    float mp = S[0].y * ic;
    if (NC == 1)
    {
        float mi = S[0].z * ic;
        float a = (S[0].w * ic - mi * mp) / (S[1].x * ic - mi * mi + pc.eps);
        coef[i] = a;
        coef[n + i] = mp - a * mi;
        coef[2u * n + i] = 1.0;
        return;
    }
    vec3 mi = vec3(S[0].z, S[0].w, S[1].x) * ic;
    vec3 cov = S[1].yzw * ic - mi * mp;
    // Symmetric [[A B C][B D E][C E F]] = Sigma + eps U.
    float sa = S[2].x * ic - mi.x * mi.x + pc.eps;
    float sb = S[2].y * ic - mi.x * mi.y;
    float sc = S[2].z * ic - mi.x * mi.z;
    float sd = S[2].w * ic - mi.y * mi.y + pc.eps;
    float se = S[3].x * ic - mi.y * mi.z;
    float sf = S[3].y * ic - mi.z * mi.z + pc.eps;
    float cA = sd * sf - se * se, cB = sc * se - sb * sf, cC = sb * se - sc * sd;
    float cD = sa * sf - sc * sc, cE = sb * sc - sa * se, cF = sa * sd - sb * sb;
    float inv = 1.0 / (sa * cA + sb * cB + sc * cC);
    vec3 a = vec3(cA * cov.x + cB * cov.y + cC * cov.z, cB * cov.x + cD * cov.y + cE * cov.z, cC * cov.x + cE * cov.y + cF * cov.z) * inv;
    coef[i] = a.x;
    coef[n + i] = a.y;
    coef[2u * n + i] = a.z;
    coef[3u * n + i] = mp - dot(a, mi);
    coef[4u * n + i] = 1.0;
}

void main()
{
    int t = int(gl_LocalInvocationID.x);
    int r = pc.r, halo = walkHalo(r), bx = walkStripOutputs(r);
    // Grid column of this invocation's first column, and the first row of its segment.
    int x0 = (pc.k0 + int(gl_WorkGroupID.x)) * bx - halo + 4 * t - pc.gx0;
    int ys = (pc.s0 + int(gl_WorkGroupID.y)) * L - pc.gy0;
    int yEnd = min(ys + L, pc.ch); // uniform
    bool outputs = 4 * t >= halo && 4 * t < halo + bx;
    uint n = uint(pc.cw) * uint(pc.ch);

    vec4 V[NGROUPS * 4];
    [[unroll]] for (int e = 0; e < NGROUPS * 4; e++) V[e] = vec4(0.0);
    for (int dy = -r; dy <= r; dy++) addRow(V, loadRow(x0, ys + dy), false);
    // The rows entering and leaving the window at the next step, loaded a step ahead (in flight while this row's sums
    // are exchanged and solved).
    Row rin = loadRow(x0, ys + 1 + r), rout = loadRow(x0, ys - r);
    for (int y = ys; y < yEnd; y++)
    {
        if (y > ys)
        {
            addRow(V, rin, false);
            addRow(V, rout, true);
            rin = loadRow(x0, y + 1 + r);
            rout = loadRow(x0, y - r);
        }
        if (y < 0) continue; // uniform: rows above the grid only carry the walk
        walkPublish(V, t);
        barrier();
        if (outputs)
        {
            vec4 S[NGROUPS];
            [[unroll]] for (int j = 0; j < 4; j++)
            {
                if (j == 0) walkFirst(t, r, S);
                else walkNext(t, j, r, S);
                int x = x0 + j;
                if (x >= 0 && x < pc.cw) solveStore(S, uint(y) * uint(pc.cw) + uint(x), n);
            }
        }
        barrier();
    }
}

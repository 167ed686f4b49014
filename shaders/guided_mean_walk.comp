#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
// Guided filter, last stage (GuidedFilter.MeanCoefficients) for radii up to RefineJob.WalkShape.MaxRadius: window sums
// of a_c, b and v by walking (guided_walk.glsl), the mean coefficients over the windows that had any (NaN where none
// did), and in apply mode q = mean b + sum_c mean a_c I_c over the output rectangle, else the mean planes over the grid.
#include "common.glsl"

layout(constant_id = 2) const int NC = 3; // guide planes: 1 or 3
layout(constant_id = 3) const int L = 16; // rows per walk segment (RefineJob.WalkShape.Rows, which tiling needs to know)

layout(std430, binding = 0) readonly buffer Coef { float coef[]; };   // a_0 .. a_{nc-1}, b, v over the grid
layout(std430, binding = 1) readonly buffer Guide { float guide[]; }; // grid-sized guide (apply mode)
layout(std430, binding = 2) writeonly buffer Out { float outp[]; };   // mean planes over the grid, or q over the output rectangle

layout(push_constant) uniform Params
{
    int cw, ch;   // grid size
    int gx0, gy0; // grid origin in the image: strips, segments and quads are anchored there
    int k0, s0;   // strip and segment of workgroup (0, 0)
    int r;
    int apply;
    int tx0, ty0, tw, th; // output rectangle inside the grid (apply mode; else the whole grid)
} pc;

// Groups: (a_0, a_1, a_2, b) (grey: (a, 0, 0, b)) and (v, 0, 0, 0).
#define NGROUPS 2
#define WALK_GROUPS 2
#include "guided_walk.glsl"

// Grid row y at columns x0 .. x0+3: (a_0, a_1, a_2, b) (grey: (a, 0, 0, b)) and v per column, zero outside the grid.
struct Row { vec4 a[4]; vec4 v; };

Row loadRow(int x0, int y)
{
    Row w = Row(vec4[4](vec4(0.0), vec4(0.0), vec4(0.0), vec4(0.0)), vec4(0.0));
    if (y < 0 || y >= pc.ch) return w; // uniform: the workgroup walks one row at a time
    uint n = uint(pc.cw) * uint(pc.ch);
    [[unroll]] for (int j = 0; j < 4; j++)
    {
        int x = x0 + j;
        bool inside = x >= 0 && x < pc.cw;
        uint i = inside ? uint(y) * uint(pc.cw) + uint(x) : 0u;
        vec4 a = NC > 1 ? vec4(coef[i], coef[n + i], coef[2u * n + i], coef[3u * n + i]) : vec4(coef[i], 0.0, 0.0, coef[n + i]);
        float v = coef[uint(NC + 1) * n + i];
        w.a[j] = inside ? a : vec4(0.0);
        w.v[j] = inside ? v : 0.0;
    }
    return w;
}

void addRow(inout vec4 V[NGROUPS * 4], Row w, bool subtract)
{
    [[unroll]] for (int j = 0; j < 4; j++)
    {
        vec4 v = vec4(w.v[j], 0.0, 0.0, 0.0);
        if (subtract)
        {
            V[j] -= w.a[j];
            V[4 + j] -= v;
        }
        else
        {
            V[j] += w.a[j];
            V[4 + j] += v;
        }
    }
}

void main()
{
    int t = int(gl_LocalInvocationID.x);
    int r = pc.r, halo = walkHalo(r), bx = walkStripOutputs(r);
    ivec2 origin = pc.apply != 0 ? ivec2(pc.tx0, pc.ty0) : ivec2(0);
    ivec2 size = pc.apply != 0 ? ivec2(pc.tw, pc.th) : ivec2(pc.cw, pc.ch);
    int x0 = (pc.k0 + int(gl_WorkGroupID.x)) * bx - halo + 4 * t - pc.gx0;
    int ys = (pc.s0 + int(gl_WorkGroupID.y)) * L - pc.gy0;
    int yEnd = min(ys + L, origin.y + size.y); // uniform
    bool outputs = 4 * t >= halo && 4 * t < halo + bx;
    uint n = uint(pc.cw) * uint(pc.ch);

    vec4 V[NGROUPS * 4];
    [[unroll]] for (int e = 0; e < NGROUPS * 4; e++) V[e] = vec4(0.0);
    for (int dy = -r; dy <= r; dy++) addRow(V, loadRow(x0, ys + dy), false);
    // The rows entering and leaving the window at the next step, loaded a step ahead.
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
        if (y < origin.y) continue; // uniform: rows above the outputs only carry the walk
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
                if (x >= origin.x && x < origin.x + size.x)
                {
                    float sv = S[1].x;
                    vec4 mean = sv > 0.5 ? S[0] / sv : vec4(NAN); // (a_0, a_1, a_2, b); grey (a, -, -, b)
                    uint i = uint(y) * uint(pc.cw) + uint(x);
                    if (pc.apply == 0)
                    {
                        outp[i] = mean.x;
                        if (NC > 1)
                        {
                            outp[n + i] = mean.y;
                            outp[2u * n + i] = mean.z;
                        }
                        // b for the unshifted guide and depth (guided_coef_walk solved for shifted ones).
                        outp[uint(NC) * n + i] = (mean.w + WALK_SHIFT) - WALK_SHIFT * (NC > 1 ? (mean.x + mean.y) + mean.z : mean.x);
                    }
                    else
                    {
                        // q = mean b + sum_c mean a_c I_c with the shifted guide and depth of guided_coef_walk's solve.
                        float q = mean.w;
                        q += mean.x * (guide[i] - WALK_SHIFT);
                        if (NC > 1)
                        {
                            q += mean.y * (guide[n + i] - WALK_SHIFT);
                            q += mean.z * (guide[2u * n + i] - WALK_SHIFT);
                        }
                        q += WALK_SHIFT;
                        outp[uint(y - origin.y) * uint(pc.tw) + uint(x - origin.x)] = q;
                    }
                }
            }
        }
        barrier();
    }
}

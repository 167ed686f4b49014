#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
// Pass: joint bilateral filter (JointBilateralFilter.Apply) for radii up to 16, specialised per radius. Same definition as
// jbf.comp (the generic pass for larger radii): out = sum w m d / sum w m over the (2r+1)^2 window, with
// w = exp(max(-|dI|^2 / 2 sr^2, -60)) * max(exp(-(dx^2+dy^2) / 2 ss^2), 1e-10), evaluated in base 2 as ONE exponential per
// tap: w = exp2(max(s - |k dI|^2, F + s)) where the guide is prescaled by k = sqrt(log2(e) / 2 sr^2), s is the log2 of the
// spatial weight and F = -60 log2(e). Known-depth masking costs nothing: num += w (m d), den += w m, both fused.
// A workgroup of 32 x WY invocations stages the window of its 32 x (WY P) output block in shared memory (prescaled guide and
// m d as vec4, m as float); each invocation filters P pixels stacked vertically, so one staged tap serves up to P of them.
// The loop over dx stays a loop (code size), the rows and the P outputs are unrolled: every register index is a constant,
// the window bounds are compile-time, there are no per-tap branches, and the spatial log-weights of a column are formed
// once per column. Each pixel sums its taps in the same order (dx, then dy), all products are explicit fma, so the result
// does not depend on where its block starts: tiled and untiled runs give identical bits.
#include "common.glsl"

layout(constant_id = 2) const int R = 6;   // radius
layout(constant_id = 3) const int P = 8;   // output rows per invocation
layout(constant_id = 4) const int NC = 3;  // guide planes: 1 or 3

layout(std430, binding = 0) readonly buffer Guide { float guide[]; };
layout(std430, binding = 1) readonly buffer Depth { float depth[]; };
layout(std430, binding = 2) writeonly buffer Out { float outp[]; };

layout(push_constant) uniform Params
{
    int gw, gh;     // region size
    int tx0, ty0;   // output rectangle origin inside the region
    int tw, th;     // output rectangle size
    int zeroIsInvalid;
    float kr;       // guide prescale: sqrt(log2(e) / (2 sr^2))
    float ks;       // spatial: log2(e) / (2 ss^2)
} pc;

const int WX = int(gl_WorkGroupSize.x);
const int WY = int(gl_WorkGroupSize.y);
const int TW = WX + 2 * R;
const int TH = WY * P + 2 * R;
const float RANGE_FLOOR = -86.561702;   // -60 * log2(e): JointBilateralFilter.RangeExponentFloor in base 2
const float SPATIAL_FLOOR = -33.219281; // log2(1e-10)

shared vec4 tileG[TW * TH]; // (k I_0, k I_1, k I_2, m d)
shared float tileM[TW * TH]; // m: 1 for known depth inside the region, else 0

void main()
{
    ivec2 lid = ivec2(gl_LocalInvocationID.xy);
    int lin = lid.y * WX + lid.x;
    ivec2 block = ivec2(gl_WorkGroupID.xy) * ivec2(WX, WY * P);
    ivec2 base = ivec2(pc.tx0, pc.ty0) + block - ivec2(R); // region coordinates of tile (0, 0)
    uint n = uint(pc.gw) * uint(pc.gh);
    for (int k = lin; k < TW * TH; k += WX * WY)
    {
        int ty = k / TW;
        ivec2 q = base + ivec2(k - ty * TW, ty);
        vec4 g = vec4(0.0);
        float m = 0.0;
        if (q.x >= 0 && q.y >= 0 && q.x < pc.gw && q.y < pc.gh)
        {
            uint i = uint(q.y) * uint(pc.gw) + uint(q.x);
            float d = depth[i];
            g.x = guide[i] * pc.kr;
            if (NC > 1)
            {
                g.y = guide[n + i] * pc.kr;
                g.z = guide[2u * n + i] * pc.kr;
            }
            if (validDepth(d, pc.zeroIsInvalid))
            {
                g.w = d;
                m = 1.0;
            }
        }
        tileG[k] = g;
        tileM[k] = m;
    }
    barrier();

    // This invocation's pixels: tile column lid.x + R, tile rows lid.y * P + R + j.
    int row0 = lid.y * P;
    vec3 centre[P];
    float num[P], den[P];
    [[unroll]] for (int j = 0; j < P; j++)
    {
        centre[j] = tileG[(row0 + R + j) * TW + lid.x + R].xyz;
        num[j] = 0.0;
        den[j] = 0.0;
    }
    // -a^2 ks for a = |dy| = 0..R.
    float vy[R + 1];
    [[unroll]] for (int a = 0; a <= R; a++) vy[a] = -float(a * a) * pc.ks;

    [[dont_unroll]] for (int dx = -R; dx <= R; dx++)
    {
        // log2 spatial weight s and the floored exponent F + s of this column, by |dy|.
        float u = -float(dx * dx) * pc.ks;
        float s[R + 1], f[R + 1];
        [[unroll]] for (int a = 0; a <= R; a++)
        {
            s[a] = max(u + vy[a], SPATIAL_FLOOR);
            f[a] = s[a] + RANGE_FLOOR;
        }
        int col = lid.x + R + dx;
        // Tile row row0 + k serves pixel j as its window row dy = k - j - R.
        [[unroll]] for (int k = 0; k < P + 2 * R; k++)
        {
            vec4 g = tileG[(row0 + k) * TW + col];
            float m = tileM[(row0 + k) * TW + col];
            [[unroll]] for (int j = 0; j < P; j++)
            {
                int dy = k - j - R;
                if (dy < -R || dy > R) continue; // compile-time after unrolling
                int a = abs(dy);
                vec3 e = g.xyz - centre[j];
                float t = fma(-e.x, e.x, s[a]);
                if (NC > 1)
                {
                    t = fma(-e.y, e.y, t);
                    t = fma(-e.z, e.z, t);
                }
                float w = exp2(max(t, f[a]));
                num[j] = fma(w, g.w, num[j]);
                den[j] = fma(w, m, den[j]);
            }
        }
    }

    int ox = block.x + lid.x;
    if (ox >= pc.tw) return;
    [[unroll]] for (int j = 0; j < P; j++)
    {
        int oy = block.y + row0 + j;
        if (oy < pc.th) outp[uint(oy) * uint(pc.tw) + uint(ox)] = den[j] > 0.0 ? num[j] / den[j] : NAN;
    }
}

#version 450
#extension GL_GOOGLE_include_directive : require
// Pass: joint bilateral filter (JointBilateralFilter.Apply), generic version for any radius (the host runs it for radii
// beyond jbf_tile.comp's 16, whose loops are specialised per radius), as normalised convolution over the (2r+1)^2 window:
// out = sum w m d / sum w m, w = exp(max(-|dI|^2 / 2 sr^2, -60)) * spatial(dx, dy), m = 1 for known depth.
// Guide and depth live in a region (the tile plus its halo); the pass writes the output rectangle inside it.
// Each workgroup stages its window of (guide, depth) in shared memory as vec4 (unknown depth = NaN), and each
// invocation filters ROWS pixels stacked vertically, so a tap loaded once serves several outputs. Taps are summed
// in the same order (dy, then dx) for every pixel, so tiled and untiled runs give identical bits.
#include "common.glsl"

layout(constant_id = 2) const int TILE_CAP = 2048;  // vec4 entries of shared memory (host: <= device limit / 16)
layout(constant_id = 3) const int ROWS = 4;         // output rows per invocation

layout(std430, binding = 0) readonly buffer Guide { float guide[]; };
layout(std430, binding = 1) readonly buffer Depth { float depth[]; };
layout(std430, binding = 2) readonly buffer Spatial { float spatial[]; };
layout(std430, binding = 3) writeonly buffer Out { float outp[]; };

layout(push_constant) uniform Params
{
    int gw, gh;     // region size
    int tx0, ty0;   // output rectangle origin inside the region
    int tw, th;     // output rectangle size
    int r;
    int nc;
    float rangeScale; // -1 / (2 sr^2)
    int zeroIsInvalid;
} pc;

shared vec4 tile[TILE_CAP];

vec4 fetch(int x, int y)
{
    if (x < 0 || y < 0 || x >= pc.gw || y >= pc.gh) return vec4(0.0, 0.0, 0.0, NAN);
    uint n = uint(pc.gw) * uint(pc.gh), i = uint(y) * uint(pc.gw) + uint(x);
    float d = depth[i];
    return vec4(guide[i], pc.nc > 1 ? guide[n + i] : 0.0, pc.nc > 1 ? guide[2u * n + i] : 0.0, validDepth(d, pc.zeroIsInvalid) ? d : NAN);
}

void main()
{
    const int WX = int(gl_WorkGroupSize.x), WY = int(gl_WorkGroupSize.y);
    int r = pc.r, side = 2 * r + 1;
    ivec2 lid = ivec2(gl_LocalInvocationID.xy);
    // Output block of this workgroup (in output-rectangle coordinates) and this invocation's first row in it.
    ivec2 block = ivec2(gl_WorkGroupID.xy) * ivec2(WX, WY * ROWS);
    int ox = block.x + lid.x, oy0 = block.y + lid.y * ROWS;
    int tileW = WX + 2 * r, tileH = WY * ROWS + 2 * r;
    bool useShared = tileW * tileH <= TILE_CAP; // uniform: depends on push and specialisation constants only
    ivec2 base = ivec2(pc.tx0, pc.ty0) + block - ivec2(r); // region coordinates of tile[0]
    if (useShared)
    {
        for (int k = lid.y * WX + lid.x; k < tileW * tileH; k += WX * WY)
            tile[k] = fetch(base.x + k % tileW, base.y + k / tileW);
        barrier();
    }
    if (ox >= pc.tw || oy0 >= pc.th) return;

    // Local (tile) coordinates of this invocation's first pixel.
    int lx = lid.x + r, ly = lid.y * ROWS + r;
    vec3 centre[ROWS];
    float num[ROWS], den[ROWS];
    for (int j = 0; j < ROWS; j++)
    {
        centre[j] = (useShared ? tile[(ly + j) * tileW + lx] : fetch(base.x + lx, base.y + ly + j)).xyz;
        num[j] = 0.0;
        den[j] = 0.0;
    }
    // Row k of taps (relative to the first pixel) serves pixel j as its window row k - j.
    for (int k = -r; k <= r + ROWS - 1; k++)
    {
        for (int dx = -r; dx <= r; dx++)
        {
            vec4 s = useShared ? tile[(ly + k) * tileW + lx + dx] : fetch(base.x + lx + dx, base.y + ly + k);
            if (isnan(s.w)) continue; // unknown depth or outside the image: no weight
            for (int j = 0; j < ROWS; j++)
            {
                int dy = k - j;
                if (dy < -r || dy > r) continue;
                vec3 diff = s.xyz - centre[j];
                precise float dist = diff.x * diff.x + diff.y * diff.y + diff.z * diff.z;
                float w = exp(max(dist * pc.rangeScale, -60.0)) * spatial[(dy + r) * side + dx + r];
                num[j] += w * s.w;
                den[j] += w;
            }
        }
    }
    for (int j = 0; j < ROWS; j++)
    {
        int oy = oy0 + j;
        if (oy < pc.th) outp[uint(oy) * uint(pc.tw) + uint(ox)] = den[j] > 0.0 ? num[j] / den[j] : NAN;
    }
}

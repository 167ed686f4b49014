// Box sums by walking (the guided filter's passes guided_coef_walk.comp and guided_mean_walk.comp; not a pass itself).
// O(1) work per pixel and no per-pixel window loops; every register array has a compile-time size and is indexed only
// by constants after glslc unrolls the literal-bound loops, so no array reaches the driver as addressable memory.
//
// A workgroup of NT invocations owns a strip of 4 NT adjacent columns; invocation t owns columns 4t .. 4t+3 (local
// numbering) and walks down a segment of L rows, keeping in registers the vertical window sums (rows y-r .. y+r) of
// NGROUPS vec4s of statistics for its 4 columns: a direct sum at the segment's first row, then one row in and one row
// out per step. Each row, the columns' sums and their 4-column totals ("quads") go to shared memory, and an invocation
// whose columns are not in the strip's halo sums them horizontally: its first column (j = 0) directly over the window
// (partial quad, whole quads, partial quad, in that order), the next three by one column in and one out.
//
// Tiled runs equal untiled ones bit for bit because strips, segments and the 4-column groups are anchored at absolute
// image coordinates (multiples of the strip width, of L and of 4): a pixel is always computed by the same instructions
// from the same data, wherever a tile starts. This needs data from before a pixel's window (the segment's start and
// the 4-column group's start), so a tile's region reaches that far (RefineJob.GuidedGrid).
//
// The includer defines NGROUPS (vec4s of statistics per column, a compile-time constant) and the constant
// WALK_GROUPS (how many of them are in use, which may depend on specialisation constants), and declares L.

const int NT = int(gl_WorkGroupSize.x);

// Guide and depth enter the sums shifted by WALK_SHIFT (the middle of their usual 0..1 range): the filter is the same
// (a does not change, b and q are shifted back), but the sums of I, p, pI and II hold smaller numbers, so the running
// sums' float rounding and the cancellation in var = E[II] - E[I]^2, cov = E[pI] - E[p]E[I] cost less accuracy.
const float WALK_SHIFT = 0.5;

shared vec4 walkCols[NGROUPS * 4 * NT]; // [group][column & 3][column >> 2]: lanes read consecutive entries
shared vec4 walkQuads[NGROUPS * NT];    // [group][quad]: sum of the quad's 4 columns, in a fixed order

// Rounded up to whole quads: the strip's halo on each side, so that outputs are whole quads.
int walkHalo(int r) { return (r + 3) & ~3; }

// Output columns per strip.
int walkStripOutputs(int r) { return 4 * NT - 2 * walkHalo(r); }

void walkPublish(vec4 V[NGROUPS * 4], int t)
{
    [[unroll]] for (int e = 0; e < NGROUPS * 4; e++)
        if (e < WALK_GROUPS * 4) walkCols[e * NT + t] = V[e]; // e = group * 4 + column & 3
    [[unroll]] for (int g = 0; g < NGROUPS; g++)
        if (g < WALK_GROUPS) walkQuads[g * NT + t] = (V[4 * g] + V[4 * g + 1]) + (V[4 * g + 2] + V[4 * g + 3]);
}

vec4 walkCol(int g, int c) { return walkCols[(g * 4 + (c & 3)) * NT + (c >> 2)]; }

// Horizontal window sums over local columns [c0 - r, c0 + r] for column c0 = 4t (j = 0).
void walkFirst(int t, int r, out vec4 S[NGROUPS])
{
    [[unroll]] for (int g = 0; g < NGROUPS; g++) S[g] = vec4(0.0);
    int lo = 4 * t - r, hi = 4 * t + r;
    int qlo = (lo + 3) >> 2, qhi = ((hi + 1) >> 2) - 1; // whole quads inside the window
    for (int c = lo; c < 4 * qlo; c++)
        [[unroll]] for (int g = 0; g < NGROUPS; g++) if (g < WALK_GROUPS) S[g] += walkCol(g, c);
    for (int q = qlo; q <= qhi; q++)
        [[unroll]] for (int g = 0; g < NGROUPS; g++) if (g < WALK_GROUPS) S[g] += walkQuads[g * NT + q];
    for (int c = 4 * (qhi + 1); c <= hi; c++)
        [[unroll]] for (int g = 0; g < NGROUPS; g++) if (g < WALK_GROUPS) S[g] += walkCol(g, c);
}

// From the sums of column 4t + j - 1 to those of column 4t + j (j = 1 .. 3).
void walkNext(int t, int j, int r, inout vec4 S[NGROUPS])
{
    int c = 4 * t + j;
    [[unroll]] for (int g = 0; g < NGROUPS; g++) if (g < WALK_GROUPS) S[g] += walkCol(g, c + r) - walkCol(g, c - 1 - r);
}

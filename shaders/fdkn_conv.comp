#version 450
#extension GL_GOOGLE_include_directive : require
// Pass: one FDKN convolution (3x3 or 1x1, stride 1, zero padding) as an implicit GEMM:
//   out[co][p] = epilogue(bias[co] + sum_k W[k][co] * col[k][p]),  k = ci*KK + ky*KS + kx,
// col[k][p] = the input channel ci at pixel p shifted by (kx - KS/2, ky - KS/2), zero outside the image.
// A workgroup of 256 invocations computes 64 output channels x 128 pixels; each invocation 8 channels x 4 pixels.
// K advances in chunks of 16 staged in shared memory (weights are stored transposed, [k][co], so the loads coalesce).
// Maps are channel-planar over a band of rows: channel c, image row y at c*rows*W + (y - top)*W + x.
#include "common.glsl"

layout(constant_id = 2) const int KS = 3;        // kernel side: 3 or 1
layout(constant_id = 3) const int S2D = 0;       // 1: the input is a full-resolution plane read through space-to-depth x4
layout(constant_id = 4) const int EPILOGUE = 0;  // 0: bias + ReLU; 1: bias; 2: FDKN combine with the image branch's heads

layout(std430, binding = 0) readonly buffer In { float inp[]; };
layout(std430, binding = 1) readonly buffer Wt { float wt[]; };     // [K][cout] then cout biases
layout(std430, binding = 2) buffer Out { float outp[]; };
layout(std430, binding = 3) readonly buffer Other { float other[]; }; // EPILOGUE 2: image-branch heads, as Out's rows

layout(push_constant) uniform Params
{
    int cin, cout;
    int W, H;            // the (quarter-resolution) image: zero padding outside it
    int inTop, inRows;   // rows held by In (for S2D: quarter rows; the plane holds 4x as many, 4W wide)
    int y0, ny;          // output rows computed
    int outTop, outRows; // rows held by Out (and Other)
} pc;

const int BM = 64, BN = 128, BK = 16, KK = KS * KS;
shared vec4 As[BK][BM / 4];
shared vec4 Bs[BK][BN / 4];

float sigmoid(float v) { return 1.0 / (1.0 + exp(-v)); }

void main()
{
    int tid = int(gl_LocalInvocationIndex);
    int p0 = int(gl_WorkGroupID.x) * BN, c0 = int(gl_WorkGroupID.y) * BM;
    int K = pc.cin * KK, P = pc.ny * pc.W;
    int tr = tid / 32, tc = tid % 32;   // this invocation: channels c0 + 8 tr .. +8, pixels p0 + 4 tc .. +4

    // The pixel this invocation loads into Bs (column tid % 128, rows kb, kb + 2, ...).
    int bcol = tid % BN, kb = tid / BN;
    int bp = p0 + bcol;
    int by = pc.y0 + bp / pc.W, bx = bp % pc.W;
    bool bIn = bp < P;
    // The channel this invocation loads into As (column tid % 64, rows ka, ka + 4, ...).
    int acol = tid % BM, ka = tid / BM;
    bool aIn = c0 + acol < pc.cout;

    float acc[8][4];
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 4; j++) acc[i][j] = 0.0;

    for (int k0 = 0; k0 < K; k0 += BK)
    {
        for (int m = 0; m < BK / 4; m++)
        {
            int kk = ka + 4 * m, k = k0 + kk;
            float v = aIn && k < K ? wt[k * pc.cout + c0 + acol] : 0.0;
            As[kk][acol / 4][acol % 4] = v;
        }
        for (int m = 0; m < BK / 2; m++)
        {
            int kk = kb + 2 * m, k = k0 + kk;
            float v = 0.0;
            if (bIn && k < K)
            {
                int ci = k / KK, t = k - ci * KK;
                int y = by + t / KS - KS / 2, x = bx + t % KS - KS / 2;
                if (y >= 0 && y < pc.H && x >= 0 && x < pc.W)
                {
                    if (S2D == 1)
                    {
                        // Channel 4i + j of quarter pixel (x, y) is full-resolution pixel (4x + j, 4y + i).
                        int fy = 4 * (y - pc.inTop) + ci / 4, fx = 4 * x + ci % 4;
                        v = inp[fy * (4 * pc.W) + fx];
                    }
                    else v = inp[(ci * pc.inRows + y - pc.inTop) * pc.W + x];
                }
            }
            Bs[kk][bcol / 4][bcol % 4] = v;
        }
        barrier();
        for (int kk = 0; kk < BK; kk++)
        {
            vec4 a0 = As[kk][2 * tr], a1 = As[kk][2 * tr + 1];
            vec4 b = Bs[kk][tc];
            for (int j = 0; j < 4; j++)
            {
                acc[0][j] += a0.x * b[j]; acc[1][j] += a0.y * b[j]; acc[2][j] += a0.z * b[j]; acc[3][j] += a0.w * b[j];
                acc[4][j] += a1.x * b[j]; acc[5][j] += a1.y * b[j]; acc[6][j] += a1.z * b[j]; acc[7][j] += a1.w * b[j];
            }
        }
        barrier();
    }

    for (int i = 0; i < 8; i++)
    {
        int co = c0 + 8 * tr + i;
        if (co >= pc.cout) break;
        float bias = wt[K * pc.cout + co];
        for (int j = 0; j < 4; j++)
        {
            int p = p0 + 4 * tc + j;
            if (p >= P) break;
            int y = pc.y0 + p / pc.W, x = p % pc.W;
            int o = (co * pc.outRows + y - pc.outTop) * pc.W + x;
            float v = acc[i][j] + bias;
            if (EPILOGUE == 0) outp[o] = max(v, 0.0);
            else if (EPILOGUE == 1) outp[o] = v;
            else
            {
                // FDKN: weights (channels < 144) are sigmoid products, offsets plain products of the two branches;
                // head channel 16 t + 4 i + j of quarter pixel (x, y) goes to plane t at full-resolution (4x + j, 4y + i).
                float a = other[o];
                float r = co < 144 ? sigmoid(a) * sigmoid(v) : a * v;
                int s = co % 16, plane = co / 16;
                int fy = 4 * (y - pc.outTop) + s / 4, fx = 4 * x + s % 4;
                outp[(plane * 4 * pc.outRows + fy) * (4 * pc.W) + fx] = r;
            }
        }
    }
}

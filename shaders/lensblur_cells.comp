#version 450
#extension GL_GOOGLE_include_directive : require
// Pass (raw-buffer lens blur): per 16x16 cell (one workgroup each), which layers hold weight in it and whether one layer
// holds every pixel of it with weight 1 (LayerPresence.Build): the host lists each layer's work from these.
#include "common.glsl"

layout(constant_id = 2) const int WORDS_MAX = 8; // 32-bit words of layer bits (255 layers at most)

layout(std430, binding = 0) readonly buffer Lower { uint lower[]; };
layout(std430, binding = 1) readonly buffer Upper { float upper[]; };
layout(std430, binding = 2) writeonly buffer Cells { uint cells[]; }; // per cell: words of layer bits, then the pure layer or 255

layout(push_constant) uniform Params { int w, h, cellsX, words; } pc;

shared uint bits[WORDS_MAX];
shared uint keyMin, keyMax;

void main()
{
    uint t = gl_LocalInvocationIndex;
    if (t < uint(WORDS_MAX)) bits[t] = 0u;
    if (t == 0u)
    {
        keyMin = 0xFFFFFFFFu;
        keyMax = 0u;
    }
    barrier();
    ivec2 p = ivec2(gl_GlobalInvocationID.xy);
    if (p.x < pc.w && p.y < pc.h)
    {
        uint i = uint(p.y) * uint(pc.w) + uint(p.x);
        uint k = (lower[i >> 2] >> (8u * (i & 3u))) & 0xFFu;
        float u = upper[i];
        if (u < 1.0) atomicOr(bits[k >> 5], 1u << (k & 31u));
        if (u > 0.0) atomicOr(bits[(k + 1u) >> 5], 1u << ((k + 1u) & 31u));
        uint key = u == 0.0 ? k : 255u;
        atomicMin(keyMin, key);
        atomicMax(keyMax, key);
    }
    barrier();
    uint cell = gl_WorkGroupID.y * uint(pc.cellsX) + gl_WorkGroupID.x, stride = uint(pc.words) + 1u;
    if (t < uint(pc.words)) cells[cell * stride + t] = bits[t];
    if (t == 0u) cells[cell * stride + uint(pc.words)] = keyMin == keyMax ? keyMin : 255u;
}

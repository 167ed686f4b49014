#version 450
#extension GL_GOOGLE_include_directive : require
// Pass: caller pixel bytes (any dp_pixel_format, rows padded to whole words) -> float planes.
// Mode 0 (depth): channel 0 (red of colour formats) as stored, scaled to 0..1 for integer formats.
// Mode 1 (image): grey or R,G,B, un-premultiplied if asked, converted to the wanted transfer, optionally reduced to
// Rec.601 luma, optionally with non-finite values replaced by 0; alpha last when asked. Mirrors PixelCodec.ReadImage,
// Image.AsSrgb/AsLinear, Image.Luma and DepthRefiner.PrepareGuide in that order.
#include "common.glsl"

layout(std430, binding = 0) readonly buffer Raw { uint raw[]; };
layout(std430, binding = 1) writeonly buffer Planes { float planes[]; };

layout(push_constant) uniform Params
{
    int width;
    int height;
    int pitchWords;
    int format;
    int mode;
    int premultiplied;
    int transferOp;
    int luma;
    int sanitize;
    int writeAlpha;
    int outPlane; // index of the first plane written (several buffers can fill one set of planes)
} pc;

const float INV255 = 0.003921568859368563;     // (float)(1/255), as PixelCodec multiplies
const float INV65535 = 1.5259021893143654e-05; // (float)(1/65535)

// Stored channel c (byte order: BGRA's channel 0 is blue) of pixel (x, y).
float stored(uint x, uint y, uint c)
{
    uint rowByte = y * uint(pc.pitchWords) * 4u;
    switch (pc.format)
    {
        case FMT_GRAY8:
        case FMT_RGBA8:
        case FMT_BGRA8:
        {
            uint b = rowByte + x * (pc.format == FMT_GRAY8 ? 1u : 4u) + c;
            return float((raw[b >> 2] >> ((b & 3u) * 8u)) & 0xFFu) * INV255;
        }
        case FMT_GRAY16:
        case FMT_RGBA16:
        {
            uint b = rowByte + (x * (pc.format == FMT_GRAY16 ? 1u : 4u) + c) * 2u;
            return float((raw[b >> 2] >> ((b & 2u) * 8u)) & 0xFFFFu) * INV65535;
        }
        case FMT_GRAYF32:
            return uintBitsToFloat(raw[y * uint(pc.pitchWords) + x]);
        default:
            return uintBitsToFloat(raw[y * uint(pc.pitchWords) + x * 4u + c]);
    }
}

float clean(float v) { return pc.sanitize != 0 && !isFinite(v) ? 0.0 : v; }

void main()
{
    uvec2 p = gl_GlobalInvocationID.xy;
    if (p.x >= uint(pc.width) || p.y >= uint(pc.height)) return;
    uint n = uint(pc.width) * uint(pc.height);
    uint i = uint(pc.outPlane) * n + p.y * uint(pc.width) + p.x;
    bool bgra = pc.format == FMT_BGRA8;
    if (pc.mode == 0)
    {
        planes[i] = stored(p.x, p.y, bgra ? 2u : 0u);
        return;
    }
    if (pc.format <= FMT_GRAYF32)
    {
        planes[i] = clean(applyTransfer(stored(p.x, p.y, 0u), pc.transferOp));
        return;
    }
    float r = stored(p.x, p.y, bgra ? 2u : 0u);
    float g = stored(p.x, p.y, 1u);
    float b = stored(p.x, p.y, bgra ? 0u : 2u);
    float a = stored(p.x, p.y, 3u);
    if (pc.premultiplied != 0 && a > 0.0)
    {
        r /= a;
        g /= a;
        b /= a;
    }
    r = applyTransfer(r, pc.transferOp);
    g = applyTransfer(g, pc.transferOp);
    b = applyTransfer(b, pc.transferOp);
    uint next = 1u;
    if (pc.luma != 0)
    {
        precise float l = 0.299 * r + 0.587 * g + 0.114 * b;
        planes[i] = clean(l);
    }
    else
    {
        planes[i] = clean(r);
        planes[n + i] = clean(g);
        planes[2u * n + i] = clean(b);
        next = 3u;
    }
    if (pc.writeAlpha != 0) planes[next * n + i] = a;
}

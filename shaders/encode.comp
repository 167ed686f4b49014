#version 450
#extension GL_GOOGLE_include_directive : require
// Pass: float planes -> caller pixel bytes (rows padded to whole words). One invocation per output word, so no two
// invocations write the same word. Mirrors PixelCodec.WriteImage / WriteDepth: transfer conversion, luma for grey
// output of colour, R = G = B for grey sources, alpha (1 when absent), premultiplication, BGRA order, rounding with
// clamping (NaN -> 0) for integer formats. Optionally first maps non-finite values to "unknown" (0 or NaN), as
// DepthRefiner does for its result.
#include "common.glsl"

layout(std430, binding = 0) readonly buffer Planes { float planes[]; };
layout(std430, binding = 1) writeonly buffer Raw { uint raw[]; };

layout(push_constant) uniform Params
{
    int width;
    int height;
    int pitchWords;
    int format;
    int sourceChannels; // 1 or 3
    int hasAlpha;       // alpha plane follows the colour planes
    int transferOp;
    int premultiply;
    int unknownMode;    // 0 keep, 1 non-finite -> 0, 2 non-finite -> NaN
} pc;

float source(int c, uint i)
{
    float v = planes[uint(c) * uint(pc.width) * uint(pc.height) + i];
    if (pc.unknownMode != 0 && !isFinite(v)) v = pc.unknownMode == 1 ? 0.0 : NAN;
    return v;
}

float colour(int c, uint i) { return applyTransfer(source(pc.sourceChannels == 1 ? 0 : c, i), pc.transferOp); }

// Value of stored channel c (byte order) of pixel i.
float value(uint i, int c, int channels)
{
    if (channels == 1)
    {
        if (pc.sourceChannels == 1) return colour(0, i);
        float r = colour(0, i), g = colour(1, i), b = colour(2, i);
        precise float l = 0.299 * r + 0.587 * g + 0.114 * b;
        return l;
    }
    float a = pc.hasAlpha != 0 ? planes[uint(pc.sourceChannels) * uint(pc.width) * uint(pc.height) + i] : 1.0;
    if (c == 3) return a;
    int logical = pc.format == FMT_BGRA8 ? 2 - c : c;
    precise float v = colour(logical, i) * (pc.premultiply != 0 ? a : 1.0);
    return v;
}

uint toByte(float v) { return isnan(v) ? 0u : uint(clamp(roundEven(v * 255.0), 0.0, 255.0)); }
uint toUShort(float v) { return isnan(v) ? 0u : uint(clamp(roundEven(v * 65535.0), 0.0, 65535.0)); }

void main()
{
    uint word = gl_GlobalInvocationID.x, y = gl_GlobalInvocationID.y;
    int channels = pc.format <= FMT_GRAYF32 ? 1 : 4;
    int bytesPerChannel = (pc.format == FMT_GRAY8 || pc.format == FMT_RGBA8 || pc.format == FMT_BGRA8) ? 1
        : (pc.format == FMT_GRAY16 || pc.format == FMT_RGBA16) ? 2 : 4;
    uint rowBytes = uint(pc.width * channels * bytesPerChannel);
    if (word >= (rowBytes + 3u) / 4u || y >= uint(pc.height)) return;
    uint rowPixel = y * uint(pc.width);
    uint bits = 0u;
    int perWord = 4 / bytesPerChannel;
    for (int j = 0; j < perWord; j++)
    {
        uint e = word * uint(perWord) + uint(j); // element (channel sample) index in the row
        uint x = e / uint(channels);
        if (x >= uint(pc.width)) break;
        float v = value(rowPixel + x, int(e % uint(channels)), channels);
        if (bytesPerChannel == 1) bits |= toByte(v) << (8u * uint(j));
        else if (bytesPerChannel == 2) bits |= toUShort(v) << (16u * uint(j));
        else bits = floatBitsToUint(v);
    }
    raw[y * uint(pc.pitchWords) + word] = bits;
}

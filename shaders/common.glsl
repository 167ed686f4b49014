// Helpers shared by the compute passes (included, not a pass itself).
// Every pass is a 2-D grid: the workgroup size comes from specialisation constants 0 and 1, which the host clamps
// to the device's limits; the dispatch rounds up, so every pass bounds-checks its invocation.
layout(local_size_x_id = 0, local_size_y_id = 1) in;

// The value the C# side uses for NaN (float.NaN), so "unknown" has the same bits on both paths.
#define NAN uintBitsToFloat(0xFFC00000u)

bool isFinite(float v) { return !isnan(v) && !isinf(v); }

// DepthValidity.IsValid: finite, and nonzero when zero means "no measurement".
bool validDepth(float d, int zeroIsInvalid) { return isFinite(d) && (zeroIsInvalid == 0 || d != 0.0); }

// ColorSpace.SrgbToLinear / LinearToSrgb (IEC 61966-2-1), extended to negatives by symmetry.
float srgbToLinear(float v)
{
    float a = abs(v);
    float l = a <= 0.04045 ? a / 12.92 : pow((a + 0.055) / 1.055, 2.4);
    return v < 0.0 ? -l : l;
}

float linearToSrgb(float v)
{
    float a = abs(v);
    float s = a <= 0.0031308 ? a * 12.92 : 1.055 * pow(a, 0.41666666) - 0.055;
    return v < 0.0 ? -s : s;
}

// transferOp: 0 = keep, 1 = linear -> sRGB, 2 = sRGB -> linear. NaN stays NaN, as on the CPU (GPU pow of NaN is
// undefined: lavapipe returns 0).
float applyTransfer(float v, int op)
{
    if (isnan(v)) return v;
    return op == 1 ? linearToSrgb(v) : op == 2 ? srgbToLinear(v) : v;
}

// dp_pixel_format values.
const int FMT_GRAY8 = 1, FMT_GRAY16 = 2, FMT_GRAYF32 = 3, FMT_RGBA8 = 4, FMT_RGBA16 = 5, FMT_RGBAF32 = 6, FMT_BGRA8 = 7;

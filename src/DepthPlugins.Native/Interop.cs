using System.Runtime.InteropServices;
using DepthPlugins.Core;
using DepthPlugins.Core.Imaging;

namespace DepthPlugins.Native;

// Blittable mirrors of the structs in depthplugins.h. Field order and types must match the header exactly;
// NativeAbiTests compile a C program that checks sizeof/offsetof against these.

[StructLayout(LayoutKind.Sequential)]
struct DpImage
{
    public uint StructSize;
    public int Width;
    public int Height;
    public int Format;
    public long RowStrideBytes;
    public nint Data;
    public int AlphaMode;
    public int Transfer;
}

[StructLayout(LayoutKind.Sequential)]
struct DpContextOptions
{
    public uint StructSize;
    public int Backend;
    public int Threads;
    public int DeviceIndex;
    public int DeviceMemoryBudgetMib;
    public int FallbackToCpu;
}

[StructLayout(LayoutKind.Sequential)]
struct DpRefineOptions
{
    public uint StructSize;
    public int Method;
    public int Radius;
    public float SigmaSpatial;
    public float SigmaRange;
    public float Eps;
    public int ZeroIsInvalid;
    public int GreyGuide;
    // Appended after the first layout (32 bytes).
    public nint WeightsPath;
}

[StructLayout(LayoutKind.Sequential)]
struct DpDepthOptions
{
    public uint StructSize;
    public int Refine;
    public int RefineRadius;
    public int InputSize;
    public int NearIsWhite;
    public float ClipLow;
    public float ClipHigh;
    public int Provider;
    public int DeviceId;
}

[StructLayout(LayoutKind.Sequential)]
struct DpLensBlurOptions
{
    public uint StructSize;
    public float Focus;
    public int FocusFromPoint;
    public float FocusX;
    public float FocusY;
    public float Aperture;
    public int Blades;
    public float Rotation;
    public float HighlightThreshold;
    public float HighlightGain;
    public float MaxNearRadius;
    public float MaxFarRadius;
    public int DepthNear;
    public int FullResolution;
}

static unsafe class Interop
{
    /// <summary>
    /// Copies a caller struct that starts with struct_size into <paramref name="value"/> (which holds defaults).
    /// Sizes between <paramref name="minSize"/> (the first published layout) and sizeof(T) are accepted: an older
    /// caller's shorter struct keeps our defaults for the fields it does not know.
    /// </summary>
    public static void ReadVersioned<T>(T* src, uint minSize, string name, ref T value) where T : unmanaged
    {
        if (src == null) throw DpException.Invalid($"{name} is NULL");
        uint size = *(uint*)src;
        if (size < minSize) throw DpException.Invalid($"{name}.struct_size {size} is smaller than the smallest known layout ({minSize})");
        if (size > (uint)sizeof(T)) throw DpException.Invalid($"{name}.struct_size {size} is larger than this library knows ({sizeof(T)}); the header is newer than the library");
        T tmp = value;
        Buffer.MemoryCopy(src, &tmp, sizeof(T), size);
        value = tmp;
    }

    /// <summary>Writes defaults into the prefix of a caller struct that its struct_size covers.</summary>
    public static void WriteVersioned<T>(T* dst, uint minSize, string name, T defaults) where T : unmanaged
    {
        if (dst == null) throw DpException.Invalid($"{name} is NULL");
        uint size = *(uint*)dst;
        if (size < minSize) throw DpException.Invalid($"{name}.struct_size {size} is smaller than the smallest known layout ({minSize}); set struct_size = sizeof(*{name}) first");
        if (size > (uint)sizeof(T)) throw DpException.Invalid($"{name}.struct_size {size} is larger than this library knows ({sizeof(T)})");
        *(uint*)&defaults = size;
        Buffer.MemoryCopy(&defaults, dst, size, size);
    }

    public static PixelBuffer ToPixelBuffer(DpImage* img, string name)
    {
        if (img == null) throw DpException.Invalid($"{name} is NULL");
        if (img->StructSize != (uint)sizeof(DpImage))
            throw DpException.Invalid($"{name}.struct_size {img->StructSize} does not match sizeof(dp_image) = {sizeof(DpImage)}");
        var b = new PixelBuffer(img->Data, img->Width, img->Height, img->RowStrideBytes, (PixelFormat)img->Format,
            (AlphaMode)img->AlphaMode, (TransferMode)img->Transfer);
        b.Validate(name);
        return b;
    }
}

namespace DepthPlugins.Core.Imaging;

/// <summary>Pixel formats of caller buffers; values equal <c>dp_pixel_format</c> in depthplugins.h.</summary>
public enum PixelFormat
{
    Gray8 = 1,
    Gray16 = 2,
    GrayF32 = 3,
    Rgba8 = 4,
    Rgba16 = 5,
    RgbaF32 = 6,
    /// <summary>Blue, green, red, alpha bytes: Paint.NET's ColorBgra.</summary>
    Bgra8 = 7,
}

/// <summary>Whether colour in a buffer is multiplied by its alpha; values equal <c>dp_alpha_mode</c>.</summary>
public enum AlphaMode
{
    Straight = 0,
    Premultiplied = 1,
}

/// <summary>How buffer values encode light; values equal <c>dp_transfer</c>.</summary>
public enum TransferMode
{
    /// <summary>Integer formats are sRGB-encoded, float formats are linear (what editors and compositors store).</summary>
    Default = 0,
    Srgb = 1,
    Linear = 2,
}

public static class PixelFormats
{
    public static bool IsKnown(PixelFormat f) => f is >= PixelFormat.Gray8 and <= PixelFormat.Bgra8;

    public static int BytesPerPixel(PixelFormat f) => f switch
    {
        PixelFormat.Gray8 => 1,
        PixelFormat.Gray16 => 2,
        PixelFormat.GrayF32 => 4,
        PixelFormat.Rgba8 => 4,
        PixelFormat.Rgba16 => 8,
        PixelFormat.RgbaF32 => 16,
        PixelFormat.Bgra8 => 4,
        _ => throw DpException.Invalid($"unknown pixel format {(int)f}"),
    };

    public static int ChannelCount(PixelFormat f) => f is PixelFormat.Gray8 or PixelFormat.Gray16 or PixelFormat.GrayF32 ? 1 : 4;

    public static bool IsFloat(PixelFormat f) => f is PixelFormat.GrayF32 or PixelFormat.RgbaF32;

    public static Transfer Resolve(PixelFormat f, TransferMode t) => t switch
    {
        TransferMode.Srgb => Transfer.Srgb,
        TransferMode.Linear => Transfer.Linear,
        _ => IsFloat(f) ? Transfer.Linear : Transfer.Srgb,
    };
}

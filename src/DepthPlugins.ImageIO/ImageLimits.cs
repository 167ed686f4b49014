namespace DepthPlugins.ImageIO;

/// <summary>Size limits applied to every image before any large allocation is made.</summary>
internal static class ImageLimits
{
    /// <summary>Largest accepted width or height.</summary>
    public const int MaxSide = 1 << 20;

    /// <summary>Largest accepted Width × Height × Channels (2^31, further capped by the largest array .NET can allocate).</summary>
    public const long MaxSamples = 1L << 31;

    /// <summary>Throws <see cref="ImageFileException"/> when the size is zero, exceeds <see cref="MaxSide"/> or holds too many samples.</summary>
    public static void Check(string name, string format, long width, long height, int channels)
    {
        if (width <= 0 || height <= 0)
            throw new ImageFileException($"{name}: invalid {format} (image size {width}x{height} is empty)");
        if (width > MaxSide || height > MaxSide)
            throw new ImageFileException(
                $"{name}: {format} image size {width}x{height} exceeds the limit of {MaxSide} pixels per side");
        long samples = width * height * channels;
        if (samples > MaxSamples || samples > Array.MaxLength)
            throw new ImageFileException(
                $"{name}: {format} image of {width}x{height} pixels with {channels} channels exceeds the limit of 2^31 samples");
    }
}

namespace DepthPlugins.Core.Imaging;

/// <summary>
/// A caller-owned pixel buffer: the managed mirror of <c>dp_image</c>. Only read or written during one call.
/// Rows start at <see cref="Data"/> + y × <see cref="RowStrideBytes"/> (the stride may be negative: bottom-up buffers).
/// </summary>
public readonly record struct PixelBuffer(
    nint Data,
    int Width,
    int Height,
    long RowStrideBytes,
    PixelFormat Format,
    AlphaMode Alpha = AlphaMode.Straight,
    TransferMode Transfer = TransferMode.Default)
{
    /// <summary>Largest side we accept: keeps every index computation far from overflow.</summary>
    public const int MaxSide = 1 << 20;

    /// <summary>Checks everything that can be checked without touching memory; throws with a message naming <paramref name="name"/>.</summary>
    public void Validate(string name)
    {
        if (Data == 0) throw DpException.Invalid($"{name}: data pointer is NULL");
        if (Width <= 0 || Height <= 0) throw DpException.Invalid($"{name}: size {Width}x{Height} must be positive");
        if (Width > MaxSide || Height > MaxSide) throw DpException.Invalid($"{name}: size {Width}x{Height} exceeds the limit of {MaxSide} per side");
        if (!PixelFormats.IsKnown(Format)) throw DpException.Invalid($"{name}: unknown pixel format {(int)Format}");
        if (Alpha is not (AlphaMode.Straight or AlphaMode.Premultiplied)) throw DpException.Invalid($"{name}: unknown alpha mode {(int)Alpha}");
        if (Transfer is not (TransferMode.Default or TransferMode.Srgb or TransferMode.Linear)) throw DpException.Invalid($"{name}: unknown transfer {(int)Transfer}");
        long rowBytes = (long)Width * PixelFormats.BytesPerPixel(Format);
        if (RowStrideBytes == long.MinValue || Math.Abs(RowStrideBytes) < rowBytes)
            throw DpException.Invalid($"{name}: row stride {RowStrideBytes} is smaller than a row ({rowBytes} bytes)");
        // The span of memory touched must be addressable: |stride| × (height − 1) + rowBytes without overflow.
        long span;
        try { span = checked(Math.Abs(RowStrideBytes) * (Height - 1) + rowBytes); }
        catch (OverflowException) { throw DpException.Invalid($"{name}: width × height × bytes per pixel overflows"); }
        long lastByte = RowStrideBytes >= 0 ? span : -span;
        try { _ = checked((long)Data + lastByte); }
        catch (OverflowException) { throw DpException.Invalid($"{name}: buffer extends past the address space"); }
        if ((long)Width * Height > Array.MaxLength)
            throw new DpException(DpStatus.OutOfMemory, $"{name}: {Width}x{Height} pixels is more than one buffer can hold");
    }

    public int BytesPerPixel => PixelFormats.BytesPerPixel(Format);
    public bool IsGrey => PixelFormats.ChannelCount(Format) == 1;
}

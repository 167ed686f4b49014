namespace DepthPlugins.ImageIO;

/// <summary>
/// Thrown for every failure to read or write an image file. The message is a single sentence that starts with the
/// file name, for example <c>"art.png: truncated PNG (IDAT data ends early)"</c>.
/// </summary>
public sealed class ImageFileException : Exception
{
    public ImageFileException(string message, Exception? inner = null) : base(message, inner) { }
}

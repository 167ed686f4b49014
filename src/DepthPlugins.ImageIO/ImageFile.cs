namespace DepthPlugins.ImageIO;

/// <summary>
/// Reads and writes PNG, PFM, JPEG and TIFF files. Reading detects the format from the content; writing picks it from
/// the extension and is atomic (temporary file in the same directory, then rename). Every failure is reported as an
/// <see cref="ImageFileException"/> whose message starts with the file name.
/// </summary>
public static class ImageFile
{
    private enum Format { Png, Pfm, Jpeg, Tiff }

    private const string StreamName = "stream";

    // ------------------------------------------------------------------------------------------------ reading

    /// <summary>Reads an image file; the format is detected from its first bytes, not from the extension.</summary>
    public static Raster Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] data;
        try
        {
            if (Directory.Exists(path))
                throw new ImageFileException($"{path}: is a directory, not an image file");
            data = File.ReadAllBytes(path);
        }
        catch (ImageFileException)
        {
            throw;
        }
        catch (FileNotFoundException e)
        {
            throw new ImageFileException($"{path}: file not found", e);
        }
        catch (DirectoryNotFoundException e)
        {
            throw new ImageFileException($"{path}: file not found (the directory does not exist)", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new ImageFileException($"{path}: cannot read the file (permission denied)", e);
        }
        catch (Exception e) when (e is IOException or ArgumentException or NotSupportedException or OutOfMemoryException)
        {
            throw new ImageFileException($"{path}: cannot read the file ({Describe(e)})", e);
        }
        return Decode(data, path);
    }

    /// <summary>Reads an image from a stream (read to its end); the format is detected from the content.</summary>
    public static Raster Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        string name = stream is FileStream fs ? fs.Name : StreamName;
        byte[] data;
        try
        {
            if (stream is MemoryStream ms && ms.TryGetBuffer(out ArraySegment<byte> segment)
                && segment.Offset == 0 && ms.Position == 0 && segment.Count == segment.Array!.Length)
            {
                data = segment.Array;
                ms.Position = ms.Length;
            }
            else
            {
                using var copy = new MemoryStream();
                stream.CopyTo(copy);
                data = copy.ToArray();
            }
        }
        catch (Exception e) when (e is IOException or NotSupportedException or ObjectDisposedException
                                      or UnauthorizedAccessException or OutOfMemoryException)
        {
            throw new ImageFileException($"{name}: cannot read the stream ({Describe(e)})", e);
        }
        return Decode(data, name);
    }

    private static Raster Decode(byte[] data, string name)
    {
        if (data.Length == 0)
            throw new ImageFileException($"{name}: empty file (0 bytes)");
        Format? format = Detect(data);
        if (format is not { } f)
            throw new ImageFileException($"{name}: unrecognised image format (not a PNG, PFM, JPEG or TIFF file)");
        try
        {
            return f switch
            {
                Format.Png => PngCodec.Read(data, name),
                Format.Pfm => PfmCodec.Read(data, name),
                Format.Jpeg => JpegCodec.Read(data, name),
                _ => TiffCodec.Read(data, name),
            };
        }
        catch (ImageFileException)
        {
            throw;
        }
        catch (OutOfMemoryException e)
        {
            throw new ImageFileException($"{name}: not enough memory to decode the {Label(f)} image", e);
        }
        catch (Exception e)
        {
            // Safety net: decoders report their own failures, but third-party code may still throw anything.
            throw new ImageFileException($"{name}: corrupt {Label(f)} ({Describe(e)})", e);
        }
    }

    private static Format? Detect(ReadOnlySpan<byte> data)
    {
        if (PngCodec.HasSignature(data)) return Format.Png;
        if (JpegCodec.HasSignature(data)) return Format.Jpeg;
        if (TiffCodec.HasSignature(data)) return Format.Tiff;
        if (PfmCodec.HasSignature(data)) return Format.Pfm;
        return null;
    }

    private static string Label(Format f) => f switch
    {
        Format.Png => "PNG",
        Format.Pfm => "PFM",
        Format.Jpeg => "JPEG",
        _ => "TIFF",
    };

    private static string Describe(Exception e)
    {
        string m = e.Message.Trim();
        return m.Length == 0 ? e.GetType().Name : m.TrimEnd('.');
    }

    // ------------------------------------------------------------------------------------------------ writing

    /// <summary>True when the extension of <paramref name="path"/> names a format <see cref="Write"/> supports.</summary>
    public static bool IsSupportedOutput(string path) => path is not null && FormatOf(path) is not null;

    private static Format? FormatOf(string path) =>
        Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".png" => Format.Png,
            ".pfm" => Format.Pfm,
            ".jpg" or ".jpeg" => Format.Jpeg,
            ".tif" or ".tiff" => Format.Tiff,
            _ => null,
        };

    /// <summary>
    /// Writes <paramref name="raster"/> in the format named by the extension (.png .pfm .jpg/.jpeg .tif/.tiff).
    /// <paramref name="bitDepth"/>: PNG 8 or 16 (default 8 when the raster is 8-bit, else 16); PFM 32; JPEG 8;
    /// TIFF 8, 16 or 32 (float; default the raster's depth). The file is replaced atomically.
    /// </summary>
    public static void Write(string path, Raster raster, int? bitDepth = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(raster);
        Format format = FormatOf(path) ?? throw new ImageFileException(
            $"{path}: unsupported output format '{Path.GetExtension(path)}' (use .png, .pfm, .jpg, .jpeg, .tif or .tiff)");
        ValidateRaster(path, raster);
        int depth = ResolveBitDepth(path, format, raster, bitDepth);

        WriteAtomically(path, format, stream =>
        {
            switch (format)
            {
                case Format.Png: PngCodec.Write(stream, raster, depth); break;
                case Format.Pfm: PfmCodec.Write(stream, raster); break;
                case Format.Jpeg: JpegCodec.Write(stream, raster); break;
                default: TiffCodec.Write(stream, raster, depth, path); break;
            }
        });
    }

    private static void ValidateRaster(string path, Raster r)
    {
        if (r.Channels is < 1 or > 4)
            throw new ImageFileException($"{path}: cannot write a raster with {r.Channels} channels (1 to 4 are supported)");
        if (r.Width <= 0 || r.Height <= 0 || r.Width > ImageLimits.MaxSide || r.Height > ImageLimits.MaxSide)
            throw new ImageFileException(
                $"{path}: cannot write a raster of {r.Width}x{r.Height} pixels (each side must be 1 to {ImageLimits.MaxSide})");
        if (r.BitDepth is not (8 or 16 or 32))
            throw new ImageFileException($"{path}: cannot write a raster with bit depth {r.BitDepth} (8, 16 or 32 are valid)");
        long expected = (long)r.Width * r.Height * r.Channels;
        if (r.Samples is null || r.Samples.LongLength != expected)
            throw new ImageFileException(
                $"{path}: cannot write a raster whose sample array holds {r.Samples?.LongLength ?? 0} values instead of {r.Width}x{r.Height}x{r.Channels} = {expected}");
    }

    private static int ResolveBitDepth(string path, Format format, Raster raster, int? requested)
    {
        (int value, bool ok, string allowed) = format switch
        {
            Format.Png => (requested ?? (raster.BitDepth == 8 ? 8 : 16), requested is null or 8 or 16, "8 or 16"),
            Format.Pfm => (32, requested is null or 32, "32"),
            Format.Jpeg => (8, requested is null or 8, "8"),
            _ => (requested ?? raster.BitDepth, requested is null or 8 or 16 or 32, "8, 16 or 32"),
        };
        if (!ok)
            throw new ImageFileException($"{path}: {Label(format)} cannot be written with bit depth {requested} (use {allowed})");
        return value;
    }

    /// <summary>
    /// Encodes into a temporary file next to the target, flushes it to disk, then renames it over the target.
    /// On any failure the temporary file is deleted and the target is left untouched.
    /// </summary>
    private static void WriteAtomically(string path, Format format, Action<Stream> encode)
    {
        string full, directory;
        try
        {
            full = Path.GetFullPath(path);
            directory = Path.GetDirectoryName(full) ?? throw new ArgumentException("the path has no directory");
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new ImageFileException($"{path}: cannot write (invalid path: {Describe(e)})", e);
        }
        if (!Directory.Exists(directory))
            throw new ImageFileException($"{path}: cannot write (the directory {directory} does not exist)");

        string baseName = Path.GetFileName(full);
        if (baseName.Length > 100) baseName = baseName[..100];
        string temp = Path.Combine(directory, $".{baseName}.{Guid.NewGuid():N}.tmp");

        bool committed = false;
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                encode(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
            committed = true;
        }
        catch (ImageFileException)
        {
            throw;
        }
        catch (UnauthorizedAccessException e)
        {
            throw new ImageFileException($"{path}: cannot write (permission denied)", e);
        }
        catch (IOException e)
        {
            throw new ImageFileException($"{path}: cannot write ({Describe(e)})", e);
        }
        catch (OutOfMemoryException e)
        {
            throw new ImageFileException($"{path}: not enough memory to encode the {Label(format)} image", e);
        }
        catch (Exception e)
        {
            throw new ImageFileException($"{path}: failed to encode {Label(format)} ({Describe(e)})", e);
        }
        finally
        {
            if (!committed)
            {
                try { File.Delete(temp); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* best effort */ }
            }
        }
    }
}

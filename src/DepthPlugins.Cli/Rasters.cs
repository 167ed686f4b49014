using DepthPlugins.Core;
using DepthPlugins.Core.Imaging;
using DepthPlugins.ImageIO;

namespace DepthPlugins.Cli;

/// <summary>Converts between file rasters (interleaved) and the engine's planes.</summary>
static class Rasters
{
    /// <summary>A photo: grey or RGB planes (+ alpha). Integer files are sRGB, float files (PFM/TIFF) linear.</summary>
    public static Image ToImage(Raster r)
    {
        int n = r.Channels;
        bool colour = n >= 3;
        int planes = colour ? 3 : 1;
        bool hasAlpha = n == 2 || n == 4;
        var ch = Enumerable.Range(0, planes).Select(_ => new Plane(r.Width, r.Height)).ToArray();
        var alpha = hasAlpha ? new Plane(r.Width, r.Height) : null;
        var s = r.Samples;
        for (long i = 0; i < (long)r.Width * r.Height; i++)
        {
            for (int c = 0; c < planes; c++) ch[c].Data[i] = s[i * n + c];
            if (alpha != null) alpha.Data[i] = s[i * n + n - 1];
        }
        return new Image(ch, alpha, r.BitDepth == 32 ? Transfer.Linear : Transfer.Srgb);
    }

    /// <summary>A depth map: the first channel as 0..1 (integer files scaled, float files as stored).</summary>
    public static Plane ToDepth(Raster r)
    {
        var p = new Plane(r.Width, r.Height);
        for (long i = 0; i < p.Data.LongLength; i++) p.Data[i] = r.Samples[i * r.Channels];
        return p;
    }

    public static Raster FromDepth(Plane p, int bitDepth) => new(p.Width, p.Height, 1, bitDepth, (float[])p.Data.Clone());

    /// <summary>An image for a file of <paramref name="bitDepth"/>: integer files get sRGB values, float files linear.</summary>
    public static Raster FromImage(Image img, int bitDepth)
    {
        var src = bitDepth == 32 ? img.AsLinear() : img.AsSrgb();
        int planes = src.Channels.Length, n = planes + (src.Alpha != null ? 1 : 0);
        var s = new float[(long)img.Width * img.Height * n];
        for (long i = 0; i < (long)img.Width * img.Height; i++)
        {
            for (int c = 0; c < planes; c++) s[i * n + c] = src.Channels[c].Data[i];
            if (src.Alpha != null) s[i * n + n - 1] = src.Alpha.Data[i];
        }
        return new Raster(img.Width, img.Height, n, bitDepth, s);
    }

    /// <summary>The bit depth to write: --bit-depth if given, else the input's for PNG (float input → 16), 32 for PFM/TIFF-float.</summary>
    public static int OutputBitDepth(string path, int inputBitDepth, string? requested)
    {
        string ext = Path.GetExtension(path).ToLowerInvariant();
        if (ext == ".pfm") return 32;
        if (requested != null)
        {
            int b = requested switch { "8" => 8, "16" => 16, "32" => 32, _ => 0 };
            if (ext is ".jpg" or ".jpeg" && b != 8) throw DpException.Invalid("JPEG output is 8-bit only");
            if (ext == ".png" && b == 32) throw DpException.Invalid("PNG output is 8 or 16-bit; use .pfm or .tif for float");
            return b;
        }
        if (ext is ".jpg" or ".jpeg") return 8;
        if (ext is ".tif" or ".tiff") return inputBitDepth;
        return inputBitDepth == 32 ? 16 : inputBitDepth;
    }

    public static void CheckOutputPath(string path)
    {
        if (!ImageFile.IsSupportedOutput(path))
            throw DpException.Invalid($"{path}: unsupported output type (use .png, .pfm, .tif or .jpg)");
    }
}

using System.Text;
using DepthPlugins.Core.Imaging;

namespace LensBlurBench;

/// <summary>Binary PGM/PPM (P5/P6, 8 or 16 bit, big-endian) — the format the bench exchanges with the gegl CLI
/// (gegl reads and writes it natively), so timings of both sides see the same pixels.</summary>
static class Netpbm
{
    public static Image Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        int pos = 0;
        string Token()
        {
            while (pos < bytes.Length)
            {
                if (bytes[pos] == '#') { while (bytes[pos] != '\n') pos++; }
                else if (char.IsWhiteSpace((char)bytes[pos])) pos++;
                else break;
            }
            int start = pos;
            while (!char.IsWhiteSpace((char)bytes[pos])) pos++;
            return Encoding.ASCII.GetString(bytes, start, pos - start);
        }
        string magic = Token();
        int w = int.Parse(Token()), h = int.Parse(Token()), max = int.Parse(Token());
        pos++;
        int nc = magic switch { "P5" => 1, "P6" => 3, _ => throw new InvalidDataException($"{path}: not a binary PGM/PPM") };
        int bps = max > 255 ? 2 : 1;
        var planes = Enumerable.Range(0, nc).Select(_ => new Plane(w, h)).ToArray();
        for (int i = 0; i < w * h; i++)
            for (int c = 0; c < nc; c++)
            {
                int v = bps == 1 ? bytes[pos] : bytes[pos] << 8 | bytes[pos + 1];
                pos += bps;
                planes[c].Data[i] = v / (float)max;
            }
        return new Image(planes, null, Transfer.Srgb);
    }

    public static void Write(string path, Image img, int bits = 8)
    {
        int max = bits == 16 ? 65535 : 255;
        using var s = new BufferedStream(File.Create(path));
        var header = Encoding.ASCII.GetBytes($"{(img.IsGrey ? "P5" : "P6")}\n{img.Width} {img.Height}\n{max}\n");
        s.Write(header);
        for (int i = 0; i < img.Width * img.Height; i++)
            foreach (var p in img.Channels)
            {
                int v = (int)Math.Clamp(MathF.Round(p.Data[i] * max), 0, max);
                if (bits == 16) s.WriteByte((byte)(v >> 8));
                s.WriteByte((byte)v);
            }
    }
}

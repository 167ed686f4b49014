using System.IO.Compression;
using DepthPlugins.Core.Imaging;
using DepthPlugins.Core.Synthetic;

namespace LensBlurBench;

/// <summary>Inputs for the benchmark and the pictures: the project's procedural scene (always available) and the
/// Middlebury 2014 Motorcycle pair from /work/shared/data (when present; read-only, never copied into the repository).</summary>
static class Scenes
{
    public const string MotorcycleDir = "/work/shared/data/middlebury2014_motorcycle_quarter";

    public static (Image Image, Plane Depth) Synthetic(int w, int h)
    {
        var s = SyntheticScene.Render(w, h);
        return (s.Photo, s.Depth);
    }

    /// <summary>The Motorcycle left view and its disparity as depth: disparity normalised to 0..1 (near = white), unknown
    /// (+inf) pixels filled from the farther of their row neighbours (disparity holes are occlusions next to a farther
    /// surface).</summary>
    public static (Image Image, Plane Depth)? Motorcycle()
    {
        string png = Path.Combine(MotorcycleDir, "motorcycle_left.png"), npz = Path.Combine(MotorcycleDir, "motorcycle_disp.npz");
        if (!File.Exists(png) || !File.Exists(npz)) return null;
        var img = Pictures.ReadImage(png);
        var disp = ReadNpyFloat32(npz, "arr_0.npy");
        float lo = disp.Data.Where(float.IsFinite).Min(), hi = disp.Data.Where(float.IsFinite).Max();
        var depth = new Plane(disp.Width, disp.Height);
        for (int i = 0; i < depth.Data.Length; i++)
            depth.Data[i] = float.IsFinite(disp.Data[i]) ? (disp.Data[i] - lo) / (hi - lo) : float.NaN;
        return (img, FillUnknown(depth));
    }

    static Plane FillUnknown(Plane d)
    {
        var o = d.Clone();
        for (int y = 0; y < o.Height; y++)
        {
            var row = o.Row(y);
            for (int x = 0; x < row.Length; x++)
            {
                if (float.IsFinite(row[x])) continue;
                int l = x - 1, r = x + 1;
                while (l >= 0 && !float.IsFinite(row[l])) l--;
                while (r < row.Length && !float.IsFinite(row[r])) r++;
                float a = l >= 0 ? row[l] : float.NaN, b = r < row.Length ? row[r] : float.NaN;
                row[x] = float.IsFinite(a) && float.IsFinite(b) ? Math.Min(a, b) : float.IsFinite(a) ? a : b;
            }
        }
        for (int i = 0; i < o.Data.Length; i++) if (!float.IsFinite(o.Data[i])) o.Data[i] = 0f;
        return o;
    }

    /// <summary>A little-endian float32 C-order 2-D array from a .npz (a zip of .npy files).</summary>
    static Plane ReadNpyFloat32(string npz, string entry)
    {
        using var zip = ZipFile.OpenRead(npz);
        using var s = zip.GetEntry(entry)!.Open();
        using var ms = new MemoryStream();
        s.CopyTo(ms);
        var bytes = ms.ToArray();
        int major = bytes[6];
        int headerLen = major == 1 ? BitConverter.ToUInt16(bytes, 8) : BitConverter.ToInt32(bytes, 8);
        int start = (major == 1 ? 10 : 12) + headerLen;
        string header = System.Text.Encoding.ASCII.GetString(bytes, major == 1 ? 10 : 12, headerLen);
        if (!header.Contains("'<f4'") || header.Contains("'fortran_order': True")) throw new InvalidDataException($"{npz}: expected C-order float32, got {header}");
        var shape = header[(header.IndexOf('(') + 1)..header.IndexOf(')')].Split(',', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
        var p = new Plane(shape[1], shape[0]);
        Buffer.BlockCopy(bytes, start, p.Data, 0, p.Data.Length * 4);
        return p;
    }
}

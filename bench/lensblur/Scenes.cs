using System.IO.Compression;
using DepthPlugins.Core.Imaging;

namespace LensBlurBench;

/// <summary>Inputs for the benchmark and the pictures: a procedural scene (always available) and the Middlebury 2014
/// Motorcycle pair from /work/shared/data (when present; read-only, never copied into the repository).</summary>
static class Scenes
{
    public const string MotorcycleDir = "/work/shared/data/middlebury2014_motorcycle_quarter";

    /// <summary>
    /// A street at dusk: a far wall (depth 0.05) with a pattern and string lights, a ground plane receding from depth 0.95
    /// at the bottom to 0.1 at the horizon with a checker texture, and three balls at depths 0.3, 0.55 and 0.85.
    /// Near = white. Colours are sRGB-encoded 0..1.
    /// </summary>
    public static (Image Image, Plane Depth) Procedural(int w, int h, int seed = 1)
    {
        var rng = new Random(seed);
        var r = new Plane(w, h); var g = new Plane(w, h); var b = new Plane(w, h);
        var depth = new Plane(w, h);
        double horizon = 0.45 * h;
        var lights = Enumerable.Range(0, 60).Select(_ => (x: rng.NextDouble() * w, y: (0.08 + 0.3 * rng.NextDouble()) * h, hue: rng.Next(3))).ToArray();
        var balls = new[] { (cx: 0.22 * w, cy: 0.62 * h, rad: 0.11 * h, d: 0.3f, col: (0.8f, 0.25f, 0.2f)),
                            (cx: 0.55 * w, cy: 0.7 * h, rad: 0.16 * h, d: 0.55f, col: (0.2f, 0.55f, 0.85f)),
                            (cx: 0.83 * w, cy: 0.82 * h, rad: 0.2 * h, d: 0.85f, col: (0.9f, 0.8f, 0.25f)) };
        Parallel.For(0, h, y =>
        {
            for (int x = 0; x < w; x++)
            {
                float cr, cg, cb, d;
                if (y < horizon)
                {
                    // Wall: brick-ish pattern in dark red-brown.
                    bool mortar = (y % (h / 27 + 1)) < 2 || ((x + (y / (h / 27 + 1) % 2) * (w / 40)) % (w / 20 + 1)) < 2;
                    double n = 0.05 * Math.Sin(x * 0.05) * Math.Cos(y * 0.07);
                    (cr, cg, cb) = mortar ? (0.35f, 0.33f, 0.3f) : ((float)(0.42 + n), (float)(0.2 + n), (float)(0.16 + n));
                    d = 0.05f;
                }
                else
                {
                    double t = (y - horizon) / (h - horizon); // 0 at the horizon, 1 at the bottom
                    d = (float)(0.1 + 0.85 * t);
                    // Checker on the ground plane in perspective: u across, v along the depth.
                    double v = 1 / (t + 0.05), u = (x - w / 2.0) / w * v;
                    bool check = ((int)Math.Floor(u * 4) + (int)Math.Floor(v * 2)) % 2 == 0;
                    (cr, cg, cb) = check ? (0.55f, 0.55f, 0.5f) : (0.25f, 0.27f, 0.3f);
                }
                foreach (var ball in balls)
                {
                    double dx = x - ball.cx, dy = y - ball.cy, rr = dx * dx + dy * dy;
                    if (rr > ball.rad * ball.rad) continue;
                    double nz = Math.Sqrt(1 - rr / (ball.rad * ball.rad));
                    double shade = 0.35 + 0.65 * Math.Max(0, (-dx * 0.4 - dy * 0.5) / ball.rad + nz * 0.75);
                    (cr, cg, cb) = ((float)(ball.col.Item1 * shade), (float)(ball.col.Item2 * shade), (float)(ball.col.Item3 * shade));
                    d = ball.d + (float)(0.03 * nz);
                }
                r[x, y] = cr; g[x, y] = cg; b[x, y] = cb;
                depth[x, y] = d;
            }
        });
        // String lights on the wall: small bright dots that a wide aperture turns into bokeh.
        double lr = Math.Max(1.0, h / 400.0);
        foreach (var l in lights)
            for (int y = (int)(l.y - lr - 1); y <= (int)(l.y + lr + 1); y++)
                for (int x = (int)(l.x - lr - 1); x <= (int)(l.x + lr + 1); x++)
                {
                    if (x < 0 || y < 0 || x >= w || y >= h || depth[x, y] != 0.05f) continue;
                    if ((x - l.x) * (x - l.x) + (y - l.y) * (y - l.y) > lr * lr) continue;
                    (r[x, y], g[x, y], b[x, y]) = l.hue switch { 0 => (1f, 0.85f, 0.5f), 1 => (1f, 1f, 1f), _ => (0.7f, 0.9f, 1f) };
                }
        return (new Image([r, g, b], null, Transfer.Srgb), depth);
    }

    /// <summary>The Motorcycle left view and its disparity as depth: disparity normalised to 0..1 (near = white), unknown
    /// (+inf) pixels left unknown (NaN) — the renderer treats them as in focus, so they are filled first from neighbours.</summary>
    public static (Image Image, Plane Depth)? Motorcycle(Func<string, Image> readPng)
    {
        string png = Path.Combine(MotorcycleDir, "motorcycle_left.png"), npz = Path.Combine(MotorcycleDir, "motorcycle_disp.npz");
        if (!File.Exists(png) || !File.Exists(npz)) return null;
        var img = readPng(png);
        var disp = ReadNpyFloat32(npz, "arr_0.npy");
        float lo = disp.Data.Where(float.IsFinite).Min(), hi = disp.Data.Where(float.IsFinite).Max();
        var depth = new Plane(disp.Width, disp.Height);
        for (int i = 0; i < depth.Data.Length; i++)
            depth.Data[i] = float.IsFinite(disp.Data[i]) ? (disp.Data[i] - lo) / (hi - lo) : float.NaN;
        return (img, FillUnknown(depth));
    }

    /// <summary>Replaces unknown depth by the nearest known value along the row (then the column): disparity holes are
    /// occlusions next to a farther surface, so taking the smaller (farther) neighbour is the usual fill.</summary>
    static Plane FillUnknown(Plane d)
    {
        var o = d.Clone();
        for (int y = 0; y < o.Height; y++)
        {
            var row = o.Row(y);
            for (int x = 0; x < row.Length; x++)
            {
                if (float.IsFinite(row[x])) continue;
                int l = x - 1, rr = x + 1;
                while (l >= 0 && !float.IsFinite(row[l])) l--;
                while (rr < row.Length && !float.IsFinite(row[rr])) rr++;
                float a = l >= 0 ? row[l] : float.NaN, b = rr < row.Length ? row[rr] : float.NaN;
                row[x] = float.IsFinite(a) && float.IsFinite(b) ? Math.Min(a, b) : float.IsFinite(a) ? a : b;
            }
        }
        for (int i = 0; i < o.Data.Length; i++) if (!float.IsFinite(o.Data[i])) o.Data[i] = 0f;
        return o;
    }

    /// <summary>A little-endian float32 C-order array from a .npz (zip of .npy files).</summary>
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
        int h = shape[0], w = shape[1];
        var p = new Plane(w, h);
        Buffer.BlockCopy(bytes, start, p.Data, 0, w * h * 4);
        return p;
    }
}

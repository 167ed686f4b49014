using DepthPlugins.Core.Imaging;

namespace DepthPlugins.Core.Synthetic;

/// <summary>
/// A procedural RGB-D scene with exactly known depth: a textured back wall and floor, textured spheres at known
/// distances, a sharp-edged foreground post, and a few small bright lights (for bokeh). Ray-cast through a pinhole
/// camera; colour is 3×3 supersampled (soft, realistic edges), depth is taken at each pixel centre (exact).
/// Depth is returned disparity-like and normalised: d = (1/z − 1/zFar) / (1/zNear − 1/zFar), near = 1 (white).
/// </summary>
public static class SyntheticScene
{
    public const double ZNear = 2.3, ZFar = 11.0;

    public sealed record Result(Image Photo, Plane Depth);

    public static Result Render(int width, int height, int seed = 1)
    {
        if (width < 8 || height < 8) throw DpException.Invalid("scene must be at least 8x8");
        var rng = new Random(seed);
        var spheres = new List<Sphere>
        {
            new(new V(-1.6, -0.4, 6.5), 1.1, new V(0.85, 0.25, 0.2), 0),
            new(new V(1.4, -0.7, 4.2), 0.8, new V(0.2, 0.55, 0.85), 1),
            new(new V(0.3, -1.1, 9.0), 0.5, new V(0.9, 0.8, 0.3), 2),
        };
        // Small, very bright lights far away: they bloom into bokeh discs when out of focus.
        for (int i = 0; i < 5; i++)
            spheres.Add(new(new V(-3.5 + 7 * rng.NextDouble(), 0.6 + 1.2 * rng.NextDouble(), 9.3 + 0.8 * rng.NextDouble()), 0.04, new V(1, 0.95, 0.8), -1));
        var post = new Box(new V(-0.55, -1.5, 2.4), new V(-0.25, 1.3, 2.7)); // foreground object with crisp edges

        var colour = new[] { new Plane(width, height), new Plane(width, height), new Plane(width, height) };
        var depth = new Plane(width, height);
        double f = 1.1 * width; // focal length in pixels
        Parallel.For(0, height, y =>
        {
            for (int x = 0; x < width; x++)
            {
                var acc = new V(0, 0, 0);
                for (int sy = 0; sy < 3; sy++)
                    for (int sx = 0; sx < 3; sx++)
                    {
                        var (c, _) = Trace(Ray(x + (sx + 0.5) / 3, y + (sy + 0.5) / 3));
                        acc += c;
                    }
                acc *= 1.0 / 9;
                colour[0][x, y] = (float)ColorSpace.LinearToSrgb((float)Math.Clamp(acc.X, 0, 1));
                colour[1][x, y] = (float)ColorSpace.LinearToSrgb((float)Math.Clamp(acc.Y, 0, 1));
                colour[2][x, y] = (float)ColorSpace.LinearToSrgb((float)Math.Clamp(acc.Z, 0, 1));
                var (_, z) = Trace(Ray(x + 0.5, y + 0.5));
                depth[x, y] = (float)((1 / z - 1 / ZFar) / (1 / ZNear - 1 / ZFar));
            }
        });
        return new Result(new Image(colour, null, Transfer.Srgb), depth);

        V Ray(double px, double py) => new V((px - width / 2.0) / f, -(py - height / 2.0) / f, 1).Normalized();

        // Returns linear colour and the hit's z (camera looks along +z; z is clamped to [ZNear, ZFar]).
        (V Colour, double Z) Trace(V dir)
        {
            double best = double.MaxValue;
            V col = new(0, 0, 0);
            var light = new V(-0.4, 0.8, -0.45).Normalized();
            // Back wall z = ZFar − 0.5 and floor y = −1.5.
            double tw = (ZFar - 0.5) / dir.Z;
            if (tw > 0 && tw < best)
            {
                best = tw;
                var p = dir * tw;
                bool check = ((int)Math.Floor(p.X * 1.5) + (int)Math.Floor(p.Y * 1.5)) % 2 == 0;
                double tex = 0.55 + 0.25 * Math.Sin(p.X * 9) * Math.Sin(p.Y * 11);
                col = (check ? new V(0.55, 0.5, 0.42) : new V(0.25, 0.3, 0.35)) * tex;
            }
            if (dir.Y < 0)
            {
                double tf = -1.5 / dir.Y;
                if (tf > 0 && tf < best)
                {
                    best = tf;
                    var p = dir * tf;
                    bool stripe = ((int)Math.Floor(p.X * 2) + (int)Math.Floor(p.Z * 2)) % 2 == 0;
                    col = stripe ? new V(0.35, 0.28, 0.2) : new V(0.5, 0.42, 0.3);
                }
            }
            foreach (var s in spheres)
            {
                double t = s.Hit(dir);
                if (t > 0 && t < best)
                {
                    best = t;
                    var p = dir * t;
                    var n = (p - s.C) * (1 / s.R);
                    if (s.Kind < 0) { col = s.Albedo * 60; continue; } // emitter, far above 1 in linear light
                    double lambert = 0.25 + 0.75 * Math.Max(0, n.Dot(light));
                    double pattern = s.Kind switch
                    {
                        0 => 0.75 + 0.25 * Math.Sign(Math.Sin(8 * Math.Atan2(n.Z, n.X))),
                        1 => 0.7 + 0.3 * Math.Sin(14 * n.Y),
                        _ => 1.0,
                    };
                    col = s.Albedo * (lambert * pattern);
                }
            }
            double tb = post.Hit(dir);
            if (tb > 0 && tb < best)
            {
                best = tb;
                var p = dir * tb;
                col = new V(0.12, 0.5, 0.18) * (0.8 + 0.2 * Math.Sin(p.Y * 20));
            }
            double z = Math.Clamp(dir.Z * best, ZNear, ZFar);
            return (col, z);
        }
    }

    readonly record struct V(double X, double Y, double Z)
    {
        public static V operator +(V a, V b) => new(a.X + b.X, a.Y + b.Y, a.Z + b.Z);
        public static V operator -(V a, V b) => new(a.X - b.X, a.Y - b.Y, a.Z - b.Z);
        public static V operator *(V a, double s) => new(a.X * s, a.Y * s, a.Z * s);
        public double Dot(V b) => X * b.X + Y * b.Y + Z * b.Z;
        public V Normalized() => this * (1 / Math.Sqrt(Dot(this)));
    }

    /// <summary>Kind: −1 emitter, 0 segmented, 1 striped, 2 plain.</summary>
    sealed record Sphere(V C, double R, V Albedo, int Kind)
    {
        public double Hit(V d)
        {
            double b = d.Dot(C), c = C.Dot(C) - R * R, disc = b * b - c;
            if (disc < 0) return -1;
            double s = Math.Sqrt(disc);
            return b - s > 1e-9 ? b - s : b + s;
        }
    }

    sealed record Box(V Min, V Max)
    {
        public double Hit(V d)
        {
            double t0 = 0, t1 = double.MaxValue;
            for (int a = 0; a < 3; a++)
            {
                double o = a == 0 ? d.X : a == 1 ? d.Y : d.Z;
                double lo = a == 0 ? Min.X : a == 1 ? Min.Y : Min.Z, hi = a == 0 ? Max.X : a == 1 ? Max.Y : Max.Z;
                if (Math.Abs(o) < 1e-12) { if (lo > 0 || hi < 0) return -1; continue; }
                double ta = lo / o, tb = hi / o;
                if (ta > tb) (ta, tb) = (tb, ta);
                t0 = Math.Max(t0, ta);
                t1 = Math.Min(t1, tb);
                if (t0 > t1) return -1;
            }
            return t0;
        }
    }
}

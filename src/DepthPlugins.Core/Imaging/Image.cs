namespace DepthPlugins.Core.Imaging;

/// <summary>How the stored values relate to light: sRGB-encoded (as 8/16-bit files are) or linear.</summary>
public enum Transfer
{
    Srgb,
    Linear,
}

/// <summary>
/// A grey (1 plane) or colour (3 planes, R G B) image with optional straight (unpremultiplied) alpha.
/// Values are nominally 0..1; <see cref="Transfer"/> says whether they are sRGB-encoded or linear.
/// </summary>
public sealed class Image
{
    public Image(Plane[] channels, Plane? alpha = null, Transfer transfer = Transfer.Srgb)
    {
        if (channels.Length is not (1 or 3)) throw new ArgumentException("an image has 1 or 3 colour planes");
        foreach (var c in channels)
            if (c.Width != channels[0].Width || c.Height != channels[0].Height) throw new ArgumentException("planes differ in size");
        if (alpha != null && (alpha.Width != channels[0].Width || alpha.Height != channels[0].Height))
            throw new ArgumentException("alpha differs in size");
        Channels = channels;
        Alpha = alpha;
        Transfer = transfer;
    }

    public Plane[] Channels { get; }
    public Plane? Alpha { get; }
    public Transfer Transfer { get; }
    public int Width => Channels[0].Width;
    public int Height => Channels[0].Height;
    public bool IsGrey => Channels.Length == 1;

    public static Image Grey(Plane p) => new([p]);

    /// <summary>Luminance (Rec.601 weights, on the stored values) — the single plane a grey-guided filter uses.</summary>
    public Plane Luma()
    {
        if (IsGrey) return Channels[0];
        var l = new Plane(Width, Height);
        float[] r = Channels[0].Data, g = Channels[1].Data, b = Channels[2].Data, o = l.Data;
        for (long i = 0; i < o.LongLength; i++) o[i] = 0.299f * r[i] + 0.587f * g[i] + 0.114f * b[i];
        return l;
    }

    /// <summary>The same pixels with values sRGB-encoded: range weights of guided filters are perceptual.</summary>
    public Image AsSrgb()
    {
        if (Transfer == Transfer.Srgb) return this;
        var chans = Channels.Select(c => ColorSpace.LinearToSrgb(c)).ToArray();
        return new Image(chans, Alpha, Transfer.Srgb);
    }

    /// <summary>The same pixels in linear light: colour mixing (lens blur) happens there.</summary>
    public Image AsLinear()
    {
        if (Transfer == Transfer.Linear) return this;
        var chans = Channels.Select(c => ColorSpace.SrgbToLinear(c)).ToArray();
        return new Image(chans, Alpha, Transfer.Linear);
    }
}

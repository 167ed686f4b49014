using DepthPlugins.Core.Imaging;
using DepthPlugins.Core.Processing;

namespace DepthPlugins.Core.LensBlur;

/// <summary>
/// What a backend composites: premultiplied linear colour (highlights already boosted), optional straight alpha, the
/// layer plan (which layer each pixel belongs to, with what weight), the aperture shape, and whether every layer is
/// blurred at full resolution.
/// </summary>
public sealed class LensBlurScene
{
    public LensBlurScene(Plane[] premultipliedColour, Plane? alpha, LayerPlan layers, ApertureShape shape, bool fullResolution = false)
    {
        Colour = premultipliedColour;
        Alpha = alpha;
        Layers = layers;
        Shape = shape;
        FullResolution = fullResolution;
    }

    public Plane[] Colour { get; }
    public Plane? Alpha { get; }
    public LayerPlan Layers { get; }
    public ApertureShape Shape { get; }
    /// <summary><see cref="LensBlurOptions.FullResolution"/>.</summary>
    public bool FullResolution { get; }
    public int Width => Colour[0].Width;
    public int Height => Colour[0].Height;
}

/// <summary>
/// The composited result: premultiplied colour and alpha normalised by the total layer coverage, and per pixel whether
/// it is untouched (wholly in the in-focus layer and reached by no nearer layer), which the renderer then copies from the
/// input bit for bit.
/// </summary>
public sealed class LensBlurComposite(Plane[] colour, Plane? alpha, bool[] untouched)
{
    public Plane[] Colour { get; } = colour;
    public Plane? Alpha { get; } = alpha;
    public bool[] Untouched { get; } = untouched;
}

/// <summary>The lens-blur work a compute backend provides; the CPU version is the reference.</summary>
public interface ILensBlurKernels
{
    string Name { get; }
    LensBlurComposite Composite(LensBlurScene scene, Progress progress);
}

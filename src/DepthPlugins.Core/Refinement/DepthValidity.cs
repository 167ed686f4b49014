namespace DepthPlugins.Core.Refinement;

/// <summary>Which depth values mean "unknown". Non-finite values are always unknown; zero is when asked
/// (depth sensors and Middlebury disparities use 0 for "no measurement").</summary>
public readonly record struct DepthValidity(bool ZeroIsInvalid)
{
    public bool IsValid(float d) => float.IsFinite(d) && (!ZeroIsInvalid || d != 0f);

    /// <summary>Splits a depth plane into (depth with unknowns set to 0, mask 1/0): the form normalised convolution uses.</summary>
    public (float[] Depth, float[] Mask) Split(Imaging.Plane depth)
    {
        var d = new float[depth.Data.Length];
        var m = new float[d.Length];
        var src = depth.Data;
        for (int i = 0; i < d.Length; i++)
        {
            float v = src[i];
            if (IsValid(v)) { d[i] = v; m[i] = 1f; }
        }
        return (d, m);
    }
}

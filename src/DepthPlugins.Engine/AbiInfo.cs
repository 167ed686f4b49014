namespace DepthPlugins.Engine;

/// <summary>The C ABI version this build implements (DP_ABI_VERSION in depthplugins.h).</summary>
public static class AbiInfo
{
    public const uint Version = 1;
}

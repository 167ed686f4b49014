namespace DepthPlugins.ImageIO;

/// <summary>
/// An image as interleaved float samples, row-major, top row first.
/// <para><see cref="Channels"/> is 1 (grey), 2 (grey + alpha), 3 (RGB) or 4 (RGBA).</para>
/// <para>Samples read from integer files are scaled to 0..1 (8-bit values divided by 255, 16-bit values by 65535);
/// samples read from float files (PFM, 32-bit float TIFF) keep their stored values.</para>
/// <para><see cref="BitDepth"/> is the depth of the source: 8, 16 or 32 (float).</para>
/// </summary>
public sealed record Raster(int Width, int Height, int Channels, int BitDepth, float[] Samples);

using System.Runtime.InteropServices;
using DepthPlugins.Core.Imaging;

namespace DepthPlugins.Vulkan.Tests;

/// <summary>A caller-style pixel buffer in unmanaged memory, with optional row padding or bottom-up (negative) stride.</summary>
sealed unsafe class TestBuffer : IDisposable
{
    readonly byte* _mem;
    readonly long _bytes;

    public TestBuffer(int width, int height, PixelFormat format, AlphaMode alpha = AlphaMode.Straight, TransferMode transfer = TransferMode.Default,
        int padBytes = 0, bool bottomUp = false)
    {
        long row = (long)width * PixelFormats.BytesPerPixel(format) + padBytes;
        _bytes = row * height;
        _mem = (byte*)NativeMemory.Alloc((nuint)_bytes);
        new Span<byte>(_mem, (int)_bytes).Fill(0xCD);
        nint data = bottomUp ? (nint)(_mem + row * (height - 1)) : (nint)_mem;
        Buffer = new PixelBuffer(data, width, height, bottomUp ? -row : row, format, alpha, transfer);
    }

    public PixelBuffer Buffer { get; }

    public byte[] Bytes() => new ReadOnlySpan<byte>(_mem, (int)_bytes).ToArray();

    public void Fill(byte[] bytes) => bytes.CopyTo(new Span<byte>(_mem, (int)_bytes));

    /// <summary>The bytes of row y (pixels only, no padding).</summary>
    public Span<byte> Row(int y) => new((byte*)Buffer.Data + y * Buffer.RowStrideBytes, Buffer.Width * PixelFormats.BytesPerPixel(Buffer.Format));

    public void Dispose() => NativeMemory.Free(_mem);
}

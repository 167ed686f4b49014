using System.Runtime.InteropServices;
using DepthPlugins.Core;
using DepthPlugins.Core.Imaging;
using DepthPlugins.Core.LensBlur;
using DepthPlugins.Core.Processing;
using NUnit.Framework;

namespace DepthPlugins.Native.Tests;

/// <summary>
/// dp_lens_blur and dp_lens_blur_options_default through the published library, called the way a C host calls them
/// (function pointers from the .so, structs laid out as in depthplugins.h): argument validation, untouched output on
/// every error and on cancel, in-place use, and equality with the managed engine on the same pixels.
/// </summary>
[NonParallelizable]
public unsafe class LensBlurAbiTests
{
    [StructLayout(LayoutKind.Sequential)]
    struct DpImage
    {
        public uint StructSize;
        public int Width, Height, Format;
        public long RowStrideBytes;
        public nint Data;
        public int AlphaMode, Transfer;
    }

    [StructLayout(LayoutKind.Sequential)]
    struct DpLensBlurOptions
    {
        public uint StructSize;
        public float Focus;
        public int FocusFromPoint;
        public float FocusX, FocusY, Aperture;
        public int Blades;
        public float Rotation, HighlightThreshold, HighlightGain, MaxNearRadius, MaxFarRadius;
        public int DepthNear;
        public int FullResolution;
    }

    const int Ok = 0, Invalid = -1, Cancelled = -3;

    nint _lib, _ctx;
    delegate* unmanaged<DpLensBlurOptions*, int> _defaults;
    delegate* unmanaged<nint, DpImage*, DpImage*, DpImage*, DpLensBlurOptions*, delegate* unmanaged<nint, float, int>, nint, int> _blur;
    delegate* unmanaged<byte*> _lastError;

    [OneTimeSetUp]
    public void Load()
    {
        Paths.RequireLibrary();
        _lib = NativeLibrary.Load(Paths.Library);
        _defaults = (delegate* unmanaged<DpLensBlurOptions*, int>)NativeLibrary.GetExport(_lib, "dp_lens_blur_options_default");
        _blur = (delegate* unmanaged<nint, DpImage*, DpImage*, DpImage*, DpLensBlurOptions*, delegate* unmanaged<nint, float, int>, nint, int>)NativeLibrary.GetExport(_lib, "dp_lens_blur");
        _lastError = (delegate* unmanaged<byte*>)NativeLibrary.GetExport(_lib, "dp_last_error_message");
        var create = (delegate* unmanaged<int*, nint*, int>)NativeLibrary.GetExport(_lib, "dp_context_create");
        // The CPU backend, as the managed engine these tests compare with (dp_context_options' first layout: 16 bytes).
        var contextOptions = stackalloc int[] { 16, 1 /* DP_BACKEND_CPU */, 0, -1 };
        nint ctx;
        Assert.That(create(contextOptions, &ctx), Is.EqualTo(Ok));
        _ctx = ctx;
    }

    [OneTimeTearDown]
    public void Unload()
    {
        var destroy = (delegate* unmanaged<nint, int>)NativeLibrary.GetExport(_lib, "dp_context_destroy");
        destroy(_ctx);
    }

    string LastError => Marshal.PtrToStringUTF8((nint)_lastError()) ?? "";

    static DpImage Describe(nint data, int w, int h, PixelFormat f, AlphaMode alpha = AlphaMode.Straight) => new()
    {
        StructSize = (uint)sizeof(DpImage),
        Width = w,
        Height = h,
        Format = (int)f,
        RowStrideBytes = (long)w * PixelFormats.BytesPerPixel(f),
        Data = data,
        AlphaMode = (int)alpha,
    };

    DpLensBlurOptions Defaults()
    {
        var o = new DpLensBlurOptions { StructSize = (uint)sizeof(DpLensBlurOptions) };
        Assert.That(_defaults(&o), Is.EqualTo(Ok));
        return o;
    }

    /// <summary>A 61×47 RGBA8 photo-like image and a 31×24 Gray8 depth map with a near square.</summary>
    static (byte[] Rgba, byte[] Depth) Scene()
    {
        var rng = new Random(5);
        var rgba = new byte[61 * 47 * 4];
        for (int y = 0; y < 47; y++)
            for (int x = 0; x < 61; x++)
            {
                int i = (y * 61 + x) * 4;
                rgba[i] = (byte)(x * 4);
                rgba[i + 1] = (byte)(y * 5);
                rgba[i + 2] = (byte)rng.Next(256);
                rgba[i + 3] = (byte)(200 + rng.Next(56));
            }
        var depth = new byte[31 * 24];
        for (int y = 0; y < 24; y++) for (int x = 0; x < 31; x++) depth[y * 31 + x] = (byte)(x is > 8 and < 20 && y is > 6 and < 16 ? 230 : 40);
        return (rgba, depth);
    }

    int Blur(byte[] rgba, byte[] depth, byte[] output, DpLensBlurOptions* o, delegate* unmanaged<nint, float, int> progress = null)
    {
        fixed (byte* pi = rgba, pd = depth, po = output)
        {
            var img = Describe((nint)pi, 61, 47, PixelFormat.Rgba8);
            var dep = Describe((nint)pd, 31, 24, PixelFormat.Gray8);
            var dst = Describe((nint)po, 61, 47, PixelFormat.Rgba8);
            return _blur(_ctx, &img, &dep, &dst, o, progress, 0);
        }
    }

    [Test]
    public void DefaultsMatchTheManagedOptions()
    {
        var o = Defaults();
        var m = new LensBlurOptions();
        Assert.That((o.Focus, o.Aperture, o.Blades, o.Rotation, o.HighlightThreshold, o.HighlightGain, o.MaxNearRadius, o.MaxFarRadius, o.DepthNear, o.FocusFromPoint),
            Is.EqualTo((m.Focus, m.Aperture, m.Blades, m.Rotation, m.HighlightThreshold, m.HighlightGain, m.MaxNearRadius, m.MaxFarRadius, (int)m.DepthNear, 0)));
        Assert.That(o.MaxFarRadius, Is.EqualTo(256f), "DP_LENS_BLUR_MAX_RADIUS");
        var small = new DpLensBlurOptions { StructSize = 8 };
        Assert.That(_defaults(&small), Is.EqualTo(Invalid));
        var big = new DpLensBlurOptions { StructSize = 4096 };
        Assert.That(_defaults(&big), Is.EqualTo(Invalid));
        Assert.That(_defaults(null), Is.EqualTo(Invalid));
    }

    [Test]
    public void ResultEqualsTheManagedEngine()
    {
        var (rgba, depth) = Scene();
        var o = Defaults();
        o.Focus = 40 / 255f;
        o.Aperture = 12;
        o.Blades = 6;
        o.Rotation = 10;
        var got = new byte[rgba.Length];
        Assert.That(Blur(rgba, depth, got, &o), Is.EqualTo(Ok), LastError);

        var img = PixelCodec.WithArray(rgba, 61, 47, PixelFormat.Rgba8, b => PixelCodec.ReadImage(b));
        var dep = PixelCodec.WithArray(depth, 31, 24, PixelFormat.Gray8, b => PixelCodec.ReadDepth(b));
        using var engine = new Engine.Engine(new Engine.EngineOptions { Backend = Engine.BackendKind.Cpu });
        var res = engine.LensBlur(img, dep, new LensBlurOptions { Focus = 40 / 255f, Aperture = 12, Blades = 6, Rotation = 10 }, Progress.None);
        var want = new byte[rgba.Length];
        PixelCodec.WithArray(want, 61, 47, PixelFormat.Rgba8, b => { PixelCodec.WriteImage(res, b); return 0; });
        Assert.That(got, Is.EqualTo(want));
        Assert.That(got, Is.Not.EqualTo(rgba), "the near square is blurred");
    }

    /// <summary>full_resolution = 1 gives the engine's exact mode (every layer at full resolution), which differs from
    /// the default's coarse grid for a CoC of tens of pixels; other values are refused.</summary>
    [Test]
    public void FullResolutionSelectsTheExactLayers()
    {
        var (rgba, depth) = Scene();
        var o = Defaults();
        Assert.That(o.FullResolution, Is.EqualTo(0));
        o.Focus = 40 / 255f;
        o.Aperture = 60; // the near square's CoC: 60 x 190/255 = 45 px, a grid 4 times coarser by default
        var coarse = new byte[rgba.Length];
        Assert.That(Blur(rgba, depth, coarse, &o), Is.EqualTo(Ok), LastError);
        o.FullResolution = 1;
        var exact = new byte[rgba.Length];
        Assert.That(Blur(rgba, depth, exact, &o), Is.EqualTo(Ok), LastError);
        Assert.That(exact, Is.Not.EqualTo(coarse));

        var img = PixelCodec.WithArray(rgba, 61, 47, PixelFormat.Rgba8, b => PixelCodec.ReadImage(b));
        var dep = PixelCodec.WithArray(depth, 31, 24, PixelFormat.Gray8, b => PixelCodec.ReadDepth(b));
        using var engine = new Engine.Engine(new Engine.EngineOptions { Backend = Engine.BackendKind.Cpu });
        var res = engine.LensBlur(img, dep, new LensBlurOptions { Focus = 40 / 255f, Aperture = 60, FullResolution = true }, Progress.None);
        var want = new byte[rgba.Length];
        PixelCodec.WithArray(want, 61, 47, PixelFormat.Rgba8, b => { PixelCodec.WriteImage(res, b); return 0; });
        Assert.That(exact, Is.EqualTo(want));

        o.FullResolution = 2;
        var untouched = new byte[rgba.Length];
        Assert.That(Blur(rgba, depth, untouched, &o), Is.EqualTo(Invalid));
        Assert.That(LastError, Does.Contain("full_resolution"));
        Assert.That(untouched, Is.All.EqualTo(0));
    }

    [Test]
    public void InPlaceEqualsSeparateOutput()
    {
        var (rgba, depth) = Scene();
        var o = Defaults();
        o.Focus = 230 / 255f;
        o.Aperture = 9;
        var separate = new byte[rgba.Length];
        Assert.That(Blur(rgba, depth, separate, &o), Is.EqualTo(Ok), LastError);
        var inPlace = (byte[])rgba.Clone();
        Assert.That(Blur(inPlace, depth, inPlace, &o), Is.EqualTo(Ok), LastError);
        Assert.That(inPlace, Is.EqualTo(separate));
    }

    [Test]
    public void FloatImageInFocusIsUntouchedBitForBit()
    {
        var rng = new Random(2);
        var px = new float[33 * 21 * 4];
        for (int i = 0; i < px.Length; i++) px[i] = rng.NextSingle() * 1.5f;
        var depth = new float[33 * 21];
        Array.Fill(depth, 0.3f);
        var outPx = new float[px.Length];
        var o = Defaults();
        o.Focus = 0.3f;
        o.Aperture = 50;
        fixed (float* pi = px, pd = depth, po = outPx)
        {
            var img = Describe((nint)pi, 33, 21, PixelFormat.RgbaF32, AlphaMode.Premultiplied);
            var dep = Describe((nint)pd, 33, 21, PixelFormat.GrayF32);
            var dst = Describe((nint)po, 33, 21, PixelFormat.RgbaF32, AlphaMode.Premultiplied);
            Assert.That(_blur(_ctx, &img, &dep, &dst, &o, null, 0), Is.EqualTo(Ok), LastError);
        }
        // Premultiplied in and out: colour is divided by alpha on reading and multiplied back, which float rounding may
        // change in the last bit; alpha itself must be exact.
        for (int i = 0; i < px.Length; i++)
            if (i % 4 == 3) Assert.That(outPx[i], Is.EqualTo(px[i]));
            else Assert.That(outPx[i], Is.EqualTo(px[i]).Within(1e-6f * Math.Max(1f, px[i])));
    }

    static IEnumerable<TestCaseData> BadCalls()
    {
        yield return new TestCaseData("context NULL");
        yield return new TestCaseData("image NULL");
        yield return new TestCaseData("depth NULL");
        yield return new TestCaseData("out NULL");
        yield return new TestCaseData("image data NULL");
        yield return new TestCaseData("image struct_size");
        yield return new TestCaseData("image format 99");
        yield return new TestCaseData("image stride too small");
        yield return new TestCaseData("out wrong size");
        yield return new TestCaseData("depth larger than image");
        yield return new TestCaseData("options struct_size too small");
        yield return new TestCaseData("options struct_size too large");
        yield return new TestCaseData("aperture NaN");
        yield return new TestCaseData("aperture negative");
        yield return new TestCaseData("focus infinite");
        yield return new TestCaseData("blades 2");
        yield return new TestCaseData("blades 13");
        yield return new TestCaseData("rotation NaN");
        yield return new TestCaseData("highlight gain NaN");
        yield return new TestCaseData("highlight threshold negative");
        yield return new TestCaseData("max near radius 1000");
        yield return new TestCaseData("max far radius NaN");
        yield return new TestCaseData("depth_near 2");
        yield return new TestCaseData("depth_near -1");
        yield return new TestCaseData("focus point outside");
        yield return new TestCaseData("focus point NaN");
    }

    [TestCaseSource(nameof(BadCalls))]
    public void BadArgumentsAreRejectedAndOutputIsUntouched(string what)
    {
        var (rgba, depth) = Scene();
        var output = Enumerable.Repeat((byte)0xA5, rgba.Length).ToArray();
        var o = Defaults();
        int status;
        fixed (byte* pi = rgba, pd = depth, po = output)
        {
            var img = Describe((nint)pi, 61, 47, PixelFormat.Rgba8);
            var dep = Describe((nint)pd, 31, 24, PixelFormat.Gray8);
            var dst = Describe((nint)po, 61, 47, PixelFormat.Rgba8);
            nint ctx = _ctx;
            DpImage* pImg = &img, pDep = &dep, pDst = &dst;
            switch (what)
            {
                case "context NULL": ctx = 0; break;
                case "image NULL": pImg = null; break;
                case "depth NULL": pDep = null; break;
                case "out NULL": pDst = null; break;
                case "image data NULL": img.Data = 0; break;
                case "image struct_size": img.StructSize = 12; break;
                case "image format 99": img.Format = 99; break;
                case "image stride too small": img.RowStrideBytes = 60 * 4; break;
                case "out wrong size": dst.Width = 60; break;
                case "depth larger than image": dep.Width = 62; dep.RowStrideBytes = 62; break;
                case "options struct_size too small": o.StructSize = 20; break;
                case "options struct_size too large": o.StructSize = (uint)sizeof(DpLensBlurOptions) + 4; break;
                case "aperture NaN": o.Aperture = float.NaN; break;
                case "aperture negative": o.Aperture = -3; break;
                case "focus infinite": o.Focus = float.PositiveInfinity; break;
                case "blades 2": o.Blades = 2; break;
                case "blades 13": o.Blades = 13; break;
                case "rotation NaN": o.Rotation = float.NaN; break;
                case "highlight gain NaN": o.HighlightGain = float.NaN; break;
                case "highlight threshold negative": o.HighlightThreshold = -0.1f; break;
                case "max near radius 1000": o.MaxNearRadius = 1000; break;
                case "max far radius NaN": o.MaxFarRadius = float.NaN; break;
                case "depth_near 2": o.DepthNear = 2; break;
                case "depth_near -1": o.DepthNear = -1; break;
                case "focus point outside": o.FocusFromPoint = 1; o.FocusX = 70; o.FocusY = 3; break;
                case "focus point NaN": o.FocusFromPoint = 1; o.FocusX = float.NaN; break;
                default: Assert.Fail(what); break;
            }
            // A larger depth map must point at enough memory for its own descriptor, so give it a buffer of its own.
            var bigDepth = new byte[62 * 24];
            fixed (byte* pb = bigDepth)
            {
                if (what == "depth larger than image") dep.Data = (nint)pb;
                status = _blur(ctx, pImg, pDep, pDst, &o, null, 0);
            }
        }
        TestContext.Out.WriteLine($"{what}: {LastError}");
        Assert.That(status, Is.EqualTo(Invalid));
        Assert.That(LastError, Does.StartWith("dp_lens_blur: "));
        Assert.That(output.All(b => b == 0xA5), "output untouched");
    }

    static int s_calls;

    [UnmanagedCallersOnly]
    static int CancelOnThirdCall(nint user, float fraction) => ++s_calls >= 3 ? 1 : 0;

    [Test]
    public void CancelReturnsCancelledAndLeavesOutputUntouched()
    {
        var (rgba, depth) = Scene();
        var output = Enumerable.Repeat((byte)0x5A, rgba.Length).ToArray();
        var o = Defaults();
        o.Aperture = 30;
        s_calls = 0;
        int status = Blur(rgba, depth, output, &o, &CancelOnThirdCall);
        Assert.That(status, Is.EqualTo(Cancelled), LastError);
        Assert.That(s_calls, Is.EqualTo(3));
        Assert.That(output.All(b => b == 0x5A), "output untouched");
    }

    [Test]
    public void NullOptionsMeanDefaults()
    {
        var (rgba, depth) = Scene();
        var a = new byte[rgba.Length];
        var b = new byte[rgba.Length];
        Assert.That(Blur(rgba, depth, a, null), Is.EqualTo(Ok), LastError);
        var o = Defaults();
        Assert.That(Blur(rgba, depth, b, &o), Is.EqualTo(Ok), LastError);
        Assert.That(a, Is.EqualTo(b));
    }
}

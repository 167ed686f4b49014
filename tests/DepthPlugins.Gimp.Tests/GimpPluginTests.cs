using System.Text.RegularExpressions;
using DepthPlugins.Fixtures;
using DepthPlugins.ImageIO;
using NUnit.Framework;

namespace DepthPlugins.Gimp.Tests;

/// <summary>
/// The plug-in in real, headless GIMP: one GIMP session per version runs every case (error cases first, so the
/// success cases after them also show that GIMP carried on), then each test checks its case's files and messages.
/// Pixels are compared with the depthplugins CLI run on the same files with the same parameters, both on the CPU
/// backend (--backend cpu for the CLI; DEPTHPLUGINS_BACKEND=cpu for GIMP 2.10 on this machine, the default "auto"
/// in the GIMP 3 root, which has no Vulkan and must fall back to the CPU).
///
/// Tolerance: both paths give the library the same parameters and, up to babl's conversion error, the same samples,
/// so what differs is GIMP's pixel conversion. GIMP converts with babl, which may use any conversion path whose
/// measured error is below BABL_TOLERANCE (4.7e-6 of full scale by default in current babl) and picks among them by timing, so which
/// one runs varies between runs (seen here: 0 differing pixels in most runs, 22 % of the 16-bit pixels one code value
/// off in another). The CLI's PNG codec is exact (v / 255, v / 65535; round half up, as babl's reference). And the
/// CLI is compiled for x86-64-v3 while the library keeps the baseline instruction set, so vectorised managed code
/// may round differently in the last bits (seen: 1 of 12288 8-bit pixels of Generate Depth). So:
/// 8-bit results (one step = 3.9e-3, ~800 × the tolerance) may differ by 1 code value on at most 1 % of pixels
/// (values within a few 1e-6 of a rounding boundary); 16-bit results (one step = 1.5e-5, ~3 × the tolerance) by at
/// most 3 code values, and by less than one on average. A plumbing error (wrong tone curve, offset, channel, size)
/// moves values by hundreds of 16-bit steps and fails.
/// </summary>
public abstract class GimpPluginTests(string version)
{
    const int W = 128, H = 96;
    GimpHost _gimp = null!;
    ScriptFu.Report _report = null!;
    string _dir = "", _cliDir = "";

    string In(string name) => _gimp.InGimp(Path.Combine(_dir, name));
    string Out(string name) => Path.Combine(_dir, name);
    string Q(string name) => ScriptFu.Quote(In(name));

    [OneTimeSetUp]
    public void RunGimp()
    {
        _gimp = GimpHost.Create(version); // skips (or fails in CI) when this GIMP cannot run here
        if (!File.Exists(Repo.Cli))
            Assert.Fail($"{Repo.Cli} is missing: tools/test.sh publishes it (dotnet publish src/DepthPlugins.Cli -c Release -r linux-x64 -o artifacts/cli)");
        if (!File.Exists(Path.Combine(Repo.NativeDir, "libdepthplugins.so")))
            Assert.Fail($"{Repo.NativeDir}/libdepthplugins.so is missing: tools/test.sh publishes it");
        _dir = Path.Combine(_gimp.WorkDir, "files");
        _cliDir = Directory.CreateTempSubdirectory("dp_gimp_cli_").FullName;
        Directory.CreateDirectory(_dir);
        MakeInputs();
        _gimp.BuildAndInstall();

        var script = new ScriptFu(_gimp.Dialect.Gimp3)
            // Errors first: every later case also shows that GIMP and Script-Fu carried on after them.
            .Case("size-mismatch", $"(let ((d (dp-load {Q("small.png")})) (g (dp-load {Q("scene.png")}))) " +
                                   "(plug-in-depthplugins-refine-depth RUN-NONINTERACTIVE d (dp-layer d 0) (dp-layer g 0) 0 3))")
            .Case("bad-model", $"(let ((img (dp-load {Q("scene.png")}))) " +
                               $"(catch #f (plug-in-depthplugins-generate-depth RUN-NONINTERACTIVE img (dp-layer img 0) {Q("missing.onnx")} 1)) " +
                               "(dp-info (string-append \"layers \" (dp-num (length (dp-layers img))))))")
            .Case("indexed", $"(let ((img (dp-load {Q("scene.png")}))) (dp-to-indexed img) " +
                             $"(plug-in-depthplugins-generate-depth RUN-NONINTERACTIVE img (dp-layer img 0) {Q("dynamic.onnx")} 1))")
            .Case("jbf8", Refine("depth8.png", 0, 5, "gimp_jbf8.png"))
            .Case("jbf-grey-guide", Refine("depth8.png", 0, 5, "gimp_jbfgrey.png", guide: "grey.png"))
            .Case("guided-grey-guide", Refine("depth16.png", 1, 4, "gimp_guidedgrey.png", guide: "grey.png"))
            .Case("guided16", Refine("depth16.png", 1, 4, "gimp_guided16.png"))
            .Case("jbu-float", $"(let ((d (dp-load {Q("depth16.png")})) (g (dp-load {Q("scene.png")}))) (dp-to-float d) " +
                               "(plug-in-depthplugins-refine-depth RUN-NONINTERACTIVE d (dp-layer d 0) (dp-layer g 0) 2 2) " +
                               $"(dp-to-u16 d) (dp-save-only d (dp-layer d 0) {Q("gimp_jbufloat.png")}))")
            .Case("selection", $"(let ((d (dp-load {Q("depth8.png")})) (g (dp-load {Q("scene.png")}))) " +
                               $"(gimp-image-select-rectangle d CHANNEL-OP-REPLACE {Sel.X} {Sel.Y} {Sel.W} {Sel.H}) " +
                               "(plug-in-depthplugins-refine-depth RUN-NONINTERACTIVE d (dp-layer d 0) (dp-layer g 0) 0 5) " +
                               $"(gimp-selection-none d) (dp-save-only d (dp-layer d 0) {Q("gimp_selection.png")}))")
            .Case("same-image", $"(let* ((img (dp-load {Q("scene.png")})) (photo (dp-layer img 0)) (depth (dp-load-layer img {Q("depth8.png")}))) " +
                                "(plug-in-depthplugins-refine-depth RUN-NONINTERACTIVE img depth photo 0 5) " +
                                $"(dp-save-only img depth {Q("gimp_sameimage.png")}))")
            .Case("lens-blur", LensBlur("gimp_lensblur.png", select: false))
            .Case("lens-blur-selection", LensBlur("gimp_lensblur_sel.png", select: true))
            .Case("lens-blur-rgba", LensBlur("gimp_lensblur_rgba.png", select: false, photo: "scene_rgba.png"))
            // The depth as a channel of the photo's image: the depth loaded as a layer on top (it then covers the
            // photo, so the image's red component is the depth's grey value), a channel made from that component,
            // then the layer removed, so the channel is the only depth in the image.
            .Case("lens-blur-channel", $"(let* ((img (dp-load {Q("scene.png")})) (photo (dp-layer img 0)) (layer (dp-load-layer img {Q("scene_depth8.png")})) " +
                                       $"(depth (car (gimp-channel-new-from-component img {(_gimp.Dialect.Gimp3 ? "CHANNEL-RED" : "RED-CHANNEL")} \"Depth\")))) " +
                                       "(gimp-image-insert-channel img depth 0 0) (gimp-image-remove-layer img layer) " +
                                       "(dp-info (string-append \"layers \" (dp-num (length (dp-layers img))) \" channel \" (car (gimp-item-get-name depth)) \" \" (dp-size depth))) " +
                                       "(plug-in-depthplugins-lens-blur RUN-NONINTERACTIVE img photo depth 0.5 12 6 15 1 0.5) " +
                                       $"(dp-save-only img photo {Q("gimp_lensblur_channel.png")}))")
            // "Repeat" from the Filters menu: last values (none saved here: the defaults, jbf with its default radius),
            // and the guide, which GIMP passes empty, found among the image's layers.
            .Case("repeat", $"(let* ((img (dp-load {Q("scene.png")})) (photo (dp-layer img 0)) (depth (dp-load-layer img {Q("depth8.png")}))) " +
                            "(plug-in-depthplugins-refine-depth RUN-WITH-LAST-VALS img depth -1 0 0) " +
                            $"(dp-save-only img depth {Q("gimp_repeat.png")}))")
            .Case("generate", $"(let* ((img (dp-load {Q("scene.png")})) (photo (dp-layer img 0)) " +
                              $"(layer (car (plug-in-depthplugins-generate-depth RUN-NONINTERACTIVE img photo {Q("dynamic.onnx")} 1)))) " +
                              "(dp-info (string-append \"layer \" (car (gimp-item-get-name layer)) \" at \" (dp-num (car (gimp-image-get-item-position img layer))) " +
                              "\" of \" (dp-num (length (dp-layers img))) \" is-first \" (if (= layer (dp-layer img 0)) \"yes\" \"no\"))) " +
                              $"(dp-save-only img layer {Q("gimp_generate.png")}))")
            .Case("generate-selection", $"(let* ((img (dp-load {Q("scene.png")})) (photo (dp-layer img 0))) " +
                                        $"(gimp-image-select-rectangle img CHANNEL-OP-REPLACE {Sel.X} {Sel.Y} {Sel.W} {Sel.H}) " +
                                        $"(let ((layer (car (plug-in-depthplugins-generate-depth RUN-NONINTERACTIVE img photo {Q("dynamic.onnx")} 0)))) " +
                                        "(dp-info (string-append \"size \" (dp-size layer) \" offsets \" (dp-offsets layer)))))")
            .Case("generate-grey", $"(let* ((img (dp-load {Q("grey.png")})) (photo (dp-layer img 0)) " +
                                   $"(layer (car (plug-in-depthplugins-generate-depth RUN-NONINTERACTIVE img photo {Q("dynamic.onnx")} 1)))) " +
                                   $"(dp-save-only img layer {Q("gimp_generate_grey.png")}))");
        var (code, output) = _gimp.Batch(script.Build());
        TestContext.Progress.WriteLine($"GIMP {version} batch exit {code}; output:\n{output}");
        _report = new ScriptFu.Report(output);
        Assert.That(code, Is.EqualTo(0), $"GIMP {version} exited with {code}:\n{output}");
        Assert.That(_report.Done, Is.True, $"the Script-Fu program did not reach its end:\n{output}");
    }

    [OneTimeTearDown]
    public void CleanUp()
    {
        _gimp?.Dispose();
        if (_cliDir != "") Directory.Delete(_cliDir, true);
    }

    static readonly (int X, int Y, int W, int H) Sel = (30, 20, 50, 40);

    string Refine(string depth, int method, int radius, string output, string guide = "scene.png") =>
        $"(let ((d (dp-load {Q(depth)})) (g (dp-load {Q(guide)}))) " +
        $"(plug-in-depthplugins-refine-depth RUN-NONINTERACTIVE d (dp-layer d 0) (dp-layer g 0) {method} {radius}) " +
        $"(dp-save-only d (dp-layer d 0) {Q(output)}))";

    /// <summary>focus 0.5, aperture 12 px, 6 blades turned 15°, highlights above 1 boosted by 1.5; the depth is the
    /// scene's exact 16-bit depth, opened as its own image (a layer or channel of any image may serve).</summary>
    string LensBlur(string output, bool select, string photo = "scene.png") =>
        $"(let* ((img (dp-load {Q(photo)})) (photo (dp-layer img 0)) (d (dp-load {Q("scene_depth.png")}))) " +
        (select ? $"(gimp-image-select-rectangle img CHANNEL-OP-REPLACE {Sel.X} {Sel.Y} {Sel.W} {Sel.H}) " : "") +
        "(plug-in-depthplugins-lens-blur RUN-NONINTERACTIVE img photo (dp-layer d 0) 0.5 12 6 15 1 0.5) " +
        $"(dp-save-only img photo {Q(output)}))";

    static readonly string[] LensBlurCli = ["--focus", "0.5", "--aperture", "12", "--blades", "6", "--rotation", "15", "--highlight-threshold", "1", "--highlight-gain", "0.5"];

    /// <summary>The photo and exact depth of the procedural scene (CLI sample-scene), depth with unknown (0) holes
    /// in 8 and 16 bits, the exact depth in 8 bits, the photo with a varying alpha (RGBA) and in grey, a depth of
    /// another size, and the fixture ONNX models.</summary>
    void MakeInputs()
    {
        Repo.Must(Repo.Cli, "sample-scene", _dir, "--width", $"{W}", "--height", $"{H}");
        var depth = ImageFile.Read(Out("scene_depth.png"));
        var s = (float[])depth.Samples.Clone();
        var rng = new Random(8);
        for (int i = 0; i < s.Length; i++) if (rng.NextDouble() < 0.03) s[i] = 0f;
        for (int y = 40; y < 47; y++) for (int x = 60; x < 67; x++) s[y * W + x] = 0f;
        ImageFile.Write(Out("depth16.png"), depth with { Samples = s, BitDepth = 16 }, 16);
        ImageFile.Write(Out("depth8.png"), depth with { Samples = s, BitDepth = 8 }, 8);
        ImageFile.Write(Out("small.png"), new Raster(W / 2, H / 2, 1, 8, new float[W / 2 * (H / 2)]), 8);
        ImageFile.Write(Out("scene_depth8.png"), depth with { BitDepth = 8 }, 8);

        var photo = ImageFile.Read(Out("scene.png"));
        Assert.That((photo.Channels, photo.BitDepth), Is.EqualTo((3, 8)));
        var rgba = new float[W * H * 4];
        var grey = new float[W * H];
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
            {
                int i = y * W + x;
                for (int c = 0; c < 3; c++) rgba[i * 4 + c] = photo.Samples[i * 3 + c];
                // A ramp from 10 % to opaque, a transparent block and a half-transparent stripe.
                float a = 0.1f + 0.9f * x / (W - 1);
                if (x >= 16 && x < 40 && y >= 50 && y < 80) a = 0f;
                if (y >= 10 && y < 16) a = 0.5f;
                rgba[i * 4 + 3] = a;
                grey[i] = 0.2126f * photo.Samples[i * 3] + 0.7152f * photo.Samples[i * 3 + 1] + 0.0722f * photo.Samples[i * 3 + 2];
            }
        ImageFile.Write(Out("scene_rgba.png"), new Raster(W, H, 4, 8, rgba), 8);
        ImageFile.Write(Out("grey.png"), new Raster(W, H, 1, 8, grey), 8);
        var models = FixtureModels.WriteAll(_dir);
        Assert.That(models, Does.ContainKey("dynamic.onnx"));
    }

    string Cli(string name, params string[] args)
    {
        string output = Path.Combine(_cliDir, name);
        Repo.Must(Repo.Cli, [.. args, "-o", output, "--backend", "cpu"]);
        return output;
    }

    static ushort[] Codes(Raster r, int channel)
    {
        int max = r.BitDepth == 16 ? 65535 : 255;
        var c = new ushort[r.Width * r.Height];
        for (int i = 0; i < c.Length; i++) c[i] = (ushort)Math.Round(r.Samples[i * r.Channels + channel] * max);
        return c;
    }

    /// <summary>GIMP's and the CLI's code values agree (see the class comment for the tolerance).</summary>
    static void AssertSamePixels(string gimpFile, string cliFile, int bitDepth, Func<int, bool>? where = null, int channels = 1, int first = 0)
    {
        var g = ImageFile.Read(gimpFile);
        var c = ImageFile.Read(cliFile);
        Assert.That((g.Width, g.Height, g.BitDepth), Is.EqualTo((c.Width, c.Height, bitDepth)), $"{gimpFile} vs {cliFile}");
        Assert.That(c.BitDepth, Is.EqualTo(bitDepth));
        Assert.That(Math.Min(g.Channels, c.Channels), Is.GreaterThanOrEqualTo(first + channels));
        int n = 0, off = 0, maxDiff = 0;
        long sum = 0;
        for (int ch = first; ch < first + channels; ch++)
        {
            var a = Codes(g, ch);
            var b = Codes(c, ch);
            for (int i = 0; i < a.Length; i++)
            {
                if (where != null && !where(i)) continue;
                n++;
                int d = Math.Abs(a[i] - b[i]);
                if (d != 0) off++;
                sum += d;
                maxDiff = Math.Max(maxDiff, d);
            }
        }
        TestContext.Out.WriteLine($"{Path.GetFileName(gimpFile)}: {n} samples compared, {off} differ, max difference {maxDiff}, mean {(double)sum / n:F4}");
        if (bitDepth == 8)
        {
            Assert.That(maxDiff, Is.LessThanOrEqualTo(1), "largest difference in 8-bit code values");
            Assert.That(off, Is.LessThanOrEqualTo(n / 100), "samples that differ by one 8-bit code value");
        }
        else
        {
            Assert.That(maxDiff, Is.LessThanOrEqualTo(3), "largest difference in 16-bit code values");
            Assert.That((double)sum / n, Is.LessThan(1.0), "mean difference in 16-bit code values");
        }
    }

    void AssertCaseOk(string name)
    {
        Assert.That(_report.Outcome(name), Is.EqualTo("ok"), $"case {name}: errors: {string.Join(" | ", _report.Errors(name))}");
    }

    /// <summary>The refinement really changed something (holes filled), so agreement is not agreement of untouched inputs.</summary>
    void AssertHolesFilled(string file)
    {
        var input = Codes(ImageFile.Read(Out("depth8.png")), 0);
        var result = Codes(ImageFile.Read(file), 0);
        int holes = input.Count(v => v == 0), filled = input.Zip(result).Count(p => p.First == 0 && p.Second > 0);
        Assert.That(holes, Is.GreaterThan(100));
        Assert.That(filled, Is.GreaterThan(holes * 9 / 10), "unknown depth should be filled from its neighbours");
    }

    [Test]
    public void RefineJointBilateral8Bit_MatchesCli()
    {
        AssertCaseOk("jbf8");
        AssertHolesFilled(Out("gimp_jbf8.png"));
        AssertSamePixels(Out("gimp_jbf8.png"), Cli("jbf8.png", "refine", Out("depth8.png"), "--guide", Out("scene.png"), "--method", "jbf", "--radius", "5"), 8);
    }

    [Test]
    public void RefineWithGreyGuide_MatchesCli()
    {
        // A greyscale photo as guide: the CLI refines with its one grey channel.
        AssertCaseOk("jbf-grey-guide");
        AssertHolesFilled(Out("gimp_jbfgrey.png"));
        string cli = Cli("jbfgrey.png", "refine", Out("depth8.png"), "--guide", Out("grey.png"), "--method", "jbf", "--radius", "5");
        AssertSamePixels(Out("gimp_jbfgrey.png"), cli, 8);
        AssertGuideMatters(cli, Cli("jbf8g.png", "refine", Out("depth8.png"), "--guide", Out("scene.png"), "--method", "jbf", "--radius", "5"));
    }

    [Test]
    public void RefineGuided16BitWithGreyGuide_MatchesCli()
    {
        AssertCaseOk("guided-grey-guide");
        string cli = Cli("guidedgrey.png", "refine", Out("depth16.png"), "--guide", Out("grey.png"), "--method", "guided", "--radius", "4");
        AssertSamePixels(Out("gimp_guidedgrey.png"), cli, 16);
        AssertGuideMatters(cli, Cli("guided16g.png", "refine", Out("depth16.png"), "--guide", Out("scene.png"), "--method", "guided", "--radius", "4"));
    }

    /// <summary>The grey guide gives another result than the colour photo it was made from, so the comparison is
    /// not of two nearly unrefined maps. (A grey guide passed as three equal channels, as the plug-in once did, also
    /// differs from the CLI's one-channel result: by up to 47 8-bit codes with jbf, 892 16-bit codes guided.)</summary>
    static void AssertGuideMatters(string greyGuided, string colourGuided)
    {
        var a = Codes(ImageFile.Read(greyGuided), 0);
        var b = Codes(ImageFile.Read(colourGuided), 0);
        int max = ImageFile.Read(greyGuided).BitDepth == 16 ? 65535 : 255;
        Assert.That(a.Zip(b).Count(p => Math.Abs(p.First - p.Second) > max / 255 * 2), Is.GreaterThan(a.Length / 100),
                    "the grey guide should change the result against the colour guide");
    }

    [Test]
    public void RefineGuided16Bit_MatchesCli()
    {
        AssertCaseOk("guided16");
        AssertSamePixels(Out("gimp_guided16.png"), Cli("guided16.png", "refine", Out("depth16.png"), "--guide", Out("scene.png"), "--method", "guided", "--radius", "4"), 16);
    }

    [Test]
    public void RefineJbuIn32BitFloatPrecision_MatchesCli()
    {
        AssertCaseOk("jbu-float");
        AssertSamePixels(Out("gimp_jbufloat.png"), Cli("jbu16.png", "refine", Out("depth16.png"), "--guide", Out("scene.png"), "--method", "jbu", "--radius", "2"), 16);
    }

    [Test]
    public void RefineDepthLayerInThePhotosImage_MatchesCli()
    {
        // The depth is an RGB layer above the photo in one image (the usual way to work); its grey value is the depth.
        AssertCaseOk("same-image");
        var g = ImageFile.Read(Out("gimp_sameimage.png"));
        Assert.That(g.Channels, Is.EqualTo(3));
        for (int i = 0; i < g.Width * g.Height; i++)
            Assert.That(g.Samples[i * 3 + 1] == g.Samples[i * 3] && g.Samples[i * 3 + 2] == g.Samples[i * 3], $"pixel {i} is not grey");
        AssertSamePixels(Out("gimp_sameimage.png"), Cli("jbf8b.png", "refine", Out("depth8.png"), "--guide", Out("scene.png"), "--method", "jbf", "--radius", "5"), 8);
    }

    [Test]
    public void RefineWithLastValues_FindsTheGuideAndUsesTheDefaults()
    {
        AssertCaseOk("repeat");
        AssertSamePixels(Out("gimp_repeat.png"), Cli("repeat.png", "refine", Out("depth8.png"), "--guide", Out("scene.png"), "--method", "jbf"), 8);
    }

    [Test]
    public void RefineWithRectangleSelection_ChangesOnlyTheSelection()
    {
        AssertCaseOk("selection");
        string gimp = Out("gimp_selection.png");
        string cli = Cli("jbf8c.png", "refine", Out("depth8.png"), "--guide", Out("scene.png"), "--method", "jbf", "--radius", "5");
        bool Inside(int i) => i % W >= Sel.X && i % W < Sel.X + Sel.W && i / W >= Sel.Y && i / W < Sel.Y + Sel.H;
        // Inside: as if the whole image had been refined (the plug-in reads a margin of context around the bounds).
        AssertSamePixels(gimp, cli, 8, Inside);
        // Outside: the original depth, untouched.
        var result = Codes(ImageFile.Read(gimp), 0);
        var input = Codes(ImageFile.Read(Out("depth8.png")), 0);
        var refinedEverywhere = Codes(ImageFile.Read(cli), 0);
        for (int i = 0; i < result.Length; i++)
            if (!Inside(i)) Assert.That(result[i], Is.EqualTo(input[i]), $"pixel ({i % W},{i / W}) outside the selection changed");
        Assert.That(Enumerable.Range(0, result.Length).Count(i => !Inside(i) && refinedEverywhere[i] != input[i]), Is.GreaterThan(100),
                    "refinement changes pixels outside the selection too, so this test can tell");
    }

    [Test]
    public void LensBlur_MatchesCli()
    {
        AssertCaseOk("lens-blur");
        string cli = Cli("lensblur.png", ["lens-blur", Out("scene.png"), "--depth", Out("scene_depth.png"), .. LensBlurCli]);
        AssertSamePixels(Out("gimp_lensblur.png"), cli, 8, channels: 3);
        AssertBlurChangedMuch("gimp_lensblur.png");
    }

    /// <summary>The blur changes much of the photo, so agreement with the CLI means something.</summary>
    void AssertBlurChangedMuch(string output)
    {
        var photo = ImageFile.Read(Out("scene.png"));
        var blurred = ImageFile.Read(Out(output));
        Assert.That(Enumerable.Range(0, W * H * 3).Count(i => Math.Abs(photo.Samples[i] - blurred.Samples[i]) > 2f / 255), Is.GreaterThan(W * H / 4),
                    "the blur changes much of the photo, so agreement with the CLI means something");
    }

    [Test]
    public void LensBlurWithDepthChannel_MatchesCli()
    {
        // The depth as a channel of the photo's image (the issue: depth-drawable is "a layer or channel").
        AssertCaseOk("lens-blur-channel");
        Assert.That(_report.Info("lens-blur-channel"), Is.EqualTo(new[] { $"layers 1 channel Depth {W}x{H}" }));
        string cli = Cli("lensblur_d8.png", ["lens-blur", Out("scene.png"), "--depth", Out("scene_depth8.png"), .. LensBlurCli]);
        AssertSamePixels(Out("gimp_lensblur_channel.png"), cli, 8, channels: 3);
        AssertBlurChangedMuch("gimp_lensblur_channel.png");
    }

    [Test]
    public void LensBlurOnRgbaPhoto_MatchesCliWithItsAlpha()
    {
        AssertCaseOk("lens-blur-rgba");
        string gimp = Out("gimp_lensblur_rgba.png");
        string cli = Cli("lensblur_rgba.png", ["lens-blur", Out("scene_rgba.png"), "--depth", Out("scene_depth.png"), .. LensBlurCli]);
        var c = ImageFile.Read(cli);
        var g = ImageFile.Read(gimp);
        Assert.That((g.Channels, c.Channels), Is.EqualTo((4, 4)), "RGBA in, RGBA out");
        // Alpha everywhere; colour where the result is not fully transparent (GIMP need not keep the colour of
        // transparent pixels when it saves).
        AssertSamePixels(gimp, cli, 8, channels: 1, first: 3);
        var alpha = Codes(c, 3);
        AssertSamePixels(gimp, cli, 8, i => alpha[i] > 0, channels: 3);
        var inputAlpha = Codes(ImageFile.Read(Out("scene_rgba.png")), 3);
        Assert.That(alpha.Zip(inputAlpha).Count(p => Math.Abs(p.First - p.Second) > 2), Is.GreaterThan(W * H / 20),
                    "the alpha is blurred with the colour, so agreement with the CLI means something");
    }

    [Test]
    public void LensBlurWithRectangleSelection_ChangesOnlyTheSelection()
    {
        AssertCaseOk("lens-blur-selection");
        string gimp = Out("gimp_lensblur_sel.png");
        string cli = Cli("lensblur2.png", ["lens-blur", Out("scene.png"), "--depth", Out("scene_depth.png"), .. LensBlurCli]);
        bool Inside(int i) => i % W >= Sel.X && i % W < Sel.X + Sel.W && i / W >= Sel.Y && i / W < Sel.Y + Sel.H;
        AssertSamePixels(gimp, cli, 8, Inside, channels: 3);
        var result = ImageFile.Read(gimp);
        var photo = ImageFile.Read(Out("scene.png"));
        for (int i = 0; i < W * H; i++)
            if (!Inside(i))
                for (int ch = 0; ch < 3; ch++)
                    Assert.That(result.Samples[i * result.Channels + ch], Is.EqualTo(photo.Samples[i * photo.Channels + ch]), $"pixel ({i % W},{i / W}) outside the selection changed");
    }

    [Test]
    public void GenerateDepth_AddsDepthLayerAboveThePhoto_MatchingCli()
    {
        AssertCaseOk("generate");
        Assert.That(_report.Info("generate"), Is.EqualTo(new[] { "layer Depth at 0 of 2 is-first yes" }));
        Assert.That(Codes(ImageFile.Read(Out("gimp_generate.png")), 0).Distinct().Count(), Is.GreaterThan(50),
                    "the depth map has structure, so agreement with the CLI means something");
        AssertSamePixels(Out("gimp_generate.png"), Cli("generate.png", "depth", Out("scene.png"), "--model", Out("dynamic.onnx"), "--refine", "guided", "--bit-depth", "8"), 8);
    }

    [Test]
    public void GenerateDepth_OnGreyImage_AddsGreyDepthLayer_MatchingCli()
    {
        AssertCaseOk("generate-grey");
        var g = ImageFile.Read(Out("gimp_generate_grey.png"));
        Assert.That(g.Channels, Is.EqualTo(1), "a greyscale image gets a greyscale depth layer");
        Assert.That(Codes(g, 0).Distinct().Count(), Is.GreaterThan(50), "the depth map has structure");
        AssertSamePixels(Out("gimp_generate_grey.png"), Cli("generate_grey.png", "depth", Out("grey.png"), "--model", Out("dynamic.onnx"), "--refine", "guided", "--bit-depth", "8"), 8);
    }

    [Test]
    public void GenerateDepth_WithSelection_LayerCoversTheSelectionBounds()
    {
        AssertCaseOk("generate-selection");
        Assert.That(_report.Info("generate-selection"), Is.EqualTo(new[] { $"size {Sel.W}x{Sel.H} offsets {Sel.X},{Sel.Y}" }));
    }

    [Test]
    public void SizeMismatch_IsAnExecutionErrorWithAMessage_AndGimpCarriesOn()
    {
        Assert.That(_report.Outcome("size-mismatch"), Is.EqualTo("failed"));
        var errors = _report.Errors("size-mismatch");
        Assert.That(errors, Has.Length.EqualTo(1));
        Assert.That(errors[0], Does.StartWith("Procedure execution of plug-in-depthplugins-refine-depth failed"));
        Assert.That(errors[0], Does.Contain($"the depth drawable ({W / 2}x{H / 2}) and the guide ({W}x{H}) must have the same size"));
        AssertCaseOk("jbf8"); // ran later in the same GIMP session
    }

    [Test]
    public void BadModelPath_IsAnExecutionError_AndAddsNoLayer()
    {
        AssertCaseOk("bad-model");
        var errors = _report.Errors("bad-model");
        Assert.That(errors, Has.Length.EqualTo(1));
        Assert.That(errors[0], Does.StartWith("Procedure execution of plug-in-depthplugins-generate-depth failed"));
        Assert.That(errors[0], Does.Contain("missing.onnx").And.Contain("DP_ERROR_IO"));
        Assert.That(_report.Info("bad-model"), Is.EqualTo(new[] { "layers 1" }));
    }

    [Test]
    public void IndexedImage_IsRefusedWithAMessage()
    {
        Assert.That(_report.Outcome("indexed"), Is.EqualTo("failed"));
        Assert.That(_report.Errors("indexed"), Has.Length.EqualTo(1));
        Assert.That(_report.Errors("indexed")[0], Does.Contain("indexed-colour layer; use an RGB or greyscale layer or channel"));
    }

    /// <summary>The procedures' arguments, names and order exactly as issue 8 lists them (Script-Fu callers depend on them).</summary>
    [TestCase("plug-in-depthplugins-lens-blur", "run-mode image drawable depth-drawable focus aperture blades rotation highlight-threshold highlight-gain")]
    [TestCase("plug-in-depthplugins-refine-depth", "run-mode image depth-drawable guide-drawable method radius")]
    [TestCase("plug-in-depthplugins-generate-depth", "run-mode image drawable model-path refine")]
    public void ProcedureArguments_AreTheIssuesList(string procedure, string expected)
    {
        string pluginrc = File.ReadAllText(Path.Combine(_gimp.Profile, "pluginrc"));
        int start = pluginrc.IndexOf($"(proc-def \"{procedure}\"", StringComparison.Ordinal);
        Assert.That(start, Is.GreaterThanOrEqualTo(0), $"{procedure} is not registered");
        int end = pluginrc.IndexOf("(proc-def", start + 10, StringComparison.Ordinal);
        string block = end < 0 ? pluginrc[start..] : pluginrc[start..end];
        // "N M" (argument and return value counts), then N argument and M return value lines:
        // 2.10: (proc-arg TYPE "name" "blurb"); 3.0: (proc-arg TYPE "GParamX" "GType" "name" "nick" "blurb" ...)
        int count = int.Parse(Regex.Match(block, @"^\s+(\d+) \d+\s*$", RegexOptions.Multiline).Groups[1].Value);
        int nameIndex = version == "2.10" ? 0 : 2;
        var names = Regex.Matches(block, @"\(proc-arg \d+((?: ""(?:[^""\\]|\\.)*"")+)")
            .Take(count)
            .Select(m => Regex.Matches(m.Groups[1].Value, @"""((?:[^""\\]|\\.)*)""")[nameIndex].Groups[1].Value);
        Assert.That(string.Join(' ', names), Is.EqualTo(expected));
    }
}

/// <summary>GIMP 2.10: this machine's (Debian 12: gimp, libgimp2.0-dev).</summary>
[NonParallelizable]
public sealed class Gimp2Tests() : GimpPluginTests("2.10");

/// <summary>GIMP 3.0: Debian 13's, in the root tools/gimp3-root.sh makes.</summary>
[NonParallelizable]
public sealed class Gimp3Tests() : GimpPluginTests("3.0");

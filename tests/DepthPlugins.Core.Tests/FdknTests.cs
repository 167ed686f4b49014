using System.Text;
using NUnit.Framework;
using DepthPlugins.Core.Deformable;
using DepthPlugins.Core.Imaging;
using DepthPlugins.Core.Processing;

namespace DepthPlugins.Core.Tests;

/// <summary>
/// FDKN against <see cref="FdknReference"/> (float64, batch norm unfolded, plain loops) with random weights, and the
/// CPU convolution kernel against the reference convolution. Tolerances: convolution 1e-5 × √K (K ≤ 1152 products of
/// values in ±1, whose sum has that scale); FDKN output 1e-4 on a 0..1 depth scale.
/// </summary>
public class FdknTests
{
    static readonly Parallelism Par = new(0);

    static IEnumerable<TestCaseData> ConvCases()
    {
        int seed = 1;
        foreach (var (cin, cout, k) in new[] { (16, 32, 3), (3, 5, 3), (7, 9, 1), (128, 8, 3), (128, 432, 1) })
            foreach (var (w, h) in new[] { (1, 1), (5, 3), (24, 2), (25, 4), (53, 3) })
                yield return new TestCaseData(cin, cout, k, w, h, seed++).SetName($"{{m}}({cin}->{cout},k{k},{w}x{h})");
    }

    [TestCaseSource(nameof(ConvCases))]
    public void ConvolutionMatchesReference(int cin, int cout, int k, int w, int h, int seed)
    {
        var rng = new Random(seed);
        var weight = FdknTestWeights.RandomTensor(rng, 1, cout, cin, k, k);
        var bias = FdknTestWeights.RandomTensor(rng, 1, cout);
        var x = Enumerable.Range(0, cin).Select(_ => { var a = new double[h, w]; for (int y = 0; y < h; y++) for (int i = 0; i < w; i++) a[y, i] = rng.NextDouble() * 2 - 1; return a; }).ToArray();
        var input = new FeatureMap(cin, w, h);
        input.Cover(0, h);
        for (int c = 0; c < cin; c++) for (int y = 0; y < h; y++) for (int i = 0; i < w; i++) input.Data[input.Index(c, y, i)] = (float)x[c][y, i];
        var output = new FeatureMap(cout, w, h);
        output.Cover(0, h);
        new ConvCpu(new ConvLayer(cout, cin, k, weight.Data, bias.Data)).Run(input, output, 0, h, h, relu: false, Par);
        var expected = FdknReference.Conv(x, weight, bias);
        double scale = Math.Sqrt(cin * k * k), worst = 0;
        for (int c = 0; c < cout; c++)
            for (int y = -1; y <= h; y++)
                for (int i = -1; i < output.Stride - 1; i++)
                {
                    float v = output.Data[output.Index(c, y, i)];
                    bool inside = y >= 0 && y < h && i >= 0 && i < w;
                    // The zero border must stay zero: the next layer reads it as padding.
                    if (!inside) { Assert.That(v, Is.EqualTo(0f), $"border ({c},{y},{i})"); continue; }
                    worst = Math.Max(worst, Math.Abs(v - expected[c][y, i]) / scale);
                }
        Assert.That(worst, Is.LessThan(1e-5));
    }

    static IEnumerable<TestCaseData> NetworkCases()
    {
        // (width, height, strip rows at ¼ resolution; 0 = automatic)
        yield return new TestCaseData(8, 8, 0, 1).SetName("{m}(8x8)");
        yield return new TestCaseData(1, 1, 0, 2).SetName("{m}(1x1 padded)");
        yield return new TestCaseData(13, 10, 0, 3).SetName("{m}(13x10 padded)");
        yield return new TestCaseData(37, 29, 2, 4).SetName("{m}(37x29 padded, strips of 2)");
        yield return new TestCaseData(20, 60, 1, 5).SetName("{m}(20x60, strips of 1)");
        yield return new TestCaseData(36, 64, 5, 6).SetName("{m}(36x64, strips of 5)");
    }

    [TestCaseSource(nameof(NetworkCases))]
    public void NetworkMatchesReference(int w, int h, int strip, int seed)
    {
        var tensors = FdknTestWeights.RandomWeights(seed);
        var model = FdknModel.FromTensors(SafeTensors.Parse(SafeTensorsWriter.Build(tensors)));
        var (guide, depth) = TestData.Scene(w, h, seed, holes: 0);
        var luma = guide.Luma();
        var fast = FdknCpu.Refine(model, luma, depth, Progress.None, Par, strip);
        var slow = FdknReference.Run(tensors, TestData.ToArray(luma), TestData.ToArray(depth));
        double diff = TestData.MaxDiff(fast, slow);
        TestContext.Out.WriteLine($"max |fast − reference| = {diff:E2}; mean |out − target| = {fast.Data.Zip(depth.Data, (a, b) => Math.Abs(a - b)).Average():E2}");
        Assert.That(diff, Is.LessThan(1e-4));
    }

    /// <summary>The random network must actually move pixels, or the comparison above would prove little.</summary>
    [Test]
    public void RandomNetworkChangesTheDepth()
    {
        var tensors = FdknTestWeights.RandomWeights(9);
        var model = FdknModel.FromTensors(SafeTensors.Parse(SafeTensorsWriter.Build(tensors)));
        var (guide, depth) = TestData.Scene(24, 20, 9, holes: 0);
        var fast = FdknCpu.Refine(model, guide.Luma(), depth, Progress.None, Par);
        Assert.That(fast.Data.Zip(depth.Data, (a, b) => Math.Abs(a - b)).Average(), Is.GreaterThan(1e-2));
    }

    [Test]
    public void ProgressIsReportedAndCancelStops()
    {
        var model = FdknModel.FromTensors(SafeTensors.Parse(SafeTensorsWriter.Build(FdknTestWeights.RandomWeights(3))));
        var (guide, depth) = TestData.Scene(16, 40, 3, holes: 0);
        var seen = new List<float>();
        FdknCpu.Refine(model, guide.Luma(), depth, new Progress(f => { seen.Add(f); return true; }), Par, stripRows: 3);
        Assert.That(seen, Is.Ordered);
        Assert.That(seen[^1], Is.EqualTo(1f));
        Assert.That(seen.Count, Is.GreaterThan(20));
        int calls = 0;
        var e = Assert.Throws<DpException>(() => FdknCpu.Refine(model, guide.Luma(), depth, new Progress(_ => ++calls < 5), Par, stripRows: 3));
        Assert.That(e!.Status, Is.EqualTo(DpStatus.Cancelled));
    }

    [Test]
    public void RejectsNonFiniteOrMismatchedInputs()
    {
        var model = FdknModel.FromTensors(SafeTensors.Parse(SafeTensorsWriter.Build(FdknTestWeights.RandomWeights(3))));
        var (guide, depth) = TestData.Scene(8, 8, 3, holes: 0);
        depth[3, 3] = float.NaN;
        Assert.That(Assert.Throws<DpException>(() => FdknCpu.Refine(model, guide.Luma(), depth, Progress.None, Par))!.Status, Is.EqualTo(DpStatus.InvalidArgument));
        Assert.Throws<DpException>(() => FdknCpu.Refine(model, guide.Luma(), new Plane(8, 9), Progress.None, Par));
    }

    /// <summary>Batch norm is folded at load time: conv1 of the loaded model applied to an input equals conv → BN of the file.</summary>
    [Test]
    public void BatchNormIsFoldedIntoTheConvolution()
    {
        var t = FdknTestWeights.RandomWeights(4);
        var model = FdknModel.FromTensors(SafeTensors.Parse(SafeTensorsWriter.Build(t)));
        var c1 = model.Depth.Convs[0];
        var rng = new Random(1);
        var x = Enumerable.Range(0, 16).Select(_ => new double[,] { { rng.NextDouble(), rng.NextDouble() }, { rng.NextDouble(), rng.NextDouble() } }).ToArray();
        var folded = FdknReference.Conv(x, new([32, 16, 3, 3], c1.Weights), new([32], c1.Bias));
        var raw = FdknReference.Conv(x, t["DepthKernel.conv1.weight"], t["DepthKernel.conv1.bias"]);
        for (int c = 0; c < 32; c++)
        {
            double s = t["DepthKernel.conv1_bn.weight"].Data[c] / Math.Sqrt(t["DepthKernel.conv1_bn.running_var"].Data[c] + 1e-5);
            double expect = (raw[c][1, 0] - t["DepthKernel.conv1_bn.running_mean"].Data[c]) * s + t["DepthKernel.conv1_bn.bias"].Data[c];
            Assert.That(folded[c][1, 0], Is.EqualTo(expect).Within(1e-5));
        }
        Assert.That(model.Depth.Convs[1].Weights, Is.EqualTo(t["DepthKernel.conv2.weight"].Data), "conv2 has no batch norm");
    }
}

/// <summary>The safetensors reader: values, dtypes, and a clear Model error for every malformation.</summary>
public class SafeTensorsTests
{
    static byte[] Header(string json, int dataBytes = 8)
    {
        var h = Encoding.UTF8.GetBytes(json);
        var f = new byte[8 + h.Length + dataBytes];
        BitConverter.GetBytes((ulong)h.Length).CopyTo(f, 0);
        h.CopyTo(f, 8);
        return f;
    }

    [Test]
    public void ReadsValuesShapesAndMetadata()
    {
        var t = new Dictionary<string, TestTensor> { ["a.b"] = new([2, 3], [1, 2, 3, 4, 5, 6]), ["c"] = new([1], [-0.5f]) };
        var st = SafeTensors.Parse(SafeTensorsWriter.Build(t));
        Assert.That(st.Float32("a.b", 2, 3), Is.EqualTo(new float[] { 1, 2, 3, 4, 5, 6 }));
        Assert.That(st.Float32("c", 1), Is.EqualTo(new[] { -0.5f }));
        Assert.That(st.Metadata["format"], Is.EqualTo("pt"));
        Assert.That(st.Tensors["counter.num_batches_tracked"].DType, Is.EqualTo("I64"));
    }

    [Test]
    public void ReadsHalfAndBfloat16()
    {
        // 1.5 in F16 is 0x3E00; -2 in BF16 is 0xC000. Header padded with spaces, as the format allows.
        var f = Header("{\"h\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,2]},\"b\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[2,4]}}   ", 4);
        int d = f.Length - 4;
        f[d] = 0x00; f[d + 1] = 0x3E; f[d + 2] = 0x00; f[d + 3] = 0xC0;
        var st = SafeTensors.Parse(f);
        Assert.That(st.Float32("h", 1), Is.EqualTo(new[] { 1.5f }));
        Assert.That(st.Float32("b", 1), Is.EqualTo(new[] { -2f }));
    }

    static IEnumerable<TestCaseData> Malformed()
    {
        yield return new TestCaseData(new byte[5]).SetName("{m}(too short)");
        var huge = new byte[16]; BitConverter.GetBytes(1UL << 40).CopyTo(huge, 0);
        yield return new TestCaseData(huge).SetName("{m}(header length beyond the file)");
        yield return new TestCaseData(Header("[1,2]")).SetName("{m}(not an object)");
        yield return new TestCaseData(Header("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}")).SetName("{m}(truncated JSON)");
        yield return new TestCaseData(Header("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,16]}}")).SetName("{m}(range beyond data)");
        yield return new TestCaseData(Header("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}")).SetName("{m}(size mismatch)");
        yield return new TestCaseData(Header("{\"a\":{\"dtype\":\"Q4\",\"shape\":[2],\"data_offsets\":[0,8]}}")).SetName("{m}(unknown dtype)");
        yield return new TestCaseData(Header("{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}")).SetName("{m}(no offsets)");
        yield return new TestCaseData(Header("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}")).SetName("{m}(negative dim)");
        yield return new TestCaseData(Header("{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,8]}}")).SetName("{m}(fractional dim)");
        yield return new TestCaseData(Header("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}")).SetName("{m}(duplicate)");
        yield return new TestCaseData(Header("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}} x")).SetName("{m}(trailing text)");
        yield return new TestCaseData(Header("{\"__metadata__\":{\"k\":3}}")).SetName("{m}(metadata not string)");
    }

    [TestCaseSource(nameof(Malformed))]
    public void RejectsMalformedFiles(byte[] file)
    {
        var e = Assert.Throws<DpException>(() => SafeTensors.Parse(file, "x.safetensors"));
        Assert.That(e!.Status, Is.EqualTo(DpStatus.Model));
        Assert.That(e.Message, Does.Contain("x.safetensors"));
    }

    [Test]
    public void WrongShapeDtypeOrMissingTensorIsAModelError()
    {
        var st = SafeTensors.Parse(SafeTensorsWriter.Build(new Dictionary<string, TestTensor> { ["w"] = new([2, 2], [1, 2, 3, 4]) }));
        Assert.That(Assert.Throws<DpException>(() => st.Float32("w", 4))!.Status, Is.EqualTo(DpStatus.Model));
        Assert.That(Assert.Throws<DpException>(() => st.Float32("v", 4))!.Status, Is.EqualTo(DpStatus.Model));
        Assert.That(Assert.Throws<DpException>(() => st.Float32("counter.num_batches_tracked"))!.Status, Is.EqualTo(DpStatus.Model));
        Assert.That(Assert.Throws<DpException>(() => FdknModel.FromTensors(st))!.Message, Does.Contain("ImageKernel.conv1.weight"));
        Assert.That(Assert.Throws<DpException>(() => FdknModel.Load("/nonexistent/fdkn.safetensors"))!.Status, Is.EqualTo(DpStatus.Io));
    }
}

/// <summary>FDKN through <see cref="Refinement.DepthRefiner"/>: upsampling first, unknown depth, options.</summary>
public class FdknRefinerTests
{
    static string WriteRandomWeights(int seed)
    {
        string path = Path.Combine(Path.GetTempPath(), $"fdkn_test_{Environment.ProcessId}_{seed}.safetensors");
        File.WriteAllBytes(path, SafeTensorsWriter.Build(FdknTestWeights.RandomWeights(seed)));
        return path;
    }

    [Test]
    public void SmallerDepthIsBicubicUpsampledClippedThenRefined()
    {
        string weights = WriteRandomWeights(11);
        try
        {
            var (guide, _) = TestData.Scene(40, 28, 11, holes: 0);
            var (_, small) = TestData.Scene(5, 4, 12, holes: 0);
            var kernels = new Refinement.CpuRefineKernels(new Parallelism(0));
            var got = Refinement.DepthRefiner.Refine(kernels, guide, small, new Refinement.RefineOptions { Method = Refinement.RefineMethod.Fdkn, WeightsPath = weights }, Progress.None);
            var target = Resampler.Resize(small, 40, 28, ResampleFilter.Bicubic);
            // Bicubic overshoot is clipped to the input's range before the network.
            float lo = small.Data.Min(), hi = small.Data.Max();
            for (int i = 0; i < target.Data.Length; i++) target.Data[i] = Math.Clamp(target.Data[i], lo, hi);
            Assert.That(Resampler.Resize(small, 40, 28, ResampleFilter.Bicubic).Data.Any(v => v < lo || v > hi), "the scene overshoots somewhere");
            var want = FdknCpu.Refine(FdknModel.Load(weights), guide.Luma(), target, Progress.None, new Parallelism(0));
            Assert.That(got.Data, Is.EqualTo(want.Data));
        }
        finally { File.Delete(weights); }
    }

    /// <summary>Unknown depth is filled (push-pull) before the network, which would otherwise sample it as real zeros;
    /// the output is FDKN of the filled target everywhere. All-unknown depth stays unknown.</summary>
    [Test]
    public void UnknownDepthIsFilledBeforeTheNetwork()
    {
        string weights = WriteRandomWeights(12);
        try
        {
            var (guide, depth) = TestData.Scene(24, 16, 13, holes: 0.1);
            var kernels = new Refinement.CpuRefineKernels(new Parallelism(0));
            foreach (bool zeroInvalid in new[] { true, false })
            {
                var validity = new Refinement.DepthValidity(zeroInvalid);
                var got = Refinement.DepthRefiner.Refine(kernels, guide, depth,
                    new Refinement.RefineOptions { Method = Refinement.RefineMethod.Fdkn, WeightsPath = weights, ZeroIsInvalid = zeroInvalid }, Progress.None);
                var (filled, _) = Refinement.HoleFill.PushPull(depth, validity);
                var want = FdknCpu.Refine(FdknModel.Load(weights), guide.Luma(), filled, Progress.None, new Parallelism(0));
                Assert.That(got.Data, Is.EqualTo(want.Data), $"zero is invalid: {zeroInvalid}");
                Assert.That(got.Data.All(float.IsFinite));
            }
            var none = Plane.Filled(24, 16, 0f);
            var unknown = Refinement.DepthRefiner.Refine(kernels, guide, none, new Refinement.RefineOptions { Method = Refinement.RefineMethod.Fdkn, WeightsPath = weights }, Progress.None);
            Assert.That(unknown.Data, Is.All.EqualTo(0f), "no known depth: unknown (0) everywhere");
        }
        finally { File.Delete(weights); }
    }

    [Test]
    public void WeightsAreRequired()
    {
        var (guide, depth) = TestData.Scene(8, 8, 1);
        var kernels = new Refinement.CpuRefineKernels(new Parallelism(0));
        var e = Assert.Throws<DpException>(() => Refinement.DepthRefiner.Refine(kernels, guide, depth, new Refinement.RefineOptions { Method = Refinement.RefineMethod.Fdkn }, Progress.None));
        Assert.That(e!.Status, Is.EqualTo(DpStatus.InvalidArgument));
        e = Assert.Throws<DpException>(() => Refinement.DepthRefiner.Refine(kernels, guide, depth, new Refinement.RefineOptions { Method = Refinement.RefineMethod.Fdkn, WeightsPath = "/nonexistent.safetensors" }, Progress.None));
        Assert.That(e!.Status, Is.EqualTo(DpStatus.Io));
    }
}

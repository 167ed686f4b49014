using NUnit.Framework;
using DepthPlugins.Core.Deformable;
using DepthPlugins.Core.Imaging;
using DepthPlugins.Core.Processing;
using DepthPlugins.Core.Refinement;
using DepthPlugins.ImageIO;

namespace DepthPlugins.Core.Tests;

/// <summary>
/// Parity with the authors' FDKN ×8 model on their NYU v2 sample: our output against the output of their own code
/// (0_fdkn8x_reference.pfm). Needs ../shared/data (outside the repository: GPL weights, evaluation only); skips without it.
/// </summary>
public class FdknParityTests
{
    static string Shared(params string[] parts)
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d != null && !File.Exists(Path.Combine(d.FullName, "DepthPlugins.sln"))) d = d.Parent;
        if (d == null) Assert.Fail("repository root not found");
        return Path.GetFullPath(Path.Combine([d!.FullName, "..", "shared", "data", .. parts]));
    }

    static Plane Grey(Raster r)
    {
        var p = new Plane(r.Width, r.Height);
        for (int i = 0; i < p.Data.Length; i++) p.Data[i] = r.Samples[i * r.Channels];
        return p;
    }

    static double Rmse255(Plane a, Plane b) => Math.Sqrt(a.Data.Zip(b.Data, (x, y) => (x - (double)y) * (x - (double)y) * 255 * 255).Average());

    [Test]
    public void ReproducesTheAuthorsOutputOnTheirNyuSample()
    {
        string weights = Shared("dkn_fdkn_weights", "FDKN_8x.safetensors"), dir = Shared("nyu_v2_dkn_sample");
        if (!File.Exists(weights) || !Directory.Exists(dir)) Assert.Ignore($"shared evaluation data not found ({weights}, {dir}); parity not checked");
        var rgb = ImageFile.Read(Path.Combine(dir, "0_rgb.png"));
        var lr = Grey(ImageFile.Read(Path.Combine(dir, "0_lr.png")));
        var gt = Grey(ImageFile.Read(Path.Combine(dir, "0_gt.png")));
        var reference = Grey(ImageFile.Read(Path.Combine(dir, "0_fdkn8x_reference.pfm")));
        var colour = new Image([.. Enumerable.Range(0, 3).Select(c =>
        {
            var p = new Plane(rgb.Width, rgb.Height);
            for (int i = 0; i < p.Data.Length; i++) p.Data[i] = rgb.Samples[i * rgb.Channels + c];
            return p;
        })]);

        var ours = FdknCpu.Refine(FdknModel.Load(weights), colour.Luma(), lr, Progress.None, new Parallelism(0));
        double vsReference = Rmse255(ours, reference), vsGt = Rmse255(ours, gt);
        TestContext.Out.WriteLine($"RMSE (0..255): ours vs authors' output {vsReference:F4}; ours vs GT {vsGt:F4}; " +
                                  $"authors' vs GT {Rmse255(reference, gt):F4}; bicubic input vs GT {Rmse255(lr, gt):F4}");
        Assert.That(vsReference, Is.LessThan(0.1));

        // The same through the refiner (depth 0 is a real value here: NYU's normalised depth has no holes in the input).
        var viaRefiner = DepthRefiner.Refine(new CpuRefineKernels(new Parallelism(0)), colour, lr,
            new RefineOptions { Method = RefineMethod.Fdkn, WeightsPath = weights, ZeroIsInvalid = false }, Progress.None);
        Assert.That(viaRefiner.Data, Is.EqualTo(ours.Data));
    }
}

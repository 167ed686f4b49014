using NUnit.Framework;
using DepthPlugins.Core.Processing;
using DepthPlugins.Core.Refinement;
using DepthPlugins.Core.Tests;

namespace DepthPlugins.Vulkan.Tests;

public class SmokeTests
{
    [Test]
    public void JbfSmall()
    {
        var (guide, depth) = TestData.Scene(7, 5, 1);
        var p = new JointBilateralParams(3, 2f, 0.1f);
        var cpu = new CpuRefineKernels(new Parallelism(0)).JointBilateral(guide, depth, p, new DepthValidity(true), Progress.None);
        var gpu = Gpu.Kernels().JointBilateral(guide, depth, p, new DepthValidity(true), Progress.None);
        for (int i = 0; i < cpu.Data.Length; i++) TestContext.Out.WriteLine($"{cpu.Data[i]} {gpu.Data[i]}");
        Assert.That(gpu.Data, Is.EqualTo(cpu.Data).Within(1e-4f));
    }
}

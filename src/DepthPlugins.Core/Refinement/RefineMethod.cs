namespace DepthPlugins.Core.Refinement;

/// <summary>Refinement methods; values equal <c>dp_refine_method</c> in depthplugins.h.</summary>
public enum RefineMethod
{
    /// <summary>Joint bilateral filter: spatial Gaussian × Gaussian on guide-colour difference.</summary>
    JointBilateral = 0,
    /// <summary>Guided filter (He, Sun, Tang); with a smaller depth map, guided upsampling of the linear coefficients.</summary>
    Guided = 1,
    /// <summary>Joint bilateral upsampling (Kopf et al. 2007) from the low-resolution depth grid.</summary>
    JointBilateralUpsampling = 2,
    /// <summary>FDKN deformable kernels (Kim, Ponce, Ham 2021) predicted by a network from the guide and the depth;
    /// needs <see cref="RefineOptions.WeightsPath"/>. A smaller depth is bicubic-upsampled first, as in training.</summary>
    Fdkn = 3,
    /// <summary>Coarse-to-fine joint bilateral passes with noise-aware back-projection (<see cref="CascadeUpsampling"/>).</summary>
    Cascade = 4,
}

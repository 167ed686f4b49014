using DepthPlugins.Core.Imaging;
using DepthPlugins.Core.Processing;

namespace DepthPlugins.Core.Deformable;

/// <summary>
/// FDKN inference on the CPU: the network and the deformable filter run over horizontal strips of ¼-resolution rows
/// so memory stays bounded at any image size. Each strip recomputes <see cref="FdknModel.Halo"/> rows on either side,
/// shrinking by one row per 3×3 convolution, so the strips join exactly (the same result as one strip).
/// </summary>
public static class FdknCpu
{
    /// <summary>Working memory a strip may use; beyond it the image is cut into more strips.</summary>
    const long StripBudgetBytes = 160L << 20;

    /// <summary>
    /// Refines <paramref name="target"/> (the depth at full size — for upsampling, its bicubic upsample — in 0..1) with
    /// <paramref name="guideLuma"/> (the guide's luminance 0.299 R + 0.587 G + 0.114 B of sRGB-encoded 0..1 colour),
    /// both finite and of the same size. Sizes that are not multiples of 4 are padded on the right and bottom by
    /// repeating the last column/row, and the result is cropped back (see README: FDKN).
    /// </summary>
    /// <param name="stripRows">¼-resolution rows per strip; 0 chooses from the memory budget (tests force small strips).</param>
    public static Plane Refine(FdknModel model, Plane guideLuma, Plane target, Progress progress, Parallelism par, int stripRows = 0)
    {
        var (guide, depth) = FdknModel.PrepareInputs(guideLuma, target);
        var output = new Strips(model, guide.Width, guide.Height, stripRows).Run(guide, depth, progress, par);
        return FdknModel.Crop(output, target.Width, target.Height);
    }

    sealed class Strips
    {
        readonly FdknModel _model;
        readonly int _w4, _h4, _wq, _hq, _strip;
        readonly FeatureMap _input, _ping, _pong, _headsImage, _headsDepth;
        readonly DeformableKernels _kernels;

        public Strips(FdknModel model, int w4, int h4, int stripRows)
        {
            _model = model;
            _w4 = w4;
            _h4 = h4;
            _wq = w4 / FdknModel.Factor;
            _hq = h4 / FdknModel.Factor;
            _strip = Math.Min(_hq, stripRows > 0 ? stripRows : ChooseStripRows(_wq));
            int cap = Math.Min(_hq, _strip + 2 * FdknModel.Halo), widest = FdknModel.Channels.Max();
            _input = new FeatureMap(FdknModel.SubPixels, _wq, cap);
            _ping = new FeatureMap(widest, _wq, cap);
            _pong = new FeatureMap(widest, _wq, cap);
            _headsImage = new FeatureMap(FdknModel.HeadChannels, _wq, _strip);
            _headsDepth = new FeatureMap(FdknModel.HeadChannels, _wq, _strip);
            _kernels = new DeformableKernels(w4, FdknModel.Factor * _strip, FdknModel.Taps);
        }

        static int ChooseStripRows(int wq)
        {
            long stride = wq + ConvCpu.Nr + 2;
            long perRow = stride * 4 * (FdknModel.SubPixels + 2 * 128 + 2 * FdknModel.HeadChannels)
                          + (long)wq * FdknModel.SubPixels * 4 * 3 * FdknModel.Taps;
            return (int)Math.Clamp(StripBudgetBytes / perRow, 4, int.MaxValue);
        }

        public Plane Run(Plane guide, Plane depth, Progress progress, Parallelism par)
        {
            var (image, depthNet) = _model.CpuLayers;
            var output = new Plane(_w4, _h4);
            int strips = (_hq + _strip - 1) / _strip, steps = 2 * 7 + 2, step = 0;
            void Step() => progress.Report((float)++step / (strips * steps));
            progress.Report(0f);
            for (int s0 = 0; s0 < _hq; s0 += _strip)
            {
                int s1 = Math.Min(_hq, s0 + _strip);
                Branch(image, guide, _headsImage, s0, s1, par, Step);
                Branch(depthNet, depth, _headsDepth, s0, s1, par, Step);
                Combine(s0, s1, par);
                Step();
                int y0 = FdknModel.Factor * s0, y1 = FdknModel.Factor * s1, kernelTop = y0;
                int band = Math.Max(4, (y1 - y0) / (4 * par.Threads));
                Parallel.For(0, (y1 - y0 + band - 1) / band, par.Options, b =>
                    DeformableFilter.ApplyRows(depth, _kernels, kernelTop, FdknModel.Geometry, output, y0 + b * band, Math.Min(y1, y0 + (b + 1) * band)));
                Step();
            }
            return output;
        }

        /// <summary>Runs one branch for strip rows [s0, s1): space-to-depth, six 3×3 convolutions on shrinking row
        /// ranges (halo), then the 1×1 heads on the strip rows only.</summary>
        void Branch(ConvCpu[] layers, Plane source, FeatureMap heads, int s0, int s1, Parallelism par, Action step)
        {
            int halo = FdknModel.Halo;
            int r0 = Math.Max(0, s0 - halo), r1 = Math.Min(_hq, s1 + halo);
            _input.Cover(r0, r1 - r0);
            SpaceToDepth(source, _input, r0, r1, par);
            var current = _input;
            for (int l = 1; l <= 6; l++)
            {
                int o0 = Math.Max(0, s0 - (halo - l)), o1 = Math.Min(_hq, s1 + (halo - l));
                var next = l % 2 == 1 ? _ping : _pong;
                next.Cover(o0, o1 - o0);
                layers[l - 1].Run(current, next, o0, o1, _hq, relu: true, par);
                current = next;
                step();
            }
            heads.Cover(s0, s1 - s0);
            layers[6].Run(current, heads, s0, s1, _hq, relu: false, par);
            step();
        }

        /// <summary>Channel 4i + j of ¼-resolution pixel (x, y) holds full-resolution pixel (4x + j, 4y + i).</summary>
        void SpaceToDepth(Plane src, FeatureMap map, int r0, int r1, Parallelism par)
        {
            int f = FdknModel.Factor, wq = _wq;
            Parallel.For(r0, r1, par.Options, y =>
            {
                for (int i = 0; i < f; i++)
                {
                    var row = src.Row(f * y + i);
                    for (int j = 0; j < f; j++)
                    {
                        var dst = map.Data.AsSpan((int)map.Index(f * i + j, y, 0), wq);
                        for (int x = 0; x < wq; x++) dst[x] = row[f * x + j];
                    }
                }
            });
        }

        /// <summary>
        /// Multiplies the branches (sigmoid weights, linear offsets) and spreads them to full resolution: head channel
        /// t·16 + 4i + j of ¼-resolution pixel (x, y) belongs to tap t of pixel (4x + j, 4y + i).
        /// </summary>
        void Combine(int s0, int s1, Parallelism par)
        {
            int f = FdknModel.Factor, sub = FdknModel.SubPixels, taps = FdknModel.Taps, wq = _wq, w4 = _w4;
            int rows = _kernels.Rows, weightChannels = FdknModel.WeightChannels;
            float[] hi = _headsImage.Data, hd = _headsDepth.Data, kw = _kernels.Weights, ko = _kernels.Offsets;
            Parallel.For(s0, s1, par.Options, y =>
            {
                for (int i = 0; i < f; i++)
                {
                    int krow = f * (y - s0) + i;
                    for (int j = 0; j < f; j++)
                    {
                        int s = f * i + j;
                        for (int t = 0; t < taps; t++)
                        {
                            int a = (int)_headsImage.Index(t * sub + s, y, 0), b = (int)_headsDepth.Index(t * sub + s, y, 0);
                            int o = (t * rows + krow) * w4 + j;
                            for (int x = 0; x < wq; x++) kw[o + f * x] = Sigmoid(hi[a + x]) * Sigmoid(hd[b + x]);
                        }
                        for (int c = 0; c < 2 * taps; c++)
                        {
                            int a = (int)_headsImage.Index(weightChannels + c * sub + s, y, 0), b = (int)_headsDepth.Index(weightChannels + c * sub + s, y, 0);
                            int o = (c * rows + krow) * w4 + j;
                            for (int x = 0; x < wq; x++) ko[o + f * x] = hi[a + x] * hd[b + x];
                        }
                    }
                }
            });
        }

        static float Sigmoid(float v) => 1f / (1f + MathF.Exp(-v));
    }
}

namespace DepthPlugins.Core.Processing;

/// <summary>How much of the machine one call may use (the context's <c>threads</c> option).</summary>
public sealed record Parallelism(int MaxThreads)
{
    public static Parallelism Default { get; } = new(0);

    public int Threads => MaxThreads > 0 ? MaxThreads : Environment.ProcessorCount;

    public ParallelOptions Options => new() { MaxDegreeOfParallelism = Threads };
}

/// <summary>
/// Runs a row-range body over an image in bands: bands of a wave run in parallel, and between waves the
/// calling thread reports progress and honours cancellation (so a cancel takes effect within one wave).
/// </summary>
public static class Bands
{
    public delegate void RowRange(int y0, int y1);

    public static void Run(int height, RowRange body, Progress progress, Parallelism par, int minRowsPerBand = 4)
    {
        int threads = par.Threads;
        // About 8 bands per thread over the image, at least minRowsPerBand rows each.
        int bandRows = Math.Max(minRowsPerBand, height / Math.Max(1, threads * 8));
        int bandCount = (height + bandRows - 1) / bandRows;
        int wave = Math.Max(1, threads * 2);
        var opts = par.Options;
        progress.Report(0f);
        for (int first = 0; first < bandCount; first += wave)
        {
            int last = Math.Min(bandCount, first + wave);
            if (last - first == 1 || threads == 1)
            {
                for (int b = first; b < last; b++) body(b * bandRows, Math.Min(height, (b + 1) * bandRows));
            }
            else
            {
                Parallel.For(first, last, opts, b => body(b * bandRows, Math.Min(height, (b + 1) * bandRows)));
            }
            progress.Report((float)last / bandCount);
        }
    }
}

using System.Runtime.ExceptionServices;

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

    /// <summary>
    /// Runs <paramref name="body"/> on items 0 .. count − 1, each thread taking the next item as soon as it finishes one, so
    /// no thread waits at a wave's end for the slowest band (items that differ in cost balance themselves). Each thread
    /// makes one <paramref name="local"/> (its buffers) for all its items. The calling thread works too and, after each
    /// of its items, reports the fraction done; a cancel stops every thread after its current item and is thrown here.
    /// </summary>
    public static void RunQueue<TLocal>(int count, Func<TLocal> local, Action<TLocal, int> body, Progress progress, Parallelism par)
        where TLocal : IDisposable
    {
        int next = -1, done = 0, stop = 0;
        int owner = Environment.CurrentManagedThreadId;
        ExceptionDispatchInfo? cancelled = null;
        progress.Report(0f);
        void Work()
        {
            using var l = local();
            int i;
            while (Volatile.Read(ref stop) == 0 && (i = Interlocked.Increment(ref next)) < count)
            {
                body(l, i);
                int d = Interlocked.Increment(ref done);
                if (Environment.CurrentManagedThreadId != owner) continue;
                try { progress.Report((float)d / count); }
                catch (DpException e) when (e.Status == DpStatus.Cancelled)
                {
                    cancelled = ExceptionDispatchInfo.Capture(e);
                    Volatile.Write(ref stop, 1);
                }
            }
        }
        int threads = Math.Min(par.Threads, count);
        if (threads <= 1) Work();
        else Parallel.For(0, threads, par.Options, _ => Work());
        cancelled?.Throw();
        progress.Report(1f);
    }
}

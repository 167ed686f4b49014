using System.Collections.Concurrent;
using DepthPlugins.Core;

namespace DepthPlugins.Native;

/// <summary>
/// Maps opaque dp_context pointers to engines. Handles are small tokens, not addresses of managed objects,
/// so a stale or garbage pointer from the host yields DP_ERROR_INVALID_ARGUMENT instead of a crash.
/// </summary>
static class Handles
{
    static readonly ConcurrentDictionary<nint, Engine.Engine> Engines = new();
    static long s_next;

    public static nint Add(Engine.Engine e)
    {
        // Tokens are aligned, never 0, and never reused within a process.
        nint h = (nint)(0x10000 + 16 * Interlocked.Increment(ref s_next));
        Engines[h] = e;
        return h;
    }

    public static Engine.Engine Get(nint h) =>
        h == 0 ? throw DpException.Invalid("context is NULL")
        : Engines.TryGetValue(h, out var e) ? e
        : throw DpException.Invalid("context is not a live dp_context (destroyed, or never created)");

    public static Engine.Engine? Remove(nint h) => Engines.TryRemove(h, out var e) ? e : null;
}

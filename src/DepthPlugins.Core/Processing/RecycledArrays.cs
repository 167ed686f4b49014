namespace DepthPlugins.Core.Processing;

/// <summary>
/// Large arrays a finished call hands back for the next call of the same size, held weakly: back-to-back calls (a host
/// blurring frame after frame, a preview re-rendered) reuse their memory instead of faulting in fresh pages, which at
/// 1080p cost the lens blur about a tenth of its time; a full garbage collection still frees them. Arrays come back
/// with undefined contents.
/// </summary>
public static class RecycledArrays
{
    static readonly Lock Gate = new();
    static readonly List<WeakReference<Array>> Free = [];

    /// <summary>An array of exactly <paramref name="length"/> elements, recycled if one was handed back, else new; its
    /// values are undefined.</summary>
    public static T[] Rent<T>(int length) where T : unmanaged
    {
        lock (Gate)
            for (int i = Free.Count - 1; i >= 0; i--)
            {
                if (!Free[i].TryGetTarget(out var a)) Free.RemoveAt(i);
                else if (a is T[] t && t.Length == length)
                {
                    Free.RemoveAt(i);
                    return t;
                }
            }
        return GC.AllocateUninitializedArray<T>(length);
    }

    /// <summary>Hands arrays back; the caller must not use them (nor anything else hold them) afterwards.</summary>
    public static void Return(params ReadOnlySpan<Array?> arrays)
    {
        lock (Gate)
            foreach (var a in arrays)
                if (a != null) Free.Add(new WeakReference<Array>(a));
    }
}

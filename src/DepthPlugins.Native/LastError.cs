using System.Runtime.InteropServices;
using System.Text;
using DepthPlugins.Core;

namespace DepthPlugins.Native;

/// <summary>
/// The per-thread message behind dp_last_error_message(): a NUL-terminated UTF-8 copy owned by the library,
/// valid until the next failing call on the same thread (threads never see each other's messages).
/// </summary>
static unsafe class LastError
{
    [ThreadStatic] static byte* t_message;
    static readonly byte* Empty = Alloc("");

    public static byte* Current => t_message != null ? t_message : Empty;

    public static void Set(string message)
    {
        var old = t_message;
        t_message = Alloc(message);
        if (old != null) NativeMemory.Free(old);
    }

    static byte* Alloc(string s)
    {
        int n = Encoding.UTF8.GetByteCount(s);
        var p = (byte*)NativeMemory.Alloc((nuint)n + 1);
        fixed (char* c = s) Encoding.UTF8.GetBytes(c, s.Length, p, n);
        p[n] = 0;
        return p;
    }

    /// <summary>Maps any exception to a status and records its message: the one place failures cross into C.</summary>
    public static int Fail(Exception e, string function)
    {
        var (status, text) = e switch
        {
            DpException d => (d.Status, d.Message),
            OutOfMemoryException => (DpStatus.OutOfMemory, "out of memory"),
            OperationCanceledException => (DpStatus.Cancelled, "cancelled"),
            AggregateException { InnerExceptions.Count: 1 } a => Unwrap(a.InnerExceptions[0]),
            _ => (DpStatus.Internal, $"internal error ({e.GetType().Name}): {e.Message}"),
        };
        Set($"{function}: {text}");
        return (int)status;
    }

    static (DpStatus, string) Unwrap(Exception inner) => inner switch
    {
        DpException d => (d.Status, d.Message),
        OutOfMemoryException => (DpStatus.OutOfMemory, "out of memory"),
        _ => (DpStatus.Internal, $"internal error ({inner.GetType().Name}): {inner.Message}"),
    };
}

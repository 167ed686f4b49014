namespace DepthPlugins.Core.Processing;

/// <summary>
/// Reports progress to the host and carries its cancel request. The callback is only ever invoked on the thread that
/// created the reporter (hosts such as GIMP must not be called from worker threads); a cancel throws
/// <see cref="DpException"/> with <see cref="DpStatus.Cancelled"/>, so no output is written.
/// </summary>
public sealed class Progress
{
    readonly Func<float, bool>? _continue;
    readonly int _ownerThread;
    readonly float _start, _span;
    readonly Progress? _root;
    float _last = -1f;

    /// <param name="onProgress">Called with a fraction in 0..1; return false to cancel.</param>
    public Progress(Func<float, bool>? onProgress)
    {
        _continue = onProgress;
        _ownerThread = Environment.CurrentManagedThreadId;
        _start = 0f;
        _span = 1f;
    }

    Progress(Progress root, float start, float span)
    {
        _root = root;
        _start = start;
        _span = span;
        _continue = root._continue;
        _ownerThread = root._ownerThread;
    }

    public static Progress None { get; } = new(null);

    /// <summary>A reporter for a stage covering [from, to] of this one.</summary>
    public Progress Stage(float from, float to) => new(_root ?? this, _start + _span * from, _span * (to - from));

    /// <summary>Reports <paramref name="fraction"/> of this stage and throws if the host asked to cancel.
    /// Calls from other threads are ignored (progress from workers is reported by the band loop instead).</summary>
    public void Report(float fraction)
    {
        if (_continue == null || Environment.CurrentManagedThreadId != _ownerThread) return;
        float f = Math.Clamp(_start + _span * Math.Clamp(fraction, 0f, 1f), 0f, 1f);
        var root = _root ?? this;
        // Monotonic: hosts draw a bar, which must not jump back between stages.
        if (f < root._last) f = root._last;
        root._last = f;
        if (!_continue(f)) throw DpException.Cancelled();
    }
}

namespace DepthPlugins.Core;

/// <summary>Status codes shared with the C ABI (<c>dp_status</c> in depthplugins.h). Values never change.</summary>
public enum DpStatus
{
    Ok = 0,
    InvalidArgument = -1,
    Unsupported = -2,
    Cancelled = -3,
    OutOfMemory = -4,
    Io = -5,
    Model = -6,
    Device = -7,
    Numeric = -8,
    Internal = -100,
}

/// <summary>An expected failure with a status for the C ABI and a message meant for a human.</summary>
public sealed class DpException(DpStatus status, string message, Exception? inner = null) : Exception(message, inner)
{
    public DpStatus Status { get; } = status;

    public static DpException Invalid(string message) => new(DpStatus.InvalidArgument, message);
    public static DpException Cancelled() => new(DpStatus.Cancelled, "cancelled by the progress callback");
}

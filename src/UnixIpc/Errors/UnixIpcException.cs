using System.Runtime.InteropServices;

namespace UnixIpc;

/// <summary>
/// A kernel call failed. Carries the errno (<see cref="Error"/>, and the raw value in
/// <see cref="NativeErrorCode"/> and <see cref="Exception.HResult"/>), the C function that failed
/// (<see cref="Operation"/>) and the IPC object it was called on (<see cref="ObjectName"/>).
/// </summary>
/// <remarks>
/// The message reads like <c>shm_open("/orders", O_RDWR) failed: ENOENT (No such file or directory).</c>
/// followed by a hint where one helps. Caller bugs are reported with the standard argument exceptions
/// before any call is made; this type is only for what the kernel refused.
/// </remarks>
public class UnixIpcException : IOException
{
    /// <summary>Creates the exception for <paramref name="error"/> returned by <paramref name="operation"/>.</summary>
    /// <param name="error">The errno the call failed with.</param>
    /// <param name="operation">The C function, e.g. <c>shm_open</c>.</param>
    /// <param name="objectName">The name, key or id of the object, when there is one.</param>
    /// <param name="arguments">The call's arguments as they should appear in the message, e.g. <c>"/orders", O_RDWR</c>.</param>
    /// <param name="hint">What the caller can do about it; <see langword="null"/> to use the built-in hint, if any.</param>
    public UnixIpcException(Errno error, string operation, string? objectName = null, string? arguments = null, string? hint = null)
        : base(FormatMessage(error, operation, objectName, arguments, hint ?? ErrorHints.For(operation, error, objectName)), (int)error)
    {
        Error = error;
        Operation = operation;
        ObjectName = objectName;
        Hint = hint ?? ErrorHints.For(operation, error, objectName);
    }

    /// <summary>Creates an exception with a message of its own (for serialisers and derived types).</summary>
    public UnixIpcException(string message) : base(message)
    {
        Operation = string.Empty;
    }

    /// <summary>Creates an exception with a message of its own and an inner exception.</summary>
    public UnixIpcException(string message, Exception innerException) : base(message, innerException)
    {
        Operation = string.Empty;
    }

    /// <summary>Creates an empty exception.</summary>
    public UnixIpcException() : this("A Unix IPC call failed.")
    {
    }

    /// <summary>The errno the kernel (or libc) returned.</summary>
    public Errno Error { get; }

    /// <summary>The raw errno value (also <see cref="Exception.HResult"/>, as for .NET's own Unix IOExceptions).</summary>
    public int NativeErrorCode => (int)Error;

    /// <summary>The C function that failed, e.g. <c>shmget</c>.</summary>
    public string Operation { get; }

    /// <summary>The object's name, key or id, when the call was about one.</summary>
    public string? ObjectName { get; }

    /// <summary>What to do about the failure, when there is something useful to say; otherwise <see langword="null"/>.</summary>
    public string? Hint { get; }

    /// <summary>The C library's text for <paramref name="error"/> (strerror).</summary>
    public static string Describe(Errno error) => Marshal.GetPInvokeErrorMessage((int)error);

    private static string FormatMessage(Errno error, string operation, string? objectName, string? arguments, string? hint)
    {
        string args = arguments ?? (objectName is null ? string.Empty : $"\"{objectName}\"");
        string text = $"{operation}({args}) failed: {error} ({Describe(error)}).";
        return hint is null ? text : $"{text} {hint}";
    }
}

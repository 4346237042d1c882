namespace UnixIpc;

/// <summary>Shared or exclusive.</summary>
public enum FileLockType
{
    /// <summary>A shared (read) lock: any number may hold one; it conflicts only with write locks.</summary>
    Read = 0,

    /// <summary>An exclusive (write) lock: conflicts with every other lock.</summary>
    Write = 1,
}

/// <summary>Which of the kernel's three lock families to use. They differ in who owns a lock.</summary>
public enum FileLockKind
{
    /// <summary>
    /// Open-file-description locks (F_OFD_SETLK, Linux 3.15+), the default: byte ranges owned by this open
    /// file, so two opens conflict even in one process, nothing else releases them, and they go when the
    /// file's last descriptor closes. What most people expect a lock to be.
    /// </summary>
    OpenFileDescription = 0,

    /// <summary>
    /// Classic POSIX record locks (F_SETLK): byte ranges owned by the process. Threads share them, and
    /// <b>closing any descriptor of the file, anywhere in the process, releases all of them</b>; the holder's
    /// pid is visible to others. Use them to interoperate with programs that use fcntl locks.
    /// </summary>
    Process = 1,

    /// <summary>flock(2) whole-file locks, owned by the open file; no byte ranges, no conflict query.</summary>
    WholeFile = 2,
}

/// <summary>A lock that stands in the way, as F_GETLK reports it.</summary>
/// <param name="Type">Read or write.</param>
/// <param name="Start">First byte.</param>
/// <param name="Length">Bytes locked; 0 means to the end of the file and beyond.</param>
/// <param name="ProcessId">The holder's pid for a process-owned (POSIX) lock; -1 for an open-file-description lock, which has no single owner.</param>
public sealed record FileLockConflict(FileLockType Type, long Start, long Length, int ProcessId);

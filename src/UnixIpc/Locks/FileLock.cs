using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace UnixIpc;

/// <summary>
/// Advisory record locks on a file: shared or exclusive, on a byte range or the whole file, of the kind
/// chosen (<see cref="FileLockKind"/>). The kernel releases a lock when its holder dies, which makes this
/// the crash-safe way to get mutual exclusion between processes (a semaphore taken by a process that
/// dies stays taken). C programs see the same locks through fcntl(F_SETLK) or flock.
/// </summary>
/// <remarks>
/// <para>Ranges: <c>start</c> ≥ 0 and <c>length</c> ≥ 0, where a length of 0 covers from <c>start</c> to the end of
/// the file and any later growth. Locking a range you hold with the other type converts it (upgrade or
/// downgrade); the kernel splits and merges ranges as needed.</para>
/// <para>Waiting: <see cref="Lock"/> blocks the calling thread (F_SETLKW or flock); a time-out or a cancellable
/// token wakes it through <see cref="SignalInterrupter"/>; <see cref="LockAsync"/> waits on a dedicated waiter thread.
/// Only POSIX (process) locks detect deadlock (EDEADLK).</para>
/// <para>Files opened by .NET's <see cref="FileStream"/> may carry .NET's own flock (it emulates FileShare
/// that way), which conflicts with <see cref="FileLockKind.WholeFile"/> locks; <see cref="Open"/> avoids it.</para>
/// </remarks>
public sealed class FileLock : IDisposable
{
    private readonly SafeHandle _file;
    private readonly bool _ownsFile;

    private FileLock(SafeHandle file, bool ownsFile, FileLockKind kind, string description)
    {
        if (!Enum.IsDefined(kind))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown FileLockKind value.");
        }

        _file = file;
        _ownsFile = ownsFile;
        Kind = kind;
        Description = description;
    }

    /// <summary>Locks on a file this object does not own (it is not closed on dispose).</summary>
    public FileLock(SafeFileHandle file, FileLockKind kind = FileLockKind.OpenFileDescription)
        : this(file ?? throw new ArgumentNullException(nameof(file)), ownsFile: false, kind, "file handle")
    {
    }

    /// <summary>Locks on <paramref name="stream"/>'s file (not closed on dispose).</summary>
    public FileLock(FileStream stream, FileLockKind kind = FileLockKind.OpenFileDescription)
        : this((stream ?? throw new ArgumentNullException(nameof(stream))).SafeFileHandle, ownsFile: false, kind, stream.Name)
    {
    }

    /// <summary>The lock family in use.</summary>
    public FileLockKind Kind { get; }

    private string Description { get; }

    /// <summary>
    /// Opens (creating if needed, mode 0666 less the umask) the file at <paramref name="path"/> for locking;
    /// the file is closed, and its locks released, on dispose.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="kind">The lock family.</param>
    /// <param name="readOnly">Open read-only: then only read locks are possible with record locks (a write lock needs write access); an exclusive flock works read-only on local file systems, but not on NFS, which emulates flock with a whole-file fcntl lock.</param>
    public static FileLock Open(string path, FileLockKind kind = FileLockKind.OpenFileDescription, bool readOnly = false)
    {
        RequiredText.ThrowIfEmpty(path, "the lock file's path");
        // O_NONBLOCK: a FIFO where a lock file was expected must not block the open; it is refused just after.
        int flags = (readOnly ? Interop.O_RDONLY : Interop.O_RDWR | Interop.O_CREAT) | Interop.O_CLOEXEC | Interop.O_NOCTTY | Interop.O_NONBLOCK;
        while (true)
        {
            SafeFdHandle fd = Interop.Open(path, flags, 0x1B6);
            if (!fd.IsInvalid)
            {
                int type = Interop.FStatx(fd, path).stx_mode & Interop.S_IFMT;
                if (type is not (Interop.S_IFREG or Interop.S_IFDIR))
                {
                    fd.Dispose(); // a FIFO, device or socket: never a lock file (a directory is, for flock)
                    throw new InvalidDataException($"{path} is not a regular file or directory ({Interop.DescribeFileType(type)}): a lock file must be one. Use another path.");
                }

                Interop.SetNonBlocking(fd, false, path);
                return new FileLock(fd, ownsFile: true, kind, path);
            }

            Errno error = Interop.LastErrno;
            fd.Dispose();
            if (error != Errno.EINTR)
            {
                throw Interop.Fail(error, "open", path, $"\"{path}\", {Interop.DescribeOpenFlags(flags)}");
            }
        }
    }

    /// <summary>Takes the lock if nothing conflicts now; <see langword="false"/> otherwise. Never blocks.</summary>
    public bool TryLock(FileLockType type, long start = 0, long length = 0)
        => SetCore(TypeCode(type), start, length, wait: false, scope: null);

    /// <summary>Takes the lock, waiting up to <paramref name="timeout"/>; <see langword="false"/> if it ran out.</summary>
    /// <param name="type">Read (shared) or write (exclusive).</param>
    /// <param name="start">First byte of the range (0 for whole-file locks).</param>
    /// <param name="length">Bytes in the range; 0 means "to the end of the file, however it grows" (0 for whole-file locks).</param>
    /// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> waits without limit.</param>
    public bool TryLock(FileLockType type, long start, long length, TimeSpan timeout)
    {
        Timeouts.Validate(timeout);

        if (TryLock(type, start, length))
        {
            return true;
        }

        using SignalInterrupter.Scope scope = SignalInterrupter.Begin(timeout, CancellationToken.None);
        return SetCore(TypeCode(type), start, length, wait: true, scope);
    }

    /// <summary>Takes the lock, waiting as long as it takes, or until <paramref name="cancellationToken"/> fires.</summary>
    /// <exception cref="UnixIpcException">EDEADLK (POSIX locks) when waiting would deadlock.</exception>
    public void Lock(FileLockType type, long start = 0, long length = 0, CancellationToken cancellationToken = default)
    {
        if (!cancellationToken.CanBeCanceled)
        {
            SetCore(TypeCode(type), start, length, wait: true, scope: null);
            return;
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (TryLock(type, start, length))
        {
            return;
        }

        using SignalInterrupter.Scope scope = SignalInterrupter.Begin(Timeout.InfiniteTimeSpan, cancellationToken);
        SetCore(TypeCode(type), start, length, wait: true, scope);
    }

    /// <summary>Takes the lock, waiting on a dedicated waiter thread (none is used if it is free now).</summary>
    public ValueTask LockAsync(FileLockType type, long start = 0, long length = 0, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (TryLock(type, start, length))
        {
            return ValueTask.CompletedTask;
        }

        return LockOnWaiterThread(type, start, length, cancellationToken);
    }

    // Apart from the caller so that its closure is allocated only when a wait is needed: captured parameters make
    // the compiler allocate the closure on entry to the method that declares them, on the immediate path too.
    private ValueTask LockOnWaiterThread(FileLockType type, long start, long length, CancellationToken cancellationToken)
        => new(WaiterThreads.Run(() =>
        {
            Lock(type, start, length, cancellationToken);
            return true;
        }));

    /// <summary>Releases the range (or, for whole-file locks, the lock). Releasing what is not held is not an error.</summary>
    public void Unlock(long start = 0, long length = 0) => SetCore(Interop.F_UNLCK, start, length, wait: false, scope: null);

    /// <summary>
    /// Who would stop a <paramref name="type"/> lock on the range (F_GETLK / F_OFD_GETLK), or <see langword="null"/>
    /// if nothing would. Locks held through this same owner (this process for POSIX locks, this open file
    /// for OFD locks) never conflict and are not reported. Not available for whole-file locks.
    /// </summary>
    public unsafe FileLockConflict? GetConflict(FileLockType type, long start = 0, long length = 0)
    {
        if (Kind == FileLockKind.WholeFile)
        {
            throw new NotSupportedException("flock has no way to ask who holds a lock: use TryLock, or record locks.");
        }

        ValidateRange(start, length);
        var info = new Interop.flock { l_type = TypeCode(type), l_whence = Interop.SEEK_SET, l_start = start, l_len = length };
        int command = Kind == FileLockKind.Process ? Interop.F_GETLK : Interop.F_OFD_GETLK;
        while (Interop.FcntlLock(File, command, &info) == -1)
        {
            Errno error = Interop.LastErrno;
            if (error != Errno.EINTR)
            {
                throw Interop.Fail(error, "fcntl", Description, $"{Description}, {(command == Interop.F_GETLK ? "F_GETLK" : "F_OFD_GETLK")}");
            }
        }

        return info.l_type == Interop.F_UNLCK
            ? null
            : new FileLockConflict(info.l_type == Interop.F_WRLCK ? FileLockType.Write : FileLockType.Read, info.l_start, info.l_len, info.l_pid);
    }

    /// <summary>Closes the file if this object opened it (which releases its locks); otherwise releases the whole file's locks taken through it.</summary>
    public void Dispose()
    {
        if (_file.IsClosed)
        {
            return;
        }

        if (_ownsFile)
        {
            _file.Dispose();
        }
        else
        {
            try
            {
                Unlock();
            }
            catch (UnixIpcException)
            {
                // The file was closed underneath us; its locks went with it.
            }
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"FileLock ({Kind}) on {Description}";

    private SafeHandle File
    {
        get
        {
            ObjectDisposedException.ThrowIf(_file.IsClosed, this);
            return _file;
        }
    }

    private static short TypeCode(FileLockType type) => type switch
    {
        FileLockType.Read => Interop.F_RDLCK,
        FileLockType.Write => Interop.F_WRLCK,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown FileLockType value."),
    };

    private static void ValidateRange(long start, long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
    }

    // One lock request, EINTR retried unless the scope ended the wait. false: it would block (or ran out).
    private unsafe bool SetCore(short type, long start, long length, bool wait, SignalInterrupter.Scope? scope)
    {
        ValidateRange(start, length);
        SafeHandle file = File;
        if (Kind == FileLockKind.WholeFile)
        {
            if (start != 0 || length != 0)
            {
                throw new ArgumentException("flock locks the whole file: give no range (start 0, length 0), or use record locks.", nameof(start));
            }

            int operation = type switch { Interop.F_RDLCK => Interop.LOCK_SH, Interop.F_WRLCK => Interop.LOCK_EX, _ => Interop.LOCK_UN } | (wait ? 0 : Interop.LOCK_NB);
            while (true)
            {
                if (scope?.ThrowIfCanceledOrTimedOut() == true)
                {
                    return false;
                }

                if (Interop.Flock(file, operation) == 0)
                {
                    return true;
                }

                Errno error = Interop.LastErrno;
                if (error == Errno.EAGAIN)
                {
                    return false;
                }

                if (error != Errno.EINTR)
                {
                    throw Interop.Fail(error, "flock", Description);
                }
            }
        }

        var info = new Interop.flock { l_type = type, l_whence = Interop.SEEK_SET, l_start = start, l_len = length };
        int command = (Kind, wait) switch
        {
            (FileLockKind.Process, false) => Interop.F_SETLK,
            (FileLockKind.Process, true) => Interop.F_SETLKW,
            (_, false) => Interop.F_OFD_SETLK,
            (_, true) => Interop.F_OFD_SETLKW,
        };
        while (true)
        {
            if (scope?.ThrowIfCanceledOrTimedOut() == true)
            {
                return false;
            }

            if (Interop.FcntlLock(file, command, &info) == 0)
            {
                return true;
            }

            Errno error = Interop.LastErrno;
            if (!wait && error is Errno.EAGAIN or Errno.EACCES)
            {
                return false;
            }

            if (error != Errno.EINTR)
            {
                throw Interop.Fail(error, "fcntl", Description, $"{Description}, {CommandName(command)}, {{{(type == Interop.F_RDLCK ? "F_RDLCK" : type == Interop.F_WRLCK ? "F_WRLCK" : "F_UNLCK")}, start {start}, length {length}}}");
            }
        }
    }

    private static string CommandName(int command) => command switch
    {
        Interop.F_SETLK => "F_SETLK",
        Interop.F_SETLKW => "F_SETLKW",
        Interop.F_OFD_SETLK => "F_OFD_SETLK",
        _ => "F_OFD_SETLKW",
    };
}

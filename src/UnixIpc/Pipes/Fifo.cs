using Microsoft.Win32.SafeHandles;

namespace UnixIpc;

/// <summary>
/// Named pipes (mkfifo): a pipe with a path, so unrelated processes can meet on it. Opening follows the kernel: a
/// blocking open for reading waits until some process opens the FIFO for writing, and the other way round.
/// </summary>
/// <remarks>
/// <para>Every open checks that the path is a FIFO before reading or writing it; a regular file, directory or
/// device there is refused with <see cref="InvalidDataException"/>. Opened ends are close-on-exec.</para>
/// <para>The async and timed opens hold no thread: they retry a non-blocking open (and, for a reader, look for a
/// writer) on a short back-off, at most <see cref="OpenPollInterval"/> apart.</para>
/// </remarks>
public static class Fifo
{
    /// <summary>The longest pause between two attempts of an async or timed open.</summary>
    public static readonly TimeSpan OpenPollInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>The mode a FIFO is created with unless told otherwise: owner read and write.</summary>
    public const UnixFileMode DefaultMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates a FIFO at <paramref name="path"/> with exactly <paramref name="mode"/> (applied after mkfifo, so the umask does not bite).</summary>
    /// <exception cref="UnixIpcException">EEXIST if anything is at the path (a dangling symlink included); ENOENT or ENOTDIR for a bad parent.</exception>
    public static void Create(string path, UnixFileMode mode = DefaultMode)
    {
        CheckPath(path);
        if (((int)mode & ~0xFFF) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "A FIFO's mode holds permission bits only (0 to 07777).");
        }

        if (Interop.MkFifo(path, (uint)mode) == -1)
        {
            Errno error = Interop.LastErrno;
            throw new UnixIpcException(error, "mkfifo", path, $"\"{path}\", 0{Convert.ToString((int)mode, 8)}", CreateHint(error, path));
        }

        if (Interop.Chmod(path, (uint)mode) == -1)
        {
            Errno error = Interop.LastErrno;
            File.Delete(path);
            throw Interop.Fail(error, "chmod", path, $"\"{path}\", 0{Convert.ToString((int)mode, 8)}");
        }
    }

    /// <summary>Whether <paramref name="path"/> names a FIFO (following symlinks).</summary>
    public static bool Exists(string path)
    {
        CheckPath(path);
        return TryStatType(path, out int type) && type == Interop.S_IFIFO;
    }

    /// <summary>
    /// Removes the FIFO at <paramref name="path"/>, and only a FIFO: anything else there is left alone. Processes that
    /// have it open keep their ends.
    /// </summary>
    /// <exception cref="UnixIpcException">ENOENT, ENOTDIR, ENAMETOOLONG, EACCES: as the kernel answers for the path.</exception>
    /// <exception cref="InvalidDataException">Something that is not a FIFO is at the path (not removed).</exception>
    public static unsafe void Unlink(string path)
    {
        CheckPath(path);
        Interop.statx st;
        if (Interop.StatxPathNoFollow(path, &st) == -1)
        {
            throw Interop.Fail(Interop.LastErrno, "unlink", path, $"\"{path}\"");
        }

        int type = st.stx_mode & Interop.S_IFMT;
        if (type != Interop.S_IFIFO)
        {
            throw new InvalidDataException($"{path} is {Interop.DescribeFileType(type)}, not a FIFO: not removing it.");
        }

        while (Interop.Unlink(path) == -1)
        {
            Errno error = Interop.LastErrno;
            if (error != Errno.EINTR)
            {
                throw Interop.Fail(error, "unlink", path, $"\"{path}\"");
            }
        }
    }

    /// <summary>Opens the read end, waiting (as the kernel does) until a writer opens it too, or until <paramref name="cancellationToken"/> fires.</summary>
    public static PipeEndStream OpenRead(string path, CancellationToken cancellationToken = default)
        => cancellationToken.CanBeCanceled ? OpenReadAsync(path, cancellationToken).AsTask().GetAwaiter().GetResult() : OpenBlocking(path, Interop.O_RDONLY);

    /// <summary>Opens the write end, waiting (as the kernel does) until a reader opens it too, or until <paramref name="cancellationToken"/> fires.</summary>
    public static PipeEndStream OpenWrite(string path, CancellationToken cancellationToken = default)
        => cancellationToken.CanBeCanceled ? OpenWriteAsync(path, cancellationToken).AsTask().GetAwaiter().GetResult() : OpenBlocking(path, Interop.O_WRONLY);

    /// <summary>Opens the read end, waiting up to <paramref name="timeout"/> for a writer; <see langword="false"/> if none came.</summary>
    public static bool TryOpenRead(string path, TimeSpan timeout, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out PipeEndStream? reader)
    {
        reader = OpenTimed(path, timeout, forWriting: false);
        return reader is not null;
    }

    /// <summary>Opens the write end, waiting up to <paramref name="timeout"/> for a reader; <see langword="false"/> if none came (with zero, this is the non-blocking open that fails with ENXIO).</summary>
    public static bool TryOpenWrite(string path, TimeSpan timeout, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out PipeEndStream? writer)
    {
        writer = OpenTimed(path, timeout, forWriting: true);
        return writer is not null;
    }

    /// <summary>Opens the read end at once, writer or not (O_NONBLOCK): reads then see end of stream until a writer comes.</summary>
    public static PipeEndStream OpenReadNonBlocking(string path) => OpenNow(path, Interop.O_RDONLY)!;

    /// <summary>Opens the write end if a reader has the FIFO open; otherwise fails with ENXIO (O_NONBLOCK), explained.</summary>
    public static PipeEndStream OpenWriteNonBlocking(string path)
        => OpenNow(path, Interop.O_WRONLY) ?? throw new UnixIpcException(
            Errno.ENXIO, "open", path, $"\"{path}\", O_WRONLY|O_NONBLOCK", $"No process has {path} open for reading: start the reader first, or open without O_NONBLOCK to wait for one.");

    /// <summary>Opens the read end, awaiting a writer without holding a thread.</summary>
    public static async ValueTask<PipeEndStream> OpenReadAsync(string path, CancellationToken cancellationToken = default)
        => (await OpenPolledAsync(path, forWriting: false, Timeouts.NoDeadline, cancellationToken).ConfigureAwait(false))!;

    /// <summary>Opens the write end, awaiting a reader without holding a thread.</summary>
    public static async ValueTask<PipeEndStream> OpenWriteAsync(string path, CancellationToken cancellationToken = default)
        => (await OpenPolledAsync(path, forWriting: true, Timeouts.NoDeadline, cancellationToken).ConfigureAwait(false))!;

    private static PipeEndStream? OpenTimed(string path, TimeSpan timeout, bool forWriting)
    {
        long deadline = Timeouts.DeadlineFrom(timeout);
        return deadline == Timeouts.NoDeadline
            ? OpenBlocking(path, forWriting ? Interop.O_WRONLY : Interop.O_RDONLY)
            : OpenPolledAsync(path, forWriting, deadline, CancellationToken.None).AsTask().GetAwaiter().GetResult();
    }

    // The kernel's own blocking open, after checking what is at the path; EINTR retried.
    private static PipeEndStream OpenBlocking(string path, int access)
    {
        CheckIsFifo(path);
        SafeFdHandle fd;
        while ((fd = Interop.Open(path, access | Interop.O_CLOEXEC | Interop.O_NOCTTY, 0)).IsInvalid && Interop.LastErrno == Errno.EINTR)
        {
        }

        // Waits in this process are the library's own (poll, the reactor): the description is made non-blocking, which a
        // FIFO needs for them (it refuses RWF_NOWAIT, and poll misses end of stream from a writer that was there first).
        PipeEndStream end = Wrap(fd, path, access, nonBlocking: false);
        end.MakeNonBlockingInternally();
        return end;
    }

    // One non-blocking open: null for a writer while no reader has the FIFO open (ENXIO).
    private static PipeEndStream? OpenNow(string path, int access, bool internalNonBlocking = false)
    {
        CheckIsFifo(path);
        SafeFdHandle fd = Interop.Open(path, access | Interop.O_NONBLOCK | Interop.O_CLOEXEC | Interop.O_NOCTTY, 0);
        if (fd.IsInvalid && Interop.LastErrno == Errno.ENXIO && access == Interop.O_WRONLY)
        {
            return null;
        }

        return Wrap(fd, path, access, nonBlocking: true, internalNonBlocking);
    }

    // A writer retries its non-blocking open (ENXIO until a reader comes). A reader opens at once and keeps that
    // descriptor while it looks for a writer: closing and reopening it would let a writer that opened in between
    // find no reader left (EPIPE).
    private static async ValueTask<PipeEndStream?> OpenPolledAsync(string path, bool forWriting, long deadline, CancellationToken cancellationToken)
    {
        PipeEndStream? reader = forWriting ? null : OpenNow(path, Interop.O_RDONLY, internalNonBlocking: true);
        try
        {
            TimeSpan pause = TimeSpan.FromMilliseconds(1);
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (reader is not null && HasWriter(reader))
                {
                    (PipeEndStream ready, reader) = (reader, null);
                    return ready;
                }

                if (forWriting && OpenNow(path, Interop.O_WRONLY, internalNonBlocking: true) is { } writer)
                {
                    return writer;
                }

                TimeSpan remaining = Timeouts.RemainingUntil(deadline);
                if (remaining == TimeSpan.Zero)
                {
                    return null;
                }

                await Task.Delay(remaining == Timeout.InfiniteTimeSpan || pause < remaining ? pause : remaining, cancellationToken).ConfigureAwait(false);
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, OpenPollInterval.Ticks));
            }
        }
        finally
        {
            reader?.Dispose();
        }
    }

    // A non-blocking reader cannot see a writer that has not written, except by reading: EAGAIN means one is open,
    // 0 means none is. A byte that arrives meanwhile is kept for the first read.
    private static bool HasWriter(PipeEndStream reader)
    {
        if (reader.BytesAvailable > 0 || reader.HungUp())
        {
            return true; // data, or a writer that opened and closed again (POLLHUP): a blocking open would have returned
        }

        Span<byte> one = stackalloc byte[1];
        if (!reader.TryRead(one, out int read))
        {
            return true; // EAGAIN: a writer is open
        }

        if (read == 1)
        {
            reader.PushBack(one[0]);
            return true;
        }

        return false;
    }

    private static PipeEndStream Wrap(SafeFdHandle fd, string path, int access, bool nonBlocking, bool internalNonBlocking = false)
    {
        if (fd.IsInvalid)
        {
            Errno error = Interop.LastErrno;
            throw new UnixIpcException(error, "open", path, $"\"{path}\", {Interop.DescribeOpenFlags(access | (nonBlocking ? Interop.O_NONBLOCK : 0))}", OpenHint(error, path));
        }

        using (fd)
        {
            // What was opened is checked again on the descriptor: the path may have been replaced since.
            int type = Interop.FStatx(fd, path).stx_mode & Interop.S_IFMT;
            if (type != Interop.S_IFIFO)
            {
                throw NotAFifo(path, type);
            }

            int raw = (int)fd.DangerousGetHandle();
            fd.SetHandleAsInvalid();
            var end = new PipeEndStream(new SafeFileHandle(raw, ownsHandle: true), access == Interop.O_RDONLY, nonBlocking, path);
            if (internalNonBlocking)
            {
                end.MakeNonBlockingInternally();
            }

            return end;
        }
    }

    private static void CheckIsFifo(string path)
    {
        CheckPath(path);
        if (TryStatType(path, out int type) && type != Interop.S_IFIFO)
        {
            throw NotAFifo(path, type);
        }
    }

    private static unsafe bool TryStatType(string path, out int type)
    {
        Interop.statx st;
        if (Interop.StatxPath(path, &st) == -1)
        {
            type = 0;
            return false;
        }

        type = st.stx_mode & Interop.S_IFMT;
        return true;
    }

    private static InvalidDataException NotAFifo(string path, int type)
        => new($"{path} is {Interop.DescribeFileType(type)}, not a FIFO: refusing to open it as one. Create a FIFO with Fifo.Create (unixipc fifo create, mkfifo) at a free path.");

    private static void CheckPath(string path)
    {
        RequiredText.ThrowIfEmpty(path, "the FIFO's path");
        if (path.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("A path cannot contain a NUL character.", nameof(path));
        }
    }

    private static string? CreateHint(Errno error, string path) => error switch
    {
        Errno.EEXIST => $"Something already exists at {path} (perhaps a FIFO from an earlier run, or a dangling symlink): use it, or remove it first.",
        Errno.ENOENT => $"The directory of {path} does not exist: create it first.",
        Errno.ENOTDIR => $"A component of {path} is not a directory.",
        Errno.ENAMETOOLONG => "A path component is longer than 255 bytes, or the path longer than 4095.",
        Errno.EACCES => $"This user may not create files in the directory of {path}.",
        _ => null,
    };

    private static string? OpenHint(Errno error, string path) => error switch
    {
        Errno.ENOENT => $"No FIFO exists at {path}: create it first (Fifo.Create, unixipc fifo create, mkfifo).",
        Errno.EACCES => $"The mode of {path} does not allow this access: check its mode and owner (ls -l).",
        Errno.ENXIO => $"No process has {path} open for reading.",
        _ => null,
    };
}

using Microsoft.Win32.SafeHandles;

namespace UnixIpc;

/// <summary>
/// One end of a kernel pipe or FIFO as a <see cref="Stream"/>: the read end reads, the write end writes. Reads
/// return what is there (at least one byte) and 0 only at end of stream, once every write end everywhere is closed;
/// writes send everything or throw. Async reads and writes wait on the reactor and hold no thread.
/// </summary>
/// <remarks>
/// <para>A write with no reader left fails with <see cref="Errno.EPIPE"/> (the .NET runtime ignores SIGPIPE, so
/// the process is not killed). Writes of at most <see cref="Pipe.PipeBuf"/> bytes are atomic: several writers never
/// interleave inside one.</para>
/// <para>The descriptor stays blocking unless non-blocking was asked for, so a child that inherits it (see
/// <see cref="ChildProcess"/>) sees an ordinary pipe; this process's async calls still never block, through
/// preadv2/pwritev2 with RWF_NOWAIT.</para>
/// </remarks>
public sealed partial class PipeEndStream : Stream
{
    private readonly SafeFileHandle _handle;
    private readonly bool _isReadEnd;
    private bool _nonBlocking;     // O_NONBLOCK on the open file description
    private bool _noWaitUnsupported; // RWF_NOWAIT refused (a FIFO's description): poll says whether a call would wait
    private int _pushedBack = -1;  // one byte a FIFO open's probe read while checking for a writer

    internal PipeEndStream(SafeFileHandle handle, bool isReadEnd, bool nonBlocking, string name)
    {
        _handle = handle;
        _isReadEnd = isReadEnd;
        _nonBlocking = nonBlocking;
        Name = name;
    }

    /// <summary>
    /// Wraps a pipe or FIFO descriptor this process holds, e.g. one it inherited as descriptor 3 from a parent that
    /// mapped it (<c>new SafeFileHandle(3, ownsHandle: true)</c>). Checks that it is a pipe or FIFO open for reading
    /// only or writing only; the stream owns the handle from then on.
    /// </summary>
    /// <exception cref="InvalidDataException">The descriptor is not a pipe or FIFO.</exception>
    /// <exception cref="ArgumentException">It is open for both reading and writing (a FIFO opened O_RDWR): there is no single direction.</exception>
    public static PipeEndStream FromHandle(SafeFileHandle handle, string name = "pipe")
    {
        ArgumentNullException.ThrowIfNull(handle);
        ArgumentNullException.ThrowIfNull(name);
        ObjectDisposedException.ThrowIf(handle.IsClosed, handle);
        int fd = (int)handle.DangerousGetHandle();
        using (SafeFdHandle borrowed = SafeFdHandle.Borrow(fd))
        {
            if ((Interop.FStatx(borrowed, name).stx_mode & Interop.S_IFMT) != Interop.S_IFIFO)
            {
                throw new InvalidDataException($"Descriptor {fd} is not a pipe or FIFO.");
            }
        }

        int flags = Interop.Check(Interop.FcntlInt(handle, Interop.F_GETFL, 0), "fcntl", name, $"{fd}, F_GETFL");
        return (flags & 3) switch
        {
            Interop.O_RDONLY => new PipeEndStream(handle, isReadEnd: true, (flags & Interop.O_NONBLOCK) != 0, name),
            Interop.O_WRONLY => new PipeEndStream(handle, isReadEnd: false, (flags & Interop.O_NONBLOCK) != 0, name),
            _ => throw new ArgumentException($"Descriptor {fd} is open for reading and writing; a pipe end has one direction.", nameof(handle)),
        };
    }

    /// <summary>The descriptor, for mapping into a child (<see cref="ChildProcessOptions"/>) or passing to other APIs. Disposing this end closes it.</summary>
    public SafeFileHandle SafeFileHandle => _handle;

    /// <summary>What error messages call this end: <c>pipe</c>, or the FIFO's path.</summary>
    public string Name { get; }

    /// <summary><see langword="true"/> for a read end, <see langword="false"/> for a write end.</summary>
    public bool IsReadEnd => _isReadEnd;

    /// <summary>
    /// Whether the end was opened non-blocking (O_NONBLOCK) on request. (A FIFO end is non-blocking inside this
    /// library either way, for its own waits; a child it is mapped into gets a blocking description of its own.)
    /// </summary>
    public bool IsNonBlocking => _nonBlocking && !NonBlockingIsInternal;

    /// <inheritdoc/>
    public override bool CanRead => _isReadEnd && !_handle.IsClosed;

    /// <inheritdoc/>
    public override bool CanWrite => !_isReadEnd && !_handle.IsClosed;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override long Length => throw new NotSupportedException("A pipe has no length (ESPIPE); BytesAvailable says how much is unread.");

    /// <inheritdoc/>
    public override long Position
    {
        get => throw new NotSupportedException("A pipe has no position (ESPIPE).");
        set => throw new NotSupportedException("A pipe has no position (ESPIPE).");
    }

    /// <summary>The number of unread bytes in the pipe (ioctl FIONREAD), on either end.</summary>
    public unsafe int BytesAvailable
    {
        get
        {
            ThrowIfClosed();
            int count;
            Interop.Check(Interop.IoctlInt(_handle, Interop.FIONREAD, &count), "ioctl", Name, $"{Name}, FIONREAD");
            return count + (_pushedBack >= 0 ? 1 : 0);
        }
    }

    /// <summary>
    /// The pipe's capacity in bytes (F_GETPIPE_SZ; 65536 unless changed). Setting it (F_SETPIPE_SZ) rounds up to a
    /// power-of-two number of pages; above /proc/sys/fs/pipe-max-size needs CAP_SYS_RESOURCE (EPERM), and below the
    /// data already in the pipe fails with EBUSY.
    /// </summary>
    public int Capacity
    {
        get
        {
            ThrowIfClosed();
            return Interop.Check(Interop.FcntlInt(_handle, Interop.F_GETPIPE_SZ, 0), "fcntl", Name, $"{Name}, F_GETPIPE_SZ");
        }

        set
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
            ThrowIfClosed();
            if (Interop.FcntlInt(_handle, Interop.F_SETPIPE_SZ, value) == -1)
            {
                Errno error = Interop.LastErrno;
                throw new UnixIpcException(error, "fcntl", Name, $"{Name}, F_SETPIPE_SZ, {value}", CapacityHint(error, value));
            }
        }
    }

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return Read(buffer.AsSpan(offset, count));
    }

    /// <summary>Reads what is in the pipe, waiting for at least one byte; 0 only at end of stream.</summary>
    public override int Read(Span<byte> buffer)
    {
        CheckRead();
        if (buffer.IsEmpty)
        {
            return 0;
        }

        if (TakePushedBack(buffer) is int one)
        {
            return one;
        }

        while (true)
        {
            if (_nonBlocking)
            {
                if (TryReadCore(buffer, noWait: false) is int read)
                {
                    return read;
                }

                WaitSync(Interop.POLLIN);
            }
            else
            {
                return BlockingRead(buffer);
            }
        }
    }

    /// <summary>Reads what is there without waiting: <see langword="false"/> if the pipe is empty but a writer is still open.</summary>
    /// <param name="buffer">Where the bytes go.</param>
    /// <param name="bytesRead">How many arrived; 0 with <see langword="true"/> means end of stream.</param>
    public bool TryRead(Span<byte> buffer, out int bytesRead)
    {
        CheckRead();
        if (TakePushedBack(buffer) is int one)
        {
            bytesRead = one;
            return true;
        }

        int? read = TryReadCore(buffer, noWait: true);
        bytesRead = read ?? 0;
        return read is not null;
    }

    /// <inheritdoc/>
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    /// <summary>Reads what is in the pipe, awaiting at least one byte without holding a thread; 0 only at end of stream.</summary>
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        CheckRead();
        cancellationToken.ThrowIfCancellationRequested();
        if (buffer.IsEmpty)
        {
            return 0;
        }

        if (TakePushedBack(buffer.Span) is int one)
        {
            return one;
        }

        while (true)
        {
            if (TryReadCore(buffer.Span, noWait: true) is int read)
            {
                return read;
            }

            await WaitReadyAsync(Readiness.Read, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        Write(buffer.AsSpan(offset, count));
    }

    /// <summary>Writes every byte, waiting for room as needed. Throws <see cref="UnixIpcException"/> with EPIPE once no reader is left.</summary>
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        CheckWrite();
        while (!buffer.IsEmpty)
        {
            int written;
            if (_nonBlocking)
            {
                if (TryWriteCore(buffer, noWait: false) is not int some)
                {
                    WaitSync(Interop.POLLOUT);
                    continue;
                }

                written = some;
            }
            else
            {
                written = BlockingWrite(buffer);
            }

            buffer = buffer[written..];
        }
    }

    /// <summary>
    /// Writes what fits now without waiting; <see langword="false"/> if nothing could be written. A write of at most
    /// <see cref="Pipe.PipeBuf"/> bytes is all or nothing; a longer one may be partial.
    /// </summary>
    public bool TryWrite(ReadOnlySpan<byte> buffer, out int bytesWritten)
    {
        CheckWrite();
        int? written = TryWriteCore(buffer, noWait: true);
        bytesWritten = written ?? 0;
        return written is not null;
    }

    /// <inheritdoc/>
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    /// <summary>Writes every byte, awaiting room without holding a thread. Cancellation may leave part of the buffer written.</summary>
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        CheckWrite();
        cancellationToken.ThrowIfCancellationRequested();
        while (!buffer.IsEmpty)
        {
            if (TryWriteCore(buffer.Span, noWait: true) is int written)
            {
                buffer = buffer[written..];
                continue;
            }

            await WaitReadyAsync(Readiness.Write, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Nothing to flush: every write goes straight to the kernel.</summary>
    public override void Flush()
    {
    }

    /// <inheritdoc/>
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("A pipe cannot seek (ESPIPE).");

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException("A pipe has no length (ESPIPE).");

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({(_isReadEnd ? "read" : "write")} end)";

    /// <summary>
    /// The descriptor a child should inherit for this end, and whether the caller must close it after the spawn. A
    /// FIFO end this library made non-blocking for its own sake gets a fresh, blocking open file description for the
    /// child (reopened through /proc/self/fd), so the child sees an ordinary FIFO and this process keeps its own
    /// non-blocking one; if that reopen is refused (a write end whose reader left: ENXIO), this end becomes blocking.
    /// </summary>
    internal (SafeFileHandle Handle, bool Owned) DescriptionForChild()
    {
        ThrowIfClosed();
        if (!_nonBlocking || !NonBlockingIsInternal)
        {
            return (_handle, false);
        }

        int fd = (int)_handle.DangerousGetHandle();
        int access = _isReadEnd ? Interop.O_RDONLY : Interop.O_WRONLY;
        SafeFdHandle fresh = Interop.Open($"/proc/self/fd/{fd}", access | Interop.O_NONBLOCK | Interop.O_CLOEXEC, 0);
        if (!fresh.IsInvalid)
        {
            var handle = new SafeFileHandle(fresh.DangerousGetHandle(), ownsHandle: true);
            fresh.SetHandleAsInvalid();
            Interop.SetNonBlocking(handle, false, Name);
            return (handle, true);
        }

        Interop.SetNonBlocking(_handle, false, Name);
        _nonBlocking = false;
        return (_handle, false);
    }

    /// <summary>Sets the byte a FIFO open's writer probe read, so the first read returns it.</summary>
    internal void PushBack(byte value) => _pushedBack = value;

    /// <summary>Whether the description was opened non-blocking only for this library's own sake (a FIFO open).</summary>
    internal bool NonBlockingIsInternal { get; private set; }

    /// <summary>After a blocking FIFO open: O_NONBLOCK for this process's own waits (see <see cref="DescriptionForChild"/>).</summary>
    internal void MakeNonBlockingInternally()
    {
        Interop.SetNonBlocking(_handle, true, Name);
        _nonBlocking = true;
        NonBlockingIsInternal = true;
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing && !_handle.IsClosed)
        {
            EpollReactor.ForgetIfStarted((int)_handle.DangerousGetHandle());
            _handle.Dispose();
        }

        base.Dispose(disposing);
    }

    private static string? CapacityHint(Errno error, int value) => error switch
    {
        Errno.EPERM => $"{value} bytes is above /proc/sys/fs/pipe-max-size ({Pipe.MaxCapacity}); raising past it needs CAP_SYS_RESOURCE, or raise the limit.",
        Errno.EBUSY => "The pipe holds more data than the capacity asked for: read it first, or ask for more.",
        Errno.EINVAL => "The capacity must be at most 2^31 bytes.",
        _ => null,
    };
}

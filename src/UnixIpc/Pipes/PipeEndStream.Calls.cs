namespace UnixIpc;

public sealed partial class PipeEndStream
{
    // One read that does not wait: null when the pipe is empty and a writer is open (EAGAIN), EINTR retried.
    // noWait on a blocking description uses RWF_NOWAIT; a FIFO's description refuses it (EOPNOTSUPP), which is
    // remembered: from then on poll, without waiting, says whether a plain read would wait.
    private unsafe int? TryReadCore(Span<byte> buffer, bool noWait)
    {
        fixed (byte* bytes = buffer)
        {
            while (true)
            {
                nint read;
                if (noWait && !_nonBlocking && _noWaitUnsupported)
                {
                    if (!ReadyNow(Interop.POLLIN))
                    {
                        return null;
                    }

                    read = Interop.Read(_handle, bytes, (nuint)buffer.Length); // readable or end of stream: returns at once
                }
                else if (_nonBlocking || !noWait)
                {
                    read = Interop.Read(_handle, bytes, (nuint)buffer.Length);
                }
                else
                {
                    var iov = new Interop.iovec { iov_base = (nint)bytes, iov_len = (nuint)buffer.Length };
                    read = Interop.PReadV2(_handle, &iov, 1, -1, Interop.RWF_NOWAIT);
                }

                if (read >= 0)
                {
                    return (int)read;
                }

                Errno error = Interop.LastErrno;
                switch (error)
                {
                    case Errno.EINTR:
                        continue;
                    case Errno.EAGAIN:
                        return null;
                    case Errno.EOPNOTSUPP when noWait && !_nonBlocking && !_noWaitUnsupported:
                        _noWaitUnsupported = true;
                        continue;
                    default:
                        throw Failure(error, "read", buffer.Length);
                }
            }
        }
    }

    // One write that does not wait, as TryReadCore; returns how many bytes went in. Without RWF_NOWAIT, a writable
    // pipe has at least a page free, so a plain write of up to PIPE_BUF bytes does not wait.
    private unsafe int? TryWriteCore(ReadOnlySpan<byte> buffer, bool noWait)
    {
        fixed (byte* bytes = buffer)
        {
            while (true)
            {
                nint written;
                if (noWait && !_nonBlocking && _noWaitUnsupported)
                {
                    if (!ReadyNow(Interop.POLLOUT))
                    {
                        return null;
                    }

                    written = Interop.Write(_handle, bytes, (nuint)Math.Min(buffer.Length, Interop.PIPE_BUF));
                }
                else if (_nonBlocking || !noWait)
                {
                    written = Interop.Write(_handle, bytes, (nuint)buffer.Length);
                }
                else
                {
                    var iov = new Interop.iovec { iov_base = (nint)bytes, iov_len = (nuint)buffer.Length };
                    written = Interop.PWriteV2(_handle, &iov, 1, -1, Interop.RWF_NOWAIT);
                }

                if (written >= 0)
                {
                    return (int)written;
                }

                Errno error = Interop.LastErrno;
                switch (error)
                {
                    case Errno.EINTR:
                        continue;
                    case Errno.EAGAIN:
                        return null;
                    case Errno.EOPNOTSUPP when noWait && !_nonBlocking && !_noWaitUnsupported:
                        _noWaitUnsupported = true;
                        continue;
                    default:
                        throw Failure(error, "write", buffer.Length);
                }
            }
        }
    }

    private int BlockingRead(Span<byte> buffer) => TryReadCore(buffer, noWait: false) ?? WaitThenRead(buffer);

    // A blocking description answered EAGAIN: only possible if another process made it non-blocking meanwhile.
    private int WaitThenRead(Span<byte> buffer)
    {
        _nonBlocking = true;
        return Read(buffer);
    }

    private int BlockingWrite(ReadOnlySpan<byte> buffer)
    {
        if (TryWriteCore(buffer, noWait: false) is int written)
        {
            return written;
        }

        _nonBlocking = true; // as in WaitThenRead
        WaitSync(Interop.POLLOUT);
        return 0;
    }

    // Blocks this thread in poll until the descriptor is ready (a synchronous call on a non-blocking description).
    private void WaitSync(short events) => Interop.PollOne(_handle, events, -1, Name);

    // Whether the descriptor is ready for events now: ready, hung up or in error.
    private bool ReadyNow(short events) => Interop.PollOne(_handle, events, 0, Name) != 0;

    // POLLHUP on a FIFO's read end: a writer has come and gone since this end was opened.
    internal bool HungUp() => (Interop.PollOne(_handle, Interop.POLLIN, 0, Name) & Interop.POLLHUP) != 0;

    private async ValueTask WaitReadyAsync(Readiness readiness, CancellationToken cancellationToken)
    {
        ThrowIfClosed();
        bool ready = await EpollReactor.Shared.WaitAsync((int)_handle.DangerousGetHandle(), readiness, cancellationToken).ConfigureAwait(false);
        ObjectDisposedException.ThrowIf(!ready, this);
    }

    private int? TakePushedBack(Span<byte> buffer)
    {
        if (_pushedBack < 0 || buffer.IsEmpty)
        {
            return null;
        }

        buffer[0] = (byte)_pushedBack;
        _pushedBack = -1;
        return 1;
    }

    private UnixIpcException Failure(Errno error, string operation, int length)
    {
        string? hint = (operation, error) switch
        {
            ("write", Errno.EPIPE) => $"No process has {Name} open for reading any more (every read end is closed): the data cannot be delivered.",
            (_, Errno.EBADF) => $"This end of {Name} is not open for {(operation == "read" ? "reading" : "writing")}.",
            _ => null,
        };
        return new UnixIpcException(error, operation, Name, $"{Name}, {length} bytes", hint);
    }

    private void CheckRead()
    {
        ThrowIfClosed();
        if (!_isReadEnd)
        {
            throw new NotSupportedException($"{this} cannot be read: it is the write end (the kernel would answer EBADF).");
        }
    }

    private void CheckWrite()
    {
        ThrowIfClosed();
        if (_isReadEnd)
        {
            throw new NotSupportedException($"{this} cannot be written: it is the read end (the kernel would answer EBADF).");
        }
    }

    private void ThrowIfClosed() => ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
}

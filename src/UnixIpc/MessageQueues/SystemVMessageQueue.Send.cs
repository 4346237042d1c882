using System.Buffers;

namespace UnixIpc;

public sealed partial class SystemVMessageQueue
{
    /// <summary>Sends if the queue has room now (IPC_NOWAIT); <see langword="false"/> when it is full.</summary>
    /// <param name="type">The message type, at least 1 (receivers select by it).</param>
    /// <param name="message">The bytes; up to /proc/sys/kernel/msgmax (0 is allowed).</param>
    public bool TrySend(long type, ReadOnlySpan<byte> message)
    {
        ValidateType(type);
        return SendCore(type, message, Interop.IPC_NOWAIT, scope: null);
    }

    /// <summary>Sends, waiting up to <paramref name="timeout"/> for room; <see langword="false"/> if none came.</summary>
    public bool TrySend(long type, ReadOnlySpan<byte> message, TimeSpan timeout)
    {
        ValidateType(type);
        Timeouts.Validate(timeout);
        if (SendCore(type, message, Interop.IPC_NOWAIT, scope: null))
        {
            return true;
        }

        using SignalInterrupter.Scope scope = SignalInterrupter.Begin(timeout, CancellationToken.None);
        return SendCore(type, message, 0, scope);
    }

    /// <summary>Sends, waiting as long as it takes for room, or until <paramref name="cancellationToken"/> fires.</summary>
    /// <exception cref="IpcObjectRemovedException">The queue was removed while this call waited.</exception>
    public void Send(long type, ReadOnlySpan<byte> message, CancellationToken cancellationToken = default)
    {
        ValidateType(type);
        if (!cancellationToken.CanBeCanceled)
        {
            SendCore(type, message, 0, scope: null);
            return;
        }

        cancellationToken.ThrowIfCancellationRequested();
        using SignalInterrupter.Scope scope = SignalInterrupter.Begin(Timeout.InfiniteTimeSpan, cancellationToken);
        SendCore(type, message, 0, scope);
    }

    /// <summary>Sends, waiting for room on a dedicated waiter thread (none is taken if there is room now).</summary>
    public ValueTask SendAsync(long type, ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        ValidateType(type);
        cancellationToken.ThrowIfCancellationRequested();
        if (SendCore(type, message.Span, Interop.IPC_NOWAIT, scope: null))
        {
            return ValueTask.CompletedTask;
        }

        return SendOnWaiterThread(type, message, cancellationToken);
    }

    // Apart from the caller so that its closure is allocated only when a wait is needed: captured parameters make
    // the compiler allocate the closure on entry to the method that declares them, on the immediate path too.
    private ValueTask SendOnWaiterThread(long type, ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
        => new(WaiterThreads.Run(() =>
        {
            Send(type, message.Span, cancellationToken);
            return true;
        }));

    // One msgsnd, EINTR retried unless the scope says the wait is over (then false, or throws if cancelled).
    private unsafe bool SendCore(long type, ReadOnlySpan<byte> message, int flags, SignalInterrupter.Scope? scope)
    {
        int total = sizeof(long) + message.Length;
        byte[]? rented = null;
        Span<byte> native = total <= 16 * 1024 ? stackalloc byte[total] : (rented = ArrayPool<byte>.Shared.Rent(total));
        try
        {
            fixed (byte* buffer = native)
            {
                *(long*)buffer = type;
                message.CopyTo(new Span<byte>(buffer + sizeof(long), message.Length));
                while (true)
                {
                    if (scope?.ThrowIfCanceledOrTimedOut() == true)
                    {
                        return false;
                    }

                    if (Interop.MsgSnd(Id, buffer, (nuint)message.Length, flags) == 0)
                    {
                        return true;
                    }

                    Errno error = Interop.LastErrno;
                    if (error == Errno.EAGAIN && (flags & Interop.IPC_NOWAIT) != 0)
                    {
                        return false;
                    }

                    if (error != Errno.EINTR)
                    {
                        throw Interop.Fail(error, "msgsnd", IdText, $"{Id}, {{mtype={type}, {message.Length} bytes}}, {message.Length}, {((flags & Interop.IPC_NOWAIT) != 0 ? "IPC_NOWAIT" : "0")}");
                    }
                }
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static void ValidateType(long type)
    {
        if (type <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(type), type, "A System V message type must be at least 1 (the kernel refuses 0 and below with EINVAL).");
        }
    }
}

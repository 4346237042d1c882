using System.Buffers;
using System.Runtime.CompilerServices;

namespace UnixIpc;

public sealed partial class SystemVMessageQueue
{
    /// <summary>
    /// Receives the message <paramref name="selector"/> picks, if there is one now (IPC_NOWAIT);
    /// <see langword="false"/> when there is none (ENOMSG).
    /// </summary>
    /// <param name="buffer">Where the text goes. A longer message fails with E2BIG and stays queued, unless <paramref name="truncate"/>.</param>
    /// <param name="message">Type and length of what was received.</param>
    /// <param name="selector">Which message (default: the first of any type).</param>
    /// <param name="truncate">Cut a longer message to the buffer and drop the rest (MSG_NOERROR).</param>
    public bool TryReceive(Span<byte> buffer, out SystemVMessageInfo message, MessageSelector selector = default, bool truncate = false)
        => ReceiveCore(buffer, selector, truncate, Interop.IPC_NOWAIT, scope: null, out message);

    /// <summary>Receives the first message of any type, waiting up to <paramref name="timeout"/>; <see langword="false"/> if none came.</summary>
    /// <param name="buffer">Where the text goes. A longer message fails with E2BIG and stays queued.</param>
    /// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> waits without limit.</param>
    /// <param name="message">Type and length of what was received.</param>
    public bool TryReceive(Span<byte> buffer, TimeSpan timeout, out SystemVMessageInfo message)
        => TryReceive(buffer, MessageSelector.Any, truncate: false, timeout, out message);

    /// <summary>Receives, waiting up to <paramref name="timeout"/> for a message <paramref name="selector"/> picks; <see langword="false"/> if none came.</summary>
    /// <param name="buffer">Where the text goes. A longer message fails with E2BIG and stays queued, unless <paramref name="truncate"/>.</param>
    /// <param name="selector">Which message (not <see cref="MessageSelector.CopyAt"/>, which cannot wait).</param>
    /// <param name="truncate">Cut a longer message to the buffer and drop the rest (MSG_NOERROR).</param>
    /// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> waits without limit.</param>
    /// <param name="message">Type and length of what was received.</param>
    public bool TryReceive(Span<byte> buffer, MessageSelector selector, bool truncate, TimeSpan timeout, out SystemVMessageInfo message)
    {
        ValidateWaitable(selector);
        Timeouts.Validate(timeout);
        if (ReceiveCore(buffer, selector, truncate, Interop.IPC_NOWAIT, scope: null, out message))
        {
            return true;
        }

        using SignalInterrupter.Scope scope = SignalInterrupter.Begin(timeout, CancellationToken.None);
        return ReceiveCore(buffer, selector, truncate, 0, scope, out message);
    }

    /// <summary>Receives, waiting as long as it takes for a matching message, or until <paramref name="cancellationToken"/> fires.</summary>
    /// <exception cref="IpcObjectRemovedException">The queue was removed while this call waited.</exception>
    public SystemVMessageInfo Receive(Span<byte> buffer, MessageSelector selector = default, bool truncate = false, CancellationToken cancellationToken = default)
    {
        ValidateWaitable(selector);
        SystemVMessageInfo message;
        if (!cancellationToken.CanBeCanceled)
        {
            ReceiveCore(buffer, selector, truncate, 0, scope: null, out message);
            return message;
        }

        cancellationToken.ThrowIfCancellationRequested();
        using SignalInterrupter.Scope scope = SignalInterrupter.Begin(Timeout.InfiniteTimeSpan, cancellationToken);
        ReceiveCore(buffer, selector, truncate, 0, scope, out message);
        return message;
    }

    /// <summary>
    /// Receives, waiting on a dedicated waiter thread (none is taken if a message is there now). Cancellation
    /// interrupts the wait promptly and leaves every message queued.
    /// </summary>
    public ValueTask<SystemVMessageInfo> ReceiveAsync(Memory<byte> buffer, MessageSelector selector = default, bool truncate = false, CancellationToken cancellationToken = default)
    {
        ValidateWaitable(selector);
        cancellationToken.ThrowIfCancellationRequested();
        if (ReceiveCore(buffer.Span, selector, truncate, Interop.IPC_NOWAIT, scope: null, out SystemVMessageInfo message))
        {
            return ValueTask.FromResult(message);
        }

        return ReceiveOnWaiterThread(buffer, selector, truncate, cancellationToken);
    }

    // Apart from the caller so that its closure is allocated only when a wait is needed: captured parameters make
    // the compiler allocate the closure on entry to the method that declares them, on the immediate path too.
    private ValueTask<SystemVMessageInfo> ReceiveOnWaiterThread(Memory<byte> buffer, MessageSelector selector, bool truncate, CancellationToken cancellationToken)
        => new(WaiterThreads.Run(() => Receive(buffer.Span, selector, truncate, cancellationToken)));

    /// <summary>
    /// Completes with <see langword="true"/> when a message <paramref name="selector"/> picks is waiting, or with
    /// <see langword="false"/> when the queue is removed (or was already gone). Nothing is received, so another
    /// receiver may take the message first. The wait runs on a dedicated waiter thread (none is taken if a
    /// message is there now); cancellation interrupts it promptly.
    /// </summary>
    /// <remarks>
    /// System V gives nothing to poll: the waiter blocks in msgrcv with a zero-byte buffer, which the kernel
    /// answers with E2BIG, leaving the message queued. An empty (zero-length) message fits in zero bytes, so the
    /// kernel hands that one over instead: the wait sends it straight back, with its type, at the end of the
    /// queue. Where empty messages must keep their place, receive instead (as <see cref="AsChannelReader"/> does).
    /// </remarks>
    /// <param name="selector">Which message to wait for (not <see cref="MessageSelector.CopyAt"/>).</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>.</param>
    public ValueTask<bool> WaitToReceiveAsync(MessageSelector selector = default, CancellationToken cancellationToken = default)
    {
        ValidateWaitable(selector);
        cancellationToken.ThrowIfCancellationRequested();
        if (ProbeCore(selector, Interop.IPC_NOWAIT, scope: null) is bool now)
        {
            return ValueTask.FromResult(now);
        }

        return WaitToReceiveOnWaiterThread(selector, cancellationToken);
    }

    // Apart from the caller so that its closure is allocated only when a wait is needed: captured parameters make
    // the compiler allocate the closure on entry to the method that declares them, on the immediate path too.
    private ValueTask<bool> WaitToReceiveOnWaiterThread(MessageSelector selector, CancellationToken cancellationToken)
        => new(WaiterThreads.Run(() =>
        {
            if (!cancellationToken.CanBeCanceled)
            {
                return ProbeCore(selector, 0, scope: null) ?? false;
            }

            using SignalInterrupter.Scope scope = SignalInterrupter.Begin(Timeout.InfiniteTimeSpan, cancellationToken);
            return ProbeCore(selector, 0, scope) ?? false;
        }));

    /// <param name="selector">Which messages (default: all, in order).</param>
    /// <param name="maxSize">The largest message expected; longer ones fail with E2BIG (default: /proc/sys/kernel/msgmax).</param>
    /// <param name="cancellationToken">Ends the enumeration.</param>
    public async IAsyncEnumerable<SystemVMessage> ReceiveAllAsync(MessageSelector selector = default, int maxSize = 0, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var buffer = new byte[maxSize > 0 ? maxSize : SystemVMessageQueueLimits.MaxMessageSize];
        while (true)
        {
            SystemVMessageInfo info = await ReceiveAsync(buffer, selector, truncate: false, cancellationToken).ConfigureAwait(false);
            yield return new SystemVMessage(info.Type, buffer.AsSpan(0, info.Length).ToArray());
        }
    }

    private unsafe bool ReceiveCore(Span<byte> buffer, MessageSelector selector, bool truncate, int flags, SignalInterrupter.Scope? scope, out SystemVMessageInfo message)
    {
        flags |= selector.Flags | (truncate ? Interop.MSG_NOERROR : 0);
        if (selector.IsCopy)
        {
            flags |= Interop.IPC_NOWAIT;
        }

        int total = sizeof(long) + buffer.Length;
        byte[]? rented = null;
        Span<byte> native = total <= 16 * 1024 ? stackalloc byte[total] : (rented = ArrayPool<byte>.Shared.Rent(total));
        try
        {
            fixed (byte* raw = native)
            {
                while (true)
                {
                    if (scope?.ThrowIfCanceledOrTimedOut() == true)
                    {
                        message = default;
                        return false;
                    }

                    nint received = Interop.MsgRcv(Id, raw, (nuint)buffer.Length, selector.MessageType, flags);
                    if (received >= 0)
                    {
                        new ReadOnlySpan<byte>(raw + sizeof(long), (int)received).CopyTo(buffer);
                        message = new SystemVMessageInfo(*(long*)raw, (int)received);
                        return true;
                    }

                    Errno error = Interop.LastErrno;
                    if (error == Errno.ENOMSG && (flags & Interop.IPC_NOWAIT) != 0)
                    {
                        message = default;
                        return false;
                    }

                    if (error != Errno.EINTR)
                    {
                        throw Interop.Fail(error, "msgrcv", IdText, $"{Id}, buffer of {buffer.Length} bytes, {selector}{(truncate ? ", MSG_NOERROR" : string.Empty)}");
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

    // A zero-byte msgrcv: true when a matching message is waiting (E2BIG, left queued), false when the queue is
    // gone (EIDRM while waiting, EINVAL for a removed id), null when there is none now (IPC_NOWAIT only). An
    // empty message is taken by the call itself and sent back at once, whatever the scope says by then.
    private unsafe bool? ProbeCore(MessageSelector selector, int flags, SignalInterrupter.Scope? scope)
    {
        flags |= selector.Flags;
        long type;
        while (true)
        {
            if (scope?.ThrowIfCanceledOrTimedOut() == true)
            {
                return null;
            }

            if (Interop.MsgRcv(Id, &type, 0, selector.MessageType, flags) >= 0)
            {
                try
                {
                    SendCore(type, ReadOnlySpan<byte>.Empty, 0, scope: null);
                    return true;
                }
                catch (UnixIpcException e) when (SystemVIpc.IsGone(e.Error))
                {
                    return false;
                }
            }

            Errno error = Interop.LastErrno;
            switch (error)
            {
                case Errno.E2BIG:
                    return true;
                case Errno.ENOMSG when (flags & Interop.IPC_NOWAIT) != 0:
                    return null;
                case Errno.EINTR:
                    continue;
                case Errno.EIDRM or Errno.EINVAL:
                    return false;
                default:
                    throw Interop.Fail(error, "msgrcv", IdText, $"{Id}, buffer of 0 bytes, {selector}");
            }
        }
    }

    private static void ValidateWaitable(MessageSelector selector)
    {
        if (selector.IsCopy)
        {
            throw new ArgumentException("MessageSelector.CopyAt cannot wait (MSG_COPY needs IPC_NOWAIT): use TryReceive without a time-out.", nameof(selector));
        }
    }
}

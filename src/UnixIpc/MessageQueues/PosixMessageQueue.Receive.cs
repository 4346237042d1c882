using System.Runtime.CompilerServices;

namespace UnixIpc;

public sealed partial class PosixMessageQueue
{
    /// <summary>Receives the highest-priority message if there is one; <see langword="false"/> when the queue is empty. Never blocks.</summary>
    /// <param name="buffer">At least <see cref="MaxMessageSize"/> bytes (the kernel refuses smaller buffers even for short messages).</param>
    /// <param name="message">Length and priority of the message received.</param>
    public bool TryReceive(Span<byte> buffer, out PosixMessageInfo message)
    {
        CheckReceive(buffer);
        return ReceiveCore(buffer, NoWait, out message);
    }

    /// <summary>Receives, waiting up to <paramref name="timeout"/> for a message; <see langword="false"/> if none came.</summary>
    public bool TryReceive(Span<byte> buffer, TimeSpan timeout, out PosixMessageInfo message)
    {
        CheckReceive(buffer);
        Timeouts.Validate(timeout);
        if (timeout == Timeout.InfiniteTimeSpan)
        {
            message = Receive(buffer);
            return true;
        }

        long deadline = DeadlineFrom(timeout);
        while (true)
        {
            if (ReceiveCore(buffer, _nonBlocking ? NoWait : deadline, out message))
            {
                return true;
            }

            TimeSpan remaining = RemainingUntil(deadline);
            if (remaining <= TimeSpan.Zero || !WaitReady(Readiness.Read, remaining, CancellationToken.None))
            {
                return false;
            }
        }
    }

    /// <summary>Receives, waiting as long as it takes for a message (or until <paramref name="cancellationToken"/> fires).</summary>
    public PosixMessageInfo Receive(Span<byte> buffer, CancellationToken cancellationToken = default)
    {
        CheckReceive(buffer);
        PosixMessageInfo message;
        if (!cancellationToken.CanBeCanceled && !_nonBlocking && ReceiveCore(buffer, deadline: null, out message))
        {
            return message;
        }

        while (!ReceiveCore(buffer, NoWait, out message))
        {
            WaitReady(Readiness.Read, Timeout.InfiniteTimeSpan, cancellationToken);
        }

        return message;
    }

    /// <summary>
    /// Receives, awaiting a message without holding a thread. Cancellation completes the task promptly
    /// and leaves every message in the queue.
    /// </summary>
    public async ValueTask<PosixMessageInfo> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        CheckReceive(buffer.Span);
        PosixMessageInfo message;
        while (!ReceiveCore(buffer.Span, NoWait, out message))
        {
            ObjectDisposedException.ThrowIf(!await WaitToReceiveAsync(cancellationToken).ConfigureAwait(false), this);
        }

        return message;
    }

    /// <summary>Completes when a message is waiting (true), or when this handle is disposed (false). Another receiver may take it first.</summary>
    public ValueTask<bool> WaitToReceiveAsync(CancellationToken cancellationToken = default)
    {
        CheckAccess(MessageQueueAccess.Receive);
        return new ValueTask<bool>(EpollReactor.Shared.WaitAsync(Handle.Fd, Readiness.Read, cancellationToken));
    }

    /// <summary>Receives message after message as they arrive, each in a new array (this allocates; the Try/Receive forms do not).</summary>
    public async IAsyncEnumerable<PosixMessage> ReceiveAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var buffer = new byte[MaxMessageSize];
        while (true)
        {
            PosixMessageInfo info = await ReceiveAsync(buffer, cancellationToken).ConfigureAwait(false);
            yield return new PosixMessage(buffer.AsSpan(0, info.Length).ToArray(), info.Priority);
        }
    }

    // One mq_timedreceive, EINTR retried; deadline as for SendCore.
    private unsafe bool ReceiveCore(Span<byte> buffer, long? deadline, out PosixMessageInfo message)
    {
        uint priority;
        fixed (byte* bytes = buffer)
        {
            while (true)
            {
                Interop.timespec at = deadline is long d && d != NoWait ? Interop.timespec.RealtimeDeadline(RemainingUntil(d)) : default;
                nint length = Interop.MqTimedReceive(Handle, bytes, (nuint)buffer.Length, &priority, deadline is null ? null : &at);
                if (length >= 0)
                {
                    message = new PosixMessageInfo((int)length, (int)priority);
                    return true;
                }

                Errno error = Interop.LastErrno;
                if (error is Errno.ETIMEDOUT or Errno.EAGAIN)
                {
                    message = default;
                    return false;
                }

                if (error != Errno.EINTR)
                {
                    throw Interop.Fail(error, "mq_timedreceive", Name, $"{Name}, buffer of {buffer.Length} bytes");
                }
            }
        }
    }

    private void CheckReceive(ReadOnlySpan<byte> buffer)
    {
        CheckAccess(MessageQueueAccess.Receive);
        if (buffer.Length < MaxMessageSize)
        {
            throw new ArgumentException($"The buffer is {buffer.Length} bytes; receiving from {Name} needs at least {MaxMessageSize} (its mq_msgsize), whatever the message's length.", nameof(buffer));
        }
    }
}

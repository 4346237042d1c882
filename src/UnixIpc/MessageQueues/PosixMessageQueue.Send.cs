namespace UnixIpc;

public sealed partial class PosixMessageQueue
{
    /// <summary>Sends if there is room now; <see langword="false"/> when the queue is full. Never blocks.</summary>
    /// <param name="message">Up to <see cref="MaxMessageSize"/> bytes (0 is allowed).</param>
    /// <param name="priority">0 (lowest, the default) to 32767; higher priorities are received first.</param>
    public bool TrySend(ReadOnlySpan<byte> message, int priority = 0)
    {
        CheckSend(message, priority);
        return SendCore(message, priority, NoWait);
    }

    /// <summary>Sends, waiting up to <paramref name="timeout"/> for room; <see langword="false"/> if none came.</summary>
    /// <param name="message">Up to <see cref="MaxMessageSize"/> bytes.</param>
    /// <param name="priority">0 to 32767.</param>
    /// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> waits without limit.</param>
    public bool TrySend(ReadOnlySpan<byte> message, int priority, TimeSpan timeout)
    {
        CheckSend(message, priority);
        Timeouts.Validate(timeout);
        if (timeout == Timeout.InfiniteTimeSpan)
        {
            Send(message, priority);
            return true;
        }

        long deadline = DeadlineFrom(timeout);
        while (true)
        {
            // Blocking descriptor: the kernel waits (mq_timedsend). O_NONBLOCK set: try, then wait on epoll.
            if (SendCore(message, priority, _nonBlocking ? NoWait : deadline))
            {
                return true;
            }

            TimeSpan remaining = RemainingUntil(deadline);
            if (remaining <= TimeSpan.Zero || !WaitReady(Readiness.Write, remaining, CancellationToken.None))
            {
                return false;
            }
        }
    }

    /// <summary>Sends, waiting as long as it takes for room (or until <paramref name="cancellationToken"/> fires).</summary>
    public void Send(ReadOnlySpan<byte> message, int priority = 0, CancellationToken cancellationToken = default)
    {
        CheckSend(message, priority);
        // Nothing to cancel and a blocking descriptor: a plain blocking mq_send, woken by the kernel in order.
        if (!cancellationToken.CanBeCanceled && !_nonBlocking && SendCore(message, priority, deadline: null))
        {
            return;
        }

        while (!SendCore(message, priority, NoWait))
        {
            WaitReady(Readiness.Write, Timeout.InfiniteTimeSpan, cancellationToken);
        }
    }

    /// <summary>Sends, awaiting room without holding a thread. Cancellation leaves nothing sent.</summary>
    public async ValueTask SendAsync(ReadOnlyMemory<byte> message, int priority = 0, CancellationToken cancellationToken = default)
    {
        CheckSend(message.Span, priority);
        while (!SendCore(message.Span, priority, NoWait))
        {
            ObjectDisposedException.ThrowIf(!await WaitToSendAsync(cancellationToken).ConfigureAwait(false), this);
        }
    }

    /// <summary>Completes when the queue has room (true), or when this handle is disposed (false). Another sender may take the room first.</summary>
    public ValueTask<bool> WaitToSendAsync(CancellationToken cancellationToken = default)
    {
        CheckAccess(MessageQueueAccess.Send);
        return new ValueTask<bool>(EpollReactor.Shared.WaitAsync(Handle.Fd, Readiness.Write, cancellationToken));
    }

    // One mq_timedsend, EINTR retried. deadline: null waits without limit; NoWait makes one attempt (a deadline
    // at the epoch: full → false at once); otherwise a monotonic timestamp, converted to CLOCK_REALTIME afresh
    // for every attempt so a retry after EINTR keeps the original end.
    private unsafe bool SendCore(ReadOnlySpan<byte> message, int priority, long? deadline)
    {
        fixed (byte* bytes = message)
        {
            while (true)
            {
                Interop.timespec at = deadline is long d && d != NoWait ? Interop.timespec.RealtimeDeadline(RemainingUntil(d)) : default;
                if (Interop.MqTimedSend(Handle, bytes, (nuint)message.Length, (uint)priority, deadline is null ? null : &at) == 0)
                {
                    return true;
                }

                Errno error = Interop.LastErrno;
                if (error is Errno.ETIMEDOUT or Errno.EAGAIN)
                {
                    return false;
                }

                if (error != Errno.EINTR)
                {
                    throw Interop.Fail(error, "mq_timedsend", Name, $"{Name}, {message.Length} bytes, priority {priority}");
                }
            }
        }
    }

    private void CheckSend(ReadOnlySpan<byte> message, int priority)
    {
        CheckAccess(MessageQueueAccess.Send);
        if (message.Length > MaxMessageSize)
        {
            throw new ArgumentException($"The message is {message.Length} bytes; {Name} takes at most {MaxMessageSize} (its mq_msgsize).", nameof(message));
        }

        if ((uint)priority >= PosixMessageQueueLimits.PriorityLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(priority), priority, $"Priorities run from 0 to {PosixMessageQueueLimits.PriorityLimit - 1} (MQ_PRIO_MAX - 1).");
        }
    }

    private void CheckAccess(MessageQueueAccess needed)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        if (Access != MessageQueueAccess.SendReceive && Access != needed)
        {
            throw new NotSupportedException($"{Name} was opened for {(Access == MessageQueueAccess.Send ? "sending" : "receiving")} only (the kernel would answer EBADF).");
        }
    }

    // Blocks the calling thread until the descriptor is ready (true), the time is up (false) or the token fires.
    // The wait itself is the reactor's; a time-out cancels the registration so nothing is left behind.
    private bool WaitReady(Readiness readiness, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using CancellationTokenSource? timer = timeout == Timeout.InfiniteTimeSpan ? null : new CancellationTokenSource(timeout);
        using CancellationTokenSource? linked = timer is null ? null : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        Task<bool> ready = EpollReactor.Shared.WaitAsync(Handle.Fd, readiness, linked?.Token ?? cancellationToken);
        bool result;
        try
        {
            result = ready.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }

        return result ? true : throw new ObjectDisposedException(ToString());
    }

    /// <summary>The deadline that means "do not wait".</summary>
    private const long NoWait = long.MinValue;

    // Deadlines are kept on the monotonic clock (Timeouts); each mq_timed* call converts what remains to CLOCK_REALTIME.
    private static long DeadlineFrom(TimeSpan timeout) => Timeouts.DeadlineFrom(timeout);

    private static TimeSpan RemainingUntil(long deadline) => Timeouts.RemainingUntil(deadline);
}

namespace UnixIpc;

public sealed partial class PosixSemaphore
{
    /// <summary>Takes one if the value is above 0 (sem_trywait); <see langword="false"/> at 0. Never blocks.</summary>
    public bool TryWait()
    {
        while (true)
        {
            if (Interop.SemTryWait(Handle) == 0)
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
                throw Interop.Fail(error, "sem_trywait", Describe);
            }
        }
    }

    /// <summary>
    /// Takes one, waiting up to <paramref name="timeout"/> (sem_clockwait on CLOCK_MONOTONIC, so wall-clock
    /// changes do not matter); <see langword="false"/> if the time ran out. Succeeds at once when it can.
    /// </summary>
    public unsafe bool TryWait(TimeSpan timeout)
    {
        Timeouts.Validate(timeout);

        if (timeout == Timeout.InfiniteTimeSpan)
        {
            Wait();
            return true;
        }

        // One absolute deadline for the whole wait: an EINTR retry continues towards the same moment.
        Interop.timespec deadline = Interop.DeadlineOn(Interop.CLOCK_MONOTONIC, timeout);
        while (true)
        {
            if (Interop.SemClockWait(Handle, Interop.CLOCK_MONOTONIC, &deadline) == 0)
            {
                return true;
            }

            Errno error = Interop.LastErrno;
            if (error == Errno.ETIMEDOUT)
            {
                return false;
            }

            if (error != Errno.EINTR)
            {
                throw Interop.Fail(error, "sem_clockwait", Describe);
            }
        }
    }

    /// <summary>Takes one, waiting as long as it takes (sem_wait), or until <paramref name="cancellationToken"/> fires.</summary>
    public void Wait(CancellationToken cancellationToken = default)
    {
        if (!cancellationToken.CanBeCanceled)
        {
            WaitCore(scope: null);
            return;
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (TryWait())
        {
            return;
        }

        using SignalInterrupter.Scope scope = SignalInterrupter.Begin(Timeout.InfiniteTimeSpan, cancellationToken);
        WaitCore(scope);
    }

    /// <summary>
    /// Takes one, waiting on a dedicated waiter thread (none is used when the value is above 0 now).
    /// Cancellation ends the wait promptly and takes nothing.
    /// </summary>
    public ValueTask WaitAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (TryWait())
        {
            return ValueTask.CompletedTask;
        }

        return WaitOnWaiterThread(cancellationToken);
    }

    // Apart from the caller so that its closure is allocated only when a wait is needed: captured parameters make
    // the compiler allocate the closure on entry to the method that declares them, on the immediate path too.
    private ValueTask WaitOnWaiterThread(CancellationToken cancellationToken)
        => new(WaiterThreads.Run(() =>
        {
            Wait(cancellationToken);
            return true;
        }));

    /// <summary>Adds <paramref name="releaseCount"/> (sem_post each), waking that many waiters.</summary>
    /// <exception cref="UnixIpcException">EOVERFLOW at SEM_VALUE_MAX (int.MaxValue); the posts before it stand.</exception>
    public void Release(int releaseCount = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(releaseCount);
        for (int i = 0; i < releaseCount; i++)
        {
            if (Interop.SemPost(Handle) == -1)
            {
                throw Interop.Fail(Interop.LastErrno, "sem_post", Describe);
            }
        }
    }

    private void WaitCore(SignalInterrupter.Scope? scope)
    {
        while (true)
        {
            scope?.ThrowIfCanceledOrTimedOut();
            if (Interop.SemWait(Handle) == 0)
            {
                return;
            }

            Errno error = Interop.LastErrno;
            if (error != Errno.EINTR)
            {
                throw Interop.Fail(error, "sem_wait", Describe);
            }
        }
    }
}

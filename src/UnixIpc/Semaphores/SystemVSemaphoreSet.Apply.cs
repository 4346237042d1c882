namespace UnixIpc;

public sealed partial class SystemVSemaphoreSet
{
    /// <summary>
    /// Applies all <paramref name="operations"/> atomically if none would block now; <see langword="false"/>
    /// (and nothing changed) otherwise. Every operation gets IPC_NOWAIT.
    /// </summary>
    public bool TryApply(params ReadOnlySpan<SemaphoreOperation> operations)
        => ApplyCore(operations, forceNoWait: true, timeout: null, scope: null);

    /// <summary>Applies all operations atomically, waiting up to <paramref name="timeout"/> (semtimedop); <see langword="false"/> if it ran out (then nothing is applied).</summary>
    /// <param name="operations">The operations, applied all together or not at all.</param>
    /// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> waits without limit.</param>
    public bool TryApply(ReadOnlySpan<SemaphoreOperation> operations, TimeSpan timeout)
    {
        Timeouts.Validate(timeout);

        return timeout == Timeout.InfiniteTimeSpan
            ? ApplyCore(operations, forceNoWait: false, timeout: null, scope: null)
            : ApplyCore(operations, forceNoWait: false, timeout, scope: null);
    }

    /// <summary>Applies all operations atomically, waiting as long as it takes (operations marked NoWait excepted).</summary>
    /// <exception cref="UnixIpcException">EAGAIN when an operation marked <see cref="SemaphoreOperation.NoWait"/> would block.</exception>
    /// <exception cref="IpcObjectRemovedException">The set was removed while this call waited.</exception>
    public void Apply(params ReadOnlySpan<SemaphoreOperation> operations) => Apply(operations, CancellationToken.None);

    /// <summary>Applies all operations atomically, waiting until they can be, or until <paramref name="cancellationToken"/> fires (then nothing is applied).</summary>
    /// <param name="operations">The operations, applied all together or not at all.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>.</param>
    /// <exception cref="UnixIpcException">EAGAIN when an operation marked <see cref="SemaphoreOperation.NoWait"/> would block.</exception>
    /// <exception cref="IpcObjectRemovedException">The set was removed while this call waited.</exception>
    public void Apply(ReadOnlySpan<SemaphoreOperation> operations, CancellationToken cancellationToken)
    {
        bool applied;
        if (!cancellationToken.CanBeCanceled)
        {
            applied = ApplyCore(operations, forceNoWait: false, timeout: null, scope: null);
        }
        else
        {
            cancellationToken.ThrowIfCancellationRequested();
            using SignalInterrupter.Scope scope = SignalInterrupter.Begin(Timeout.InfiniteTimeSpan, cancellationToken);
            applied = ApplyCore(operations, forceNoWait: false, timeout: null, scope);
        }

        if (!applied)
        {
            throw Interop.Fail(Errno.EAGAIN, "semop", IdText, Describe(operations));
        }
    }

    /// <summary>Applies all operations atomically, waiting on a dedicated waiter thread (none is used if they apply at once).</summary>
    public ValueTask ApplyAsync(SemaphoreOperation[] operations, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(operations);
        cancellationToken.ThrowIfCancellationRequested();
        if (TryApply(operations))
        {
            return ValueTask.CompletedTask;
        }

        return ApplyOnWaiterThread(operations, cancellationToken);
    }

    // Apart from the caller so that its closure is allocated only when a wait is needed: captured parameters make
    // the compiler allocate the closure on entry to the method that declares them, on the immediate path too.
    private ValueTask ApplyOnWaiterThread(SemaphoreOperation[] operations, CancellationToken cancellationToken)
        => new(WaiterThreads.Run(() =>
        {
            Apply(operations, cancellationToken);
            return true;
        }));

    // semop or semtimedop. EAGAIN → false (a NoWait operation would block, or the time-out ran out).
    // EINTR is retried, with the remaining time for semtimedop, unless the scope ended the wait.
    private unsafe bool ApplyCore(ReadOnlySpan<SemaphoreOperation> operations, bool forceNoWait, TimeSpan? timeout, SignalInterrupter.Scope? scope)
    {
        if (operations.IsEmpty)
        {
            throw new ArgumentException("Give at least one operation (the kernel answers EINVAL to none).", nameof(operations));
        }

        Span<Interop.sembuf> buffers = operations.Length <= 64 ? stackalloc Interop.sembuf[operations.Length] : new Interop.sembuf[operations.Length];
        for (int i = 0; i < operations.Length; i++)
        {
            SemaphoreOperation op = operations[i];
            ValidateIndex(op.Index);
            buffers[i] = new Interop.sembuf
            {
                sem_num = (ushort)op.Index,
                sem_op = (short)op.Delta,
                sem_flg = (short)((op.Undo ? Interop.SEM_UNDO : 0) | (op.NoWait || forceNoWait ? Interop.IPC_NOWAIT : 0)),
            };
        }

        long deadline = timeout is TimeSpan t ? Timeouts.DeadlineFrom(t) : Timeouts.NoDeadline;
        fixed (Interop.sembuf* sops = buffers)
        {
            while (true)
            {
                if (scope?.ThrowIfCanceledOrTimedOut() == true)
                {
                    return false;
                }

                int result;
                if (timeout is null)
                {
                    result = Interop.SemOp(Id, sops, (nuint)operations.Length);
                }
                else
                {
                    Interop.timespec relative = Interop.timespec.Relative(Timeouts.RemainingUntil(deadline));
                    result = Interop.SemTimedOp(Id, sops, (nuint)operations.Length, &relative);
                }

                if (result == 0)
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
                    throw Interop.Fail(error, timeout is null ? "semop" : "semtimedop", IdText, Describe(operations));
                }
            }
        }
    }

    private string Describe(ReadOnlySpan<SemaphoreOperation> operations)
    {
        var parts = new string[operations.Length];
        for (int i = 0; i < operations.Length; i++)
        {
            parts[i] = operations[i].ToString();
        }

        return $"{Id}, [{string.Join(", ", parts)}]";
    }
}

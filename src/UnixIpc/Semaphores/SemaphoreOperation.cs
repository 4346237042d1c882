namespace UnixIpc;

/// <summary>
/// One operation of an atomic System V semop call: on semaphore <see cref="Index"/>, add <see cref="Delta"/>
/// (&gt; 0 releases), take −<see cref="Delta"/> (&lt; 0 acquires, waiting while the value is too low), or wait
/// for the value to be zero (0).
/// </summary>
public readonly record struct SemaphoreOperation
{
    /// <summary>Describes one operation.</summary>
    /// <param name="index">Which semaphore of the set (sem_num).</param>
    /// <param name="delta">−32767 to 32767 (sem_op).</param>
    /// <param name="undo">SEM_UNDO: the kernel reverts this change when the process exits, however it exits.</param>
    /// <param name="noWait">IPC_NOWAIT for this operation: fail instead of waiting.</param>
    public SemaphoreOperation(int index, int delta, bool undo = false, bool noWait = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(index, ushort.MaxValue);
        if (delta is < -SystemVSemaphoreSet.MaxValue or > SystemVSemaphoreSet.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(delta), delta, $"A semaphore operation adds or takes at most {SystemVSemaphoreSet.MaxValue} (SEMVMX).");
        }

        Index = index;
        Delta = delta;
        Undo = undo;
        NoWait = noWait;
    }

    /// <summary>The semaphore's index in the set.</summary>
    public int Index { get; }

    /// <summary>What to add (negative: take; zero: wait for zero).</summary>
    public int Delta { get; }

    /// <summary>SEM_UNDO: reverted by the kernel at process exit.</summary>
    public bool Undo { get; }

    /// <summary>IPC_NOWAIT for this operation.</summary>
    public bool NoWait { get; }

    /// <summary>Take <paramref name="count"/> from semaphore <paramref name="index"/> (waits while the value is lower).</summary>
    public static SemaphoreOperation Acquire(int index, int count = 1, bool undo = false) => new(index, -CheckCount(count), undo);

    /// <summary>Add <paramref name="count"/> to semaphore <paramref name="index"/>.</summary>
    public static SemaphoreOperation Release(int index, int count = 1, bool undo = false) => new(index, CheckCount(count), undo);

    /// <summary>Wait until semaphore <paramref name="index"/> is zero.</summary>
    public static SemaphoreOperation WaitForZero(int index) => new(index, 0);

    /// <inheritdoc/>
    public override string ToString() => $"{Index}:{(Delta > 0 ? "+" : string.Empty)}{Delta}{(Undo ? " undo" : string.Empty)}{(NoWait ? " nowait" : string.Empty)}";

    private static int CheckCount(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        return count;
    }
}

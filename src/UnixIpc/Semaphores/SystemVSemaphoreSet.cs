using System.Diagnostics.CodeAnalysis;

namespace UnixIpc;

/// <summary>
/// A System V semaphore set (semget): N counters changed by atomic multi-operation calls (semop), with
/// per-operation undo at process exit (SEM_UNDO), looked up by <see cref="IpcKey"/> or id. C programs
/// reach the same set with <c>semget(ftok(path, id), n, ...)</c>.
/// </summary>
/// <remarks>
/// <para>Lifetime: until <see cref="Remove()"/> (IPC_RMID), which is immediate: every process blocked on
/// the set wakes with <see cref="IpcObjectRemovedException"/> and later calls on the id get EINVAL.</para>
/// <para>Waiting: as for <see cref="SystemVMessageQueue"/>: the calling thread blocks in the kernel; time-outs
/// use semtimedop; cancellation wakes it through <see cref="SignalInterrupter"/>; async calls wait on a
/// dedicated waiter thread. EINTR the library did not cause is retried.</para>
/// </remarks>
public sealed partial class SystemVSemaphoreSet
{
    /// <summary>SEMVMX: the largest value a semaphore can hold.</summary>
    public const int MaxValue = 32767;

    private SystemVSemaphoreSet(int id, IpcKey key, int count)
    {
        Id = id;
        Key = key;
        Count = count;
    }

    /// <summary>The set id (what ipcs -s shows as semid).</summary>
    public int Id { get; }

    /// <summary>The key the set was obtained with (<see cref="IpcKey.Private"/> when opened by id).</summary>
    public IpcKey Key { get; }

    /// <summary>How many semaphores the set has (fixed at creation).</summary>
    public int Count { get; }

    private string IdText => SystemVIpc.IdText(Id);

    /// <summary>
    /// Creates a set of <paramref name="count"/> semaphores that must not exist yet (IPC_CREAT|IPC_EXCL) and sets
    /// every value to <paramref name="initialValue"/> (SETALL: Linux starts at 0, but that is not portable).
    /// </summary>
    public static SystemVSemaphoreSet CreateNew(IpcKey key, int count, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite, int initialValue = 0)
    {
        ValidateCount(count);
        SystemVIpc.ValidateMode(mode);
        ValidateValue(initialValue, nameof(initialValue));
        var set = new SystemVSemaphoreSet(Get(key, count, Interop.IPC_CREAT | Interop.IPC_EXCL | (int)mode), key, count);
        try
        {
            set.SetValues(Enumerable.Repeat(initialValue, count).ToArray());
            return set;
        }
        catch
        {
            set.Remove();
            throw;
        }
    }

    /// <summary>Returns the set with <paramref name="key"/>, creating it (values 0) if there is none. An existing set keeps its values.</summary>
    public static SystemVSemaphoreSet CreateOrOpen(IpcKey key, int count, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        SystemVIpc.ValidateSharedKey(key);
        ValidateCount(count);
        SystemVIpc.ValidateMode(mode);
        int id = Get(key, count, Interop.IPC_CREAT | (int)mode);
        return new SystemVSemaphoreSet(id, key, CountOf(id));
    }

    /// <summary>Finds an existing set by key; EINVAL if it has fewer than <paramref name="minimumCount"/> semaphores.</summary>
    /// <exception cref="UnixIpcException">ENOENT when no set has the key.</exception>
    public static SystemVSemaphoreSet OpenExisting(IpcKey key, int minimumCount = 0)
    {
        SystemVIpc.ValidateOpenKey(key);
        ArgumentOutOfRangeException.ThrowIfNegative(minimumCount);
        int id = Get(key, minimumCount, 0);
        return new SystemVSemaphoreSet(id, key, CountOf(id));
    }

    /// <summary>Finds an existing set by key; <see langword="false"/> when there is none.</summary>
    public static bool TryOpenExisting(IpcKey key, [NotNullWhen(true)] out SystemVSemaphoreSet? set)
    {
        SystemVIpc.ValidateOpenKey(key);
        int id = Interop.SemGet(key.Value, 0, 0);
        if (id == -1)
        {
            Errno error = Interop.LastErrno;
            set = null;
            return error == Errno.ENOENT ? false : throw Interop.Fail(error, "semget", key.ToString(), $"{key}, 0, 0");
        }

        set = new SystemVSemaphoreSet(id, key, CountOf(id));
        return true;
    }

    /// <summary>Refers to a set by id; checks that it exists.</summary>
    public static SystemVSemaphoreSet FromId(int id)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(id);
        Interop.semid_ds ds = StatCore(id);
        return new SystemVSemaphoreSet(id, new IpcKey(ds.sem_perm.__key), (int)ds.sem_nsems);
    }

    /// <summary>Removes the set with this id (IPC_RMID); see <see cref="Remove()"/>.</summary>
    /// <exception cref="UnixIpcException">EINVAL when no set has this id; EPERM when the caller is neither owner nor creator.</exception>
    public static void Remove(int id)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(id);
        if (!RemoveCore(id, out Errno error))
        {
            throw Interop.Fail(error, "semctl", SystemVIpc.IdText(id), $"{id}, 0, IPC_RMID");
        }
    }

    /// <summary>
    /// Removes the set with this id (IPC_RMID) if it is still there; <see langword="false"/> when it is
    /// already gone (EINVAL or EIDRM, which <see cref="Remove(int)"/> throws). Other refusals still throw.
    /// </summary>
    public static bool TryRemove(int id)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(id);
        if (RemoveCore(id, out Errno error))
        {
            return true;
        }

        return SystemVIpc.IsGone(error) ? false : throw Interop.Fail(error, "semctl", SystemVIpc.IdText(id), $"{id}, 0, IPC_RMID");
    }

    /// <summary>Removes the set at once; processes blocked on it wake with <see cref="IpcObjectRemovedException"/>.</summary>
    public void Remove() => Remove(Id);

    /// <summary>Removes the set like <see cref="Remove()"/>; <see langword="false"/> when it is already gone.</summary>
    public bool TryRemove() => TryRemove(Id);

    /// <summary>The value of semaphore <paramref name="index"/> (GETVAL).</summary>
    public int GetValue(int index) => Control(index, Interop.GETVAL, 0, "GETVAL");

    /// <summary>Sets semaphore <paramref name="index"/> to <paramref name="value"/> (SETVAL; clears every process's undo for it).</summary>
    public void SetValue(int index, int value)
    {
        ValidateValue(value, nameof(value));
        Control(index, Interop.SETVAL, value, "SETVAL");
    }

    /// <summary>All values (GETALL).</summary>
    public unsafe int[] GetValues()
    {
        var raw = new ushort[Count];
        fixed (ushort* values = raw)
        {
            Interop.Check(Interop.SemCtl(Id, 0, Interop.GETALL, (nint)values), "semctl", IdText, $"{Id}, 0, GETALL");
        }

        return Array.ConvertAll(raw, v => (int)v);
    }

    /// <summary>Sets every value at once (SETALL; clears every process's undo for the set).</summary>
    public unsafe void SetValues(params int[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Length != Count)
        {
            throw new ArgumentException($"The set has {Count} semaphores; {values.Length} values were given.", nameof(values));
        }

        var raw = new ushort[Count];
        for (int i = 0; i < values.Length; i++)
        {
            ValidateValue(values[i], nameof(values));
            raw[i] = (ushort)values[i];
        }

        fixed (ushort* pointer = raw)
        {
            Interop.Check(Interop.SemCtl(Id, 0, Interop.SETALL, (nint)pointer), "semctl", IdText, $"{Id}, 0, SETALL");
        }
    }

    /// <summary>How many processes wait for semaphore <paramref name="index"/> to rise (GETNCNT).</summary>
    public int GetWaitingForIncrease(int index) => Control(index, Interop.GETNCNT, 0, "GETNCNT");

    /// <summary>How many processes wait for semaphore <paramref name="index"/> to be zero (GETZCNT).</summary>
    public int GetWaitingForZero(int index) => Control(index, Interop.GETZCNT, 0, "GETZCNT");

    /// <summary>The pid of the last process that operated on semaphore <paramref name="index"/> (GETPID; Linux also sets it on SETVAL).</summary>
    public int GetLastProcessId(int index) => Control(index, Interop.GETPID, 0, "GETPID");

    /// <summary>Reads the set's state (IPC_STAT).</summary>
    public SystemVSemaphoreSetStatus Stat()
    {
        Interop.semid_ds ds = StatCore(Id);
        return new SystemVSemaphoreSetStatus
        {
            Key = new IpcKey(ds.sem_perm.__key),
            Id = Id,
            Count = (int)ds.sem_nsems,
            Mode = (UnixFileMode)(ds.sem_perm.mode & 0x1FF),
            OwnerUserId = (int)ds.sem_perm.uid,
            OwnerGroupId = (int)ds.sem_perm.gid,
            CreatorUserId = (int)ds.sem_perm.cuid,
            CreatorGroupId = (int)ds.sem_perm.cgid,
            LastOperationTime = SystemVIpc.Time(ds.sem_otime),
            ChangeTime = DateTimeOffset.FromUnixTimeSeconds(ds.sem_ctime),
        };
    }

    /// <summary>
    /// Changes the mode and/or the owner uid/gid (IPC_SET); <see langword="null"/> keeps the current value.
    /// Only the owner or creator (or CAP_SYS_ADMIN) may; the change time is updated.
    /// </summary>
    /// <param name="mode">The new permission bits (0666 at most), or <see langword="null"/>.</param>
    /// <param name="ownerUserId">The new owner uid, or <see langword="null"/>.</param>
    /// <param name="ownerGroupId">The new owner gid, or <see langword="null"/>.</param>
    public unsafe void SetPermissions(UnixFileMode? mode = null, int? ownerUserId = null, int? ownerGroupId = null)
    {
        SystemVIpc.ValidatePermissions(mode, ownerUserId, ownerGroupId);
        Interop.semid_ds ds = StatCore(Id);
        string change = SystemVIpc.MergePermissions(ref ds.sem_perm, mode, ownerUserId, ownerGroupId);
        Interop.Check(Interop.SemCtl(Id, 0, Interop.IPC_SET, (nint)(&ds)), "semctl", IdText, $"{Id}, 0, IPC_SET, {change}");
    }

    /// <inheritdoc/>
    public override string ToString() => $"SystemVSemaphoreSet id {Id} key {Key} ({Count} semaphores)";

    private int Control(int index, int command, int value, string commandName)
    {
        ValidateIndex(index);
        return Interop.Check(Interop.SemCtl(Id, index, command, value), "semctl", IdText, $"{Id}, {index}, {commandName}");
    }

    private void ValidateIndex(int index)
    {
        if ((uint)index >= (uint)Count)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"The set has {Count} semaphores: indexes run from 0 to {Count - 1}.");
        }
    }

    private static bool RemoveCore(int id, out Errno error)
    {
        if (Interop.SemCtl(id, 0, Interop.IPC_RMID, 0) == 0)
        {
            error = Errno.None;
            return true;
        }

        error = Interop.LastErrno;
        return false;
    }

    private static int Get(IpcKey key, int count, int flags)
    {
        int id = Interop.SemGet(key.Value, count, flags);
        if (id == -1)
        {
            string shown = SystemVIpc.KeyText(key);
            throw Interop.Fail(Interop.LastErrno, "semget", shown, $"{shown}, {count}, {SystemVIpc.DescribeGetFlags(flags)}");
        }

        return id;
    }

    private static int CountOf(int id) => (int)StatCore(id).sem_nsems;

    private static unsafe Interop.semid_ds StatCore(int id)
    {
        Interop.semid_ds ds;
        Interop.Check(Interop.SemCtl(id, 0, Interop.IPC_STAT, (nint)(&ds)), "semctl", SystemVIpc.IdText(id), $"{id}, 0, IPC_STAT");
        return ds;
    }

    private static void ValidateCount(int count)
    {
        if (count < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, "A set has at least one semaphore.");
        }
    }

    private static void ValidateValue(int value, string paramName)
    {
        if (value is < 0 or > MaxValue)
        {
            throw new ArgumentOutOfRangeException(paramName, value, $"Semaphore values run from 0 to {MaxValue} (SEMVMX).");
        }
    }
}

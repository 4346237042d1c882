using System.Diagnostics.CodeAnalysis;

namespace UnixIpc;

/// <summary>
/// A System V message queue (msgget): typed messages, looked up by an <see cref="IpcKey"/> or known by id.
/// C programs reach the same queue with <c>msgget(ftok(path, id), ...)</c>; a message's type is the
/// <c>long mtype</c> that leads C's <c>struct msgbuf</c>.
/// </summary>
/// <remarks>
/// <para>Lifetime: the queue persists until <see cref="Remove()"/> (IPC_RMID), which takes effect at once:
/// every process blocked on it gets <see cref="IpcObjectRemovedException"/> (EIDRM) and the id becomes
/// invalid. An id is not a handle, so this type is not disposable.</para>
/// <para>Waiting: there is no descriptor to poll. Blocking calls block the calling thread in the kernel;
/// timed and cancellable ones are woken by <see cref="SignalInterrupter"/>; async ones wait on a dedicated
/// waiter thread, never a thread-pool thread. A signal the process receives for other reasons (the .NET
/// runtime's SIGCHLD, for one) never ends a wait: EINTR is retried.</para>
/// </remarks>
public sealed partial class SystemVMessageQueue
{
    private SystemVMessageQueue(int id, IpcKey key)
    {
        Id = id;
        Key = key;
    }

    /// <summary>The queue id (what ipcs -q shows as msqid).</summary>
    public int Id { get; }

    /// <summary>The key this queue was obtained with (<see cref="IpcKey.Private"/> when opened by id).</summary>
    public IpcKey Key { get; }

    private string IdText => SystemVIpc.IdText(Id);

    /// <summary>Creates a queue that must not exist yet (IPC_CREAT|IPC_EXCL); with <see cref="IpcKey.Private"/> always a new one.</summary>
    /// <exception cref="UnixIpcException">EEXIST when the key is taken; ENOSPC at /proc/sys/kernel/msgmni queues.</exception>
    public static SystemVMessageQueue CreateNew(IpcKey key, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        SystemVIpc.ValidateMode(mode);
        return new SystemVMessageQueue(Get(key, Interop.IPC_CREAT | Interop.IPC_EXCL | (int)mode), key);
    }

    /// <summary>Returns the queue with <paramref name="key"/>, creating it if there is none (IPC_CREAT): the same id for every caller.</summary>
    public static SystemVMessageQueue CreateOrOpen(IpcKey key, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        SystemVIpc.ValidateSharedKey(key);
        SystemVIpc.ValidateMode(mode);
        return new SystemVMessageQueue(Get(key, Interop.IPC_CREAT | (int)mode), key);
    }

    /// <summary>Finds an existing queue by key.</summary>
    /// <exception cref="UnixIpcException">ENOENT when no queue has the key.</exception>
    public static SystemVMessageQueue OpenExisting(IpcKey key)
    {
        SystemVIpc.ValidateOpenKey(key);
        return new SystemVMessageQueue(Get(key, 0), key);
    }

    /// <summary>Finds an existing queue by key; <see langword="false"/> when there is none.</summary>
    public static bool TryOpenExisting(IpcKey key, [NotNullWhen(true)] out SystemVMessageQueue? queue)
    {
        SystemVIpc.ValidateOpenKey(key);
        int id = Interop.MsgGet(key.Value, 0);
        if (id == -1)
        {
            Errno error = Interop.LastErrno;
            queue = null;
            return error == Errno.ENOENT ? false : throw Interop.Fail(error, "msgget", key.ToString(), $"{key}, 0");
        }

        queue = new SystemVMessageQueue(id, key);
        return true;
    }

    /// <summary>Refers to a queue by id (from ipcs or another process); checks that it exists.</summary>
    /// <exception cref="UnixIpcException">EINVAL when no queue has this id.</exception>
    public static SystemVMessageQueue FromId(int id)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(id);
        Interop.msqid_ds ds = StatCore(id);
        return new SystemVMessageQueue(id, new IpcKey(ds.msg_perm.__key));
    }

    /// <summary>Removes the queue with this id (IPC_RMID); see <see cref="Remove()"/>.</summary>
    /// <exception cref="UnixIpcException">EINVAL when no queue has this id; EPERM when the caller is neither owner nor creator.</exception>
    public static void Remove(int id)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(id);
        if (!RemoveCore(id, out Errno error))
        {
            throw Interop.Fail(error, "msgctl", SystemVIpc.IdText(id), $"{id}, IPC_RMID, NULL");
        }
    }

    /// <summary>
    /// Removes the queue with this id (IPC_RMID) if it is still there; <see langword="false"/> when it is
    /// already gone (EINVAL or EIDRM, which <see cref="Remove(int)"/> throws). Other refusals still throw.
    /// </summary>
    public static bool TryRemove(int id)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(id);
        if (RemoveCore(id, out Errno error))
        {
            return true;
        }

        return SystemVIpc.IsGone(error) ? false : throw Interop.Fail(error, "msgctl", SystemVIpc.IdText(id), $"{id}, IPC_RMID, NULL");
    }

    /// <summary>
    /// Removes the queue at once (IPC_RMID), with every message in it. Processes blocked in a send or receive
    /// on it wake with <see cref="IpcObjectRemovedException"/>; later calls on the id fail with EINVAL.
    /// </summary>
    public void Remove() => Remove(Id);

    /// <summary>Removes the queue like <see cref="Remove()"/>; <see langword="false"/> when it is already gone.</summary>
    public bool TryRemove() => TryRemove(Id);

    /// <summary>Reads the queue's state (IPC_STAT).</summary>
    public SystemVMessageQueueStatus Stat()
    {
        Interop.msqid_ds ds = StatCore(Id);
        return new SystemVMessageQueueStatus
        {
            Key = new IpcKey(ds.msg_perm.__key),
            Id = Id,
            Mode = (UnixFileMode)(ds.msg_perm.mode & 0x1FF),
            OwnerUserId = (int)ds.msg_perm.uid,
            OwnerGroupId = (int)ds.msg_perm.gid,
            CreatorUserId = (int)ds.msg_perm.cuid,
            CreatorGroupId = (int)ds.msg_perm.cgid,
            MessageCount = (long)ds.msg_qnum,
            Bytes = (long)ds.__msg_cbytes,
            MaxBytes = (long)ds.msg_qbytes,
            LastSendProcessId = ds.msg_lspid,
            LastReceiveProcessId = ds.msg_lrpid,
            LastSendTime = SystemVIpc.Time(ds.msg_stime),
            LastReceiveTime = SystemVIpc.Time(ds.msg_rtime),
            ChangeTime = DateTimeOffset.FromUnixTimeSeconds(ds.msg_ctime),
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
        Interop.msqid_ds ds = StatCore(Id);
        string change = SystemVIpc.MergePermissions(ref ds.msg_perm, mode, ownerUserId, ownerGroupId);
        Interop.Check(Interop.MsgCtl(Id, Interop.IPC_SET, &ds), "msgctl", IdText, $"{Id}, IPC_SET, {change}");
    }

    /// <summary>
    /// Changes the queue's byte limit (msg_qbytes, IPC_SET), which also caps how many messages it holds.
    /// Raising it above /proc/sys/kernel/msgmnb needs CAP_SYS_RESOURCE (else EPERM).
    /// </summary>
    /// <param name="maxBytes">The new limit in bytes.</param>
    public unsafe void SetMaxBytes(long maxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        Interop.msqid_ds ds = StatCore(Id);
        ds.msg_qbytes = (ulong)maxBytes;
        Interop.Check(Interop.MsgCtl(Id, Interop.IPC_SET, &ds), "msgctl", IdText, $"{Id}, IPC_SET, {{msg_qbytes={maxBytes}}}");
    }

    /// <inheritdoc/>
    public override string ToString() => $"SystemVMessageQueue id {Id} key {Key}";

    private static unsafe bool RemoveCore(int id, out Errno error)
    {
        if (Interop.MsgCtl(id, Interop.IPC_RMID, null) == 0)
        {
            error = Errno.None;
            return true;
        }

        error = Interop.LastErrno;
        return false;
    }

    private static int Get(IpcKey key, int flags)
    {
        int id = Interop.MsgGet(key.Value, flags);
        if (id == -1)
        {
            string shown = SystemVIpc.KeyText(key);
            throw Interop.Fail(Interop.LastErrno, "msgget", shown, $"{shown}, {SystemVIpc.DescribeGetFlags(flags)}");
        }

        return id;
    }

    private static unsafe Interop.msqid_ds StatCore(int id)
    {
        Interop.msqid_ds ds;
        Interop.Check(Interop.MsgCtl(id, Interop.IPC_STAT, &ds), "msgctl", SystemVIpc.IdText(id), $"{id}, IPC_STAT");
        return ds;
    }
}

using System.Diagnostics.CodeAnalysis;

namespace UnixIpc;

/// <summary>
/// A System V shared memory segment (shmget/shmat): looked up by an <see cref="IpcKey"/> or known by its
/// id, attached into a <see cref="MappedRegion"/>. C programs reach the same segment with
/// <c>shmget(ftok(path, id), ...)</c>. This object holds no kernel resource itself (an id is not a
/// handle), so it is not disposable: dispose the regions that <see cref="Attach"/> returns.
/// </summary>
/// <remarks>
/// <para>Lifetime: a segment persists until <see cref="Remove()"/> (IPC_RMID). Removal while attached only marks
/// it (SHM_DEST): the key stops finding it at once, attachments keep working, and the memory is freed at
/// the last detach; after that the id is invalid (EINVAL).</para>
/// <para>New segments are zero-filled. The mode is not subject to umask.</para>
/// </remarks>
public sealed class SystemVSharedMemory
{
    private SystemVSharedMemory(int id, IpcKey key)
    {
        Id = id;
        Key = key;
    }

    /// <summary>The segment id (what ipcs -m shows as shmid).</summary>
    public int Id { get; }

    /// <summary>The key this segment was obtained with (<see cref="IpcKey.Private"/> when opened by id).</summary>
    public IpcKey Key { get; }

    /// <summary>The segment size from IPC_STAT.</summary>
    public long Size => Stat().Size;

    /// <summary>Creates a segment that must not exist yet (IPC_CREAT|IPC_EXCL). With <see cref="IpcKey.Private"/> this always makes a new one.</summary>
    /// <param name="key">The key; <see cref="IpcKey.Private"/> for a segment reachable only by id.</param>
    /// <param name="size">Size in bytes, at least 1 (SHMMIN).</param>
    /// <param name="mode">Permissions; default owner read/write. Not subject to umask.</param>
    /// <exception cref="UnixIpcException">EEXIST when the key is taken; ENOSPC at the system's segment limits.</exception>
    public static SystemVSharedMemory CreateNew(IpcKey key, long size, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        ValidateSize(size);
        SystemVIpc.ValidateMode(mode);
        int flags = Interop.IPC_CREAT | Interop.IPC_EXCL | (int)mode;
        return new SystemVSharedMemory(Get(key, size, flags), key);
    }

    /// <summary>
    /// Returns the segment with <paramref name="key"/>, creating it with <paramref name="size"/> bytes if there is
    /// none (IPC_CREAT). An existing segment smaller than <paramref name="size"/> is an error (EINVAL).
    /// </summary>
    public static SystemVSharedMemory CreateOrOpen(IpcKey key, long size, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        SystemVIpc.ValidateSharedKey(key);
        ValidateSize(size);
        SystemVIpc.ValidateMode(mode);
        return new SystemVSharedMemory(Get(key, size, Interop.IPC_CREAT | (int)mode), key);
    }

    /// <summary>Finds an existing segment by key (no IPC_CREAT).</summary>
    /// <param name="key">The key; not <see cref="IpcKey.Private"/> (use <see cref="FromId"/>).</param>
    /// <param name="minimumSize">Fail with EINVAL if the segment is smaller than this; 0 accepts any.</param>
    /// <exception cref="UnixIpcException">ENOENT when no segment has the key.</exception>
    public static SystemVSharedMemory OpenExisting(IpcKey key, long minimumSize = 0)
    {
        SystemVIpc.ValidateOpenKey(key);
        ArgumentOutOfRangeException.ThrowIfNegative(minimumSize);
        return new SystemVSharedMemory(Get(key, minimumSize, 0), key);
    }

    /// <summary>Finds an existing segment by key; <see langword="false"/> when there is none.</summary>
    public static bool TryOpenExisting(IpcKey key, [NotNullWhen(true)] out SystemVSharedMemory? segment)
    {
        SystemVIpc.ValidateOpenKey(key);
        int id = Interop.ShmGet(key.Value, 0, 0);
        if (id == -1)
        {
            Errno error = Interop.LastErrno;
            segment = null;
            return error == Errno.ENOENT ? false : throw Interop.Fail(error, "shmget", key.ToString(), $"{key}, 0, 0");
        }

        segment = new SystemVSharedMemory(id, key);
        return true;
    }

    /// <summary>Refers to a segment by id (as printed by ipcs or passed by another process); checks it exists.</summary>
    /// <exception cref="UnixIpcException">EINVAL when no segment has this id.</exception>
    public static SystemVSharedMemory FromId(int id)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(id);
        Interop.shmid_ds ds = StatCore(id);
        return new SystemVSharedMemory(id, new IpcKey(ds.shm_perm.__key));
    }

    /// <summary>Removes the segment with this id (IPC_RMID); see <see cref="Remove()"/>.</summary>
    /// <exception cref="UnixIpcException">EINVAL when no segment has this id; EPERM when the caller is neither owner nor creator.</exception>
    public static void Remove(int id)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(id);
        if (!RemoveCore(id, out Errno error))
        {
            throw Interop.Fail(error, "shmctl", SystemVIpc.IdText(id), $"{id}, IPC_RMID, NULL");
        }
    }

    /// <summary>
    /// Removes the segment with this id (IPC_RMID) if it is still there; <see langword="false"/> when it is
    /// already gone (EINVAL or EIDRM, which <see cref="Remove(int)"/> throws). Other refusals still throw.
    /// </summary>
    public static bool TryRemove(int id)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(id);
        if (RemoveCore(id, out Errno error))
        {
            return true;
        }

        return SystemVIpc.IsGone(error) ? false : throw Interop.Fail(error, "shmctl", SystemVIpc.IdText(id), $"{id}, IPC_RMID, NULL");
    }

    /// <summary>
    /// Attaches the segment (shmat) and returns its memory. Dispose the region to detach. A read-only
    /// attachment (SHM_RDONLY) refuses writes in the wrapper instead of faulting.
    /// </summary>
    public MappedRegion Attach(bool readOnly = false)
    {
        long size = Stat().Size;
        nint address = Interop.ShmAt(Id, 0, readOnly ? Interop.SHM_RDONLY : 0);
        if (address == -1)
        {
            throw Interop.Fail(Interop.LastErrno, "shmat", IdText, $"{Id}, NULL, {(readOnly ? "SHM_RDONLY" : "0")}");
        }

        return new MappedRegion(new SafeShmAttachHandle(address), address, size, readOnly ? MapAccess.ReadOnly : MapAccess.ReadWrite, $"shmid {Id}");
    }

    /// <summary>Reads the segment's state (IPC_STAT).</summary>
    /// <exception cref="UnixIpcException">EINVAL once the segment is gone.</exception>
    public SystemVSharedMemoryStatus Stat()
    {
        Interop.shmid_ds ds = StatCore(Id);
        return new SystemVSharedMemoryStatus
        {
            Key = new IpcKey(ds.shm_perm.__key),
            Id = Id,
            Size = (long)ds.shm_segsz,
            Mode = (UnixFileMode)(ds.shm_perm.mode & 0x1FF),
            MarkedForRemoval = (ds.shm_perm.mode & Interop.SHM_DEST) != 0,
            Locked = (ds.shm_perm.mode & Interop.SHM_LOCKED) != 0,
            OwnerUserId = (int)ds.shm_perm.uid,
            OwnerGroupId = (int)ds.shm_perm.gid,
            CreatorUserId = (int)ds.shm_perm.cuid,
            CreatorGroupId = (int)ds.shm_perm.cgid,
            CreatorProcessId = ds.shm_cpid,
            LastProcessId = ds.shm_lpid,
            AttachCount = (long)ds.shm_nattch,
            LastAttachTime = SystemVIpc.Time(ds.shm_atime),
            LastDetachTime = SystemVIpc.Time(ds.shm_dtime),
            ChangeTime = DateTimeOffset.FromUnixTimeSeconds(ds.shm_ctime),
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
        Interop.shmid_ds ds = StatCore(Id);
        string change = SystemVIpc.MergePermissions(ref ds.shm_perm, mode, ownerUserId, ownerGroupId);
        Interop.Check(Interop.ShmCtl(Id, Interop.IPC_SET, &ds), "shmctl", IdText, $"{Id}, IPC_SET, {change}");
    }

    /// <summary>
    /// Locks the segment in memory so it is never swapped (SHM_LOCK). Without CAP_IPC_LOCK the segment's
    /// size counts against the owner's RLIMIT_MEMLOCK (ENOMEM beyond it). Shown as <see cref="SystemVSharedMemoryStatus.Locked"/>.
    /// </summary>
    public void Lock() => Control(Interop.SHM_LOCK, "SHM_LOCK");

    /// <summary>Lets the segment be swapped again (SHM_UNLOCK).</summary>
    public void Unlock() => Control(Interop.SHM_UNLOCK, "SHM_UNLOCK");

    /// <summary>
    /// Removes the segment (IPC_RMID). If processes are still attached it is only marked (SHM_DEST): the key
    /// stops finding it at once, existing attachments keep reading and writing, and the memory is freed
    /// when the last one detaches.
    /// </summary>
    public void Remove() => Remove(Id);

    /// <summary>Removes the segment like <see cref="Remove()"/>; <see langword="false"/> when it is already gone.</summary>
    public bool TryRemove() => TryRemove(Id);

    /// <inheritdoc/>
    public override string ToString() => $"SystemVSharedMemory id {Id} key {Key}";

    private string IdText => SystemVIpc.IdText(Id);

    private unsafe void Control(int command, string commandName)
        => Interop.Check(Interop.ShmCtl(Id, command, null), "shmctl", IdText, $"{Id}, {commandName}, NULL");

    private static unsafe bool RemoveCore(int id, out Errno error)
    {
        if (Interop.ShmCtl(id, Interop.IPC_RMID, null) == 0)
        {
            error = Errno.None;
            return true;
        }

        error = Interop.LastErrno;
        return false;
    }

    private static int Get(IpcKey key, long size, int flags)
    {
        int id = Interop.ShmGet(key.Value, (nuint)size, flags);
        if (id == -1)
        {
            string shown = SystemVIpc.KeyText(key);
            throw Interop.Fail(Interop.LastErrno, "shmget", shown, $"{shown}, {size}, {SystemVIpc.DescribeGetFlags(flags)}");
        }

        return id;
    }

    private static unsafe Interop.shmid_ds StatCore(int id)
    {
        Interop.shmid_ds ds;
        Interop.Check(Interop.ShmCtl(id, Interop.IPC_STAT, &ds), "shmctl", SystemVIpc.IdText(id), $"{id}, IPC_STAT");
        return ds;
    }

    private static void ValidateSize(long size)
    {
        if (size < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, "A System V segment needs at least 1 byte (SHMMIN).");
        }
    }
}

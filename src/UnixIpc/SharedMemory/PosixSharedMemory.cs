using System.Diagnostics.CodeAnalysis;

namespace UnixIpc;

/// <summary>
/// A POSIX shared memory object (shm_open): a named, sized piece of memory in /dev/shm that any process
/// can open by name and map. C programs see the same object through <c>shm_open("/name", ...)</c>.
/// </summary>
/// <remarks>
/// <para>Lifetime: the object persists (kernel persistence) until <see cref="Unlink"/> removes its name and
/// the last descriptor and mapping are gone. <see cref="Dispose"/> closes this handle only, unless
/// <see cref="PosixSharedMemoryOptions.UnlinkOnDispose"/> was set. Mappings made with <see cref="Map"/>
/// stay valid after this handle is disposed.</para>
/// <para>Size only grows through this API (<see cref="SetSize"/>): shrinking an object under other
/// processes' mappings makes their accesses past the new end fault with SIGBUS.</para>
/// </remarks>
public sealed partial class PosixSharedMemory : IDisposable
{
    private readonly SafeFdHandle _fd;
    private readonly bool _unlinkOnDispose;

    private PosixSharedMemory(SafeFdHandle fd, string name, bool readOnly, bool unlinkOnDispose)
    {
        _fd = fd;
        Name = name;
        IsReadOnly = readOnly;
        _unlinkOnDispose = unlinkOnDispose;
    }

    /// <summary>The normalised name (one leading slash).</summary>
    public string Name { get; }

    /// <summary><see langword="true"/> when opened read-only: it can only be mapped <see cref="MapAccess.ReadOnly"/> (or copy-on-write).</summary>
    public bool IsReadOnly { get; }

    /// <summary>The current size in bytes; another process may have grown it since the last call.</summary>
    public long Size => (long)Interop.FStatx(Handle, Name).stx_size;

    /// <summary>The object's permission bits.</summary>
    public UnixFileMode Mode => (UnixFileMode)(Interop.FStatx(Handle, Name).stx_mode & 0x1FF);

    internal SafeFdHandle Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(_fd.IsClosed, this);
            return _fd;
        }
    }

    /// <summary>Creates an object that must not exist yet (O_CREAT|O_EXCL) and sets its size.</summary>
    /// <param name="name">"/name" or "name": one component of at most 255 bytes.</param>
    /// <param name="size">Size in bytes (0 allowed: set it later with <see cref="SetSize"/>).</param>
    /// <param name="options">Mode and ownership; defaults to 0600, not unlinked on dispose.</param>
    /// <exception cref="UnixIpcException">EEXIST when the name is taken, and other kernel refusals.</exception>
    public static PosixSharedMemory CreateNew(string name, long size, PosixSharedMemoryOptions? options = null)
    {
        name = PosixName.Normalize(name);
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        options ??= new PosixSharedMemoryOptions();
        SafeFdHandle fd = OpenCore(name, Interop.O_RDWR | Interop.O_CREAT | Interop.O_EXCL, options.Mode);
        return InitializeCreated(fd, name, size, options);
    }

    /// <summary>
    /// Opens the object, creating it if it does not exist, and makes sure it is at least <paramref name="size"/>
    /// bytes. Safe when several processes race: exactly one creates, and because size only grows every
    /// racer ends up with an object of at least its size.
    /// </summary>
    public static PosixSharedMemory CreateOrOpen(string name, long size, PosixSharedMemoryOptions? options = null)
    {
        name = PosixName.Normalize(name);
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        options ??= new PosixSharedMemoryOptions();

        const int Create = Interop.O_RDWR | Interop.O_CREAT | Interop.O_EXCL;
        UnixFileMode mode = options.Mode;
        SafeFdHandle fd = PosixNamedObject.CreateOrOpen(
            (bool exclusive, [NotNullWhen(true)] out SafeFdHandle? h, out Errno e) => TryShmOpen(name, exclusive ? Create : Interop.O_RDWR, exclusive ? mode : null, out h, out e),
            error => Interop.Fail(error, "shm_open", name, Arguments(name, Create, mode)),
            error => Interop.Fail(error, "shm_open", name, Arguments(name, Interop.O_RDWR, null)),
            out bool created);
        if (created)
        {
            return InitializeCreated(fd, name, size, options);
        }

        var opened = new PosixSharedMemory(fd, name, readOnly: false, options.UnlinkOnDispose);
        try
        {
            if (opened.Size < size)
            {
                opened.SetSize(size);
            }

            return opened;
        }
        catch
        {
            opened.Dispose();
            throw;
        }
    }

    /// <summary>Opens an existing object (no O_CREAT).</summary>
    /// <param name="name">"/name" or "name".</param>
    /// <param name="readOnly">Open O_RDONLY: mapping for write and resizing are then refused.</param>
    /// <exception cref="UnixIpcException">ENOENT when there is no such object, EACCES when its mode forbids the access.</exception>
    public static PosixSharedMemory OpenExisting(string name, bool readOnly = false)
    {
        name = PosixName.Normalize(name);
        SafeFdHandle fd = OpenCore(name, readOnly ? Interop.O_RDONLY : Interop.O_RDWR, null);
        return new PosixSharedMemory(fd, name, readOnly, unlinkOnDispose: false);
    }

    /// <summary>Opens an existing object; returns <see langword="false"/> (instead of throwing ENOENT) when there is none.</summary>
    public static bool TryOpenExisting(string name, [NotNullWhen(true)] out PosixSharedMemory? sharedMemory, bool readOnly = false)
    {
        name = PosixName.Normalize(name);
        int flags = readOnly ? Interop.O_RDONLY : Interop.O_RDWR;
        if (TryShmOpen(name, flags, null, out SafeFdHandle? fd, out Errno error))
        {
            sharedMemory = new PosixSharedMemory(fd, name, readOnly, unlinkOnDispose: false);
            return true;
        }

        sharedMemory = null;
        return error == Errno.ENOENT ? false : throw Interop.Fail(error, "shm_open", name, Arguments(name, flags, null));
    }

    /// <summary>
    /// Removes the name (shm_unlink). The object disappears once every descriptor and mapping is gone;
    /// until then they keep working on the old contents, and a new object may be created under the name.
    /// </summary>
    /// <exception cref="UnixIpcException">ENOENT when no object has this name.</exception>
    public static void Unlink(string name)
    {
        PosixNamedObject.Unlink(PosixName.Normalize(name), ShmUnlink, "shm_unlink");
    }

    /// <summary>Removes the name if it exists; <see langword="false"/> when there was nothing to remove.</summary>
    public static bool TryUnlink(string name)
    {
        return PosixNamedObject.TryUnlink(PosixName.Normalize(name), ShmUnlink, "shm_unlink");
    }

    // shm_unlink with EINTR retried, as PosixNamedObject wants it: 0, or -1 with errno set by the last call.
    private static int ShmUnlink(string name) => UnlinkCore(name, out _) ? 0 : -1;

    /// <summary>Reads size, mode and owner in one fstat.</summary>
    public PosixSharedMemoryStatus Stat()
    {
        Interop.statx st = Interop.FStatx(Handle, Name);
        return new PosixSharedMemoryStatus(Name, (long)st.stx_size, (UnixFileMode)(st.stx_mode & 0x1FF), (int)st.stx_uid, (int)st.stx_gid);
    }

    /// <summary>
    /// Grows the object to <paramref name="size"/> bytes; new bytes read as zero. The pages are reserved
    /// first (posix_fallocate), so a full /dev/shm is reported here as ENOSPC instead of a SIGBUS on
    /// first touch. Shrinking is refused (see the type's remarks); recreate the object instead.
    /// </summary>
    public void SetSize(long size)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        SafeFdHandle fd = Handle;
        if (IsReadOnly)
        {
            throw new NotSupportedException($"{Name} was opened read-only: open it read-write to change its size.");
        }

        long current = Size;
        if (size < current)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, $"{Name} is {current} bytes: shrinking is refused because other processes' mappings of the tail would fault (SIGBUS). Recreate the object to make it smaller.");
        }

        if (size == current)
        {
            return;
        }

        int error;
        while ((error = Interop.PosixFallocate(fd, 0, size)) == (int)Errno.EINTR)
        {
        }

        // tmpfs supports fallocate; should a file system not, ftruncate alone still sets the size.
        if (error != 0 && error != (int)Errno.EOPNOTSUPP)
        {
            throw Interop.Fail((Errno)error, "posix_fallocate", Name, $"{Name}, 0, {size}");
        }

        Interop.Check(Interop.RetryOnInterrupt(() => Interop.FTruncate(fd, size)), "ftruncate", Name, $"{Name}, {size}");
    }

    /// <summary>
    /// Changes the permission bits (fchmod) and/or the owner and group (fchown); <see langword="null"/> keeps
    /// the current value. Changing the mode needs to be the owner (or CAP_FOWNER); giving the object to
    /// another user needs CAP_CHOWN.
    /// </summary>
    /// <param name="mode">The new permission bits (setuid, setgid and sticky bits allowed), or <see langword="null"/>.</param>
    /// <param name="ownerUserId">The new owner uid, or <see langword="null"/>.</param>
    /// <param name="ownerGroupId">The new group gid, or <see langword="null"/>.</param>
    public void SetPermissions(UnixFileMode? mode = null, int? ownerUserId = null, int? ownerGroupId = null)
    {
        if (mode is UnixFileMode m && ((int)m & ~0xFFF) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(mode), m, "Not a valid file mode.");
        }

        if (ownerUserId is int u)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(u, nameof(ownerUserId));
        }

        if (ownerGroupId is int g)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(g, nameof(ownerGroupId));
        }

        uint uid = ownerUserId is int newUid ? (uint)newUid : uint.MaxValue; // -1: fchown leaves it as it is
        uint gid = ownerGroupId is int newGid ? (uint)newGid : uint.MaxValue;
        SafeFdHandle fd = Handle;
        if (mode is UnixFileMode newMode)
        {
            Interop.Check(Interop.FChmod(fd, (uint)newMode), "fchmod", Name, $"{Name}, 0{Convert.ToString((int)newMode, 8)}");
        }

        if (ownerUserId is not null || ownerGroupId is not null)
        {
            Interop.Check(Interop.FChown(fd, uid, gid), "fchown", Name, $"{Name}, {(int)uid}, {(int)gid}");
        }
    }

    /// <summary>
    /// Maps the object (or the part <paramref name="offset"/>..<paramref name="offset"/>+<paramref name="length"/>)
    /// into this process. The mapping stays valid after this handle is disposed, and after the name is unlinked.
    /// </summary>
    /// <param name="access">Defaults to read-write, or read-only for an object opened read-only.</param>
    /// <param name="offset">Any byte offset inside the object.</param>
    /// <param name="length">Bytes to map; -1 (default) maps to the current end.</param>
    public MappedRegion Map(MapAccess? access = null, long offset = 0, long length = -1)
    {
        MapAccess effective = access ?? (IsReadOnly ? MapAccess.ReadOnly : MapAccess.ReadWrite);
        if (IsReadOnly && effective == MapAccess.ReadWrite)
        {
            throw new NotSupportedException($"{Name} was opened read-only: map it with MapAccess.ReadOnly (or CopyOnWrite), or open it read-write.");
        }

        return MemoryMapper.Map(Handle, Size, offset, length, effective, Name);
    }

    /// <summary>Closes this handle; unlinks the name too if the options asked for it.</summary>
    public void Dispose()
    {
        if (_fd.IsClosed)
        {
            return;
        }

        _fd.Dispose();
        if (_unlinkOnDispose)
        {
            UnlinkCore(Name, out _);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"PosixSharedMemory {Name}";

    private static PosixSharedMemory InitializeCreated(SafeFdHandle fd, string name, long size, PosixSharedMemoryOptions options)
    {
        var created = new PosixSharedMemory(fd, name, readOnly: false, options.UnlinkOnDispose);
        try
        {
            created.SetPermissions(options.Mode);
            created.SetSize(size);
            return created;
        }
        catch
        {
            // We made it, so we remove it: a failed create leaves nothing behind.
            created.Dispose();
            UnlinkCore(name, out _);
            throw;
        }
    }

    private static SafeFdHandle OpenCore(string name, int flags, UnixFileMode? mode)
        => TryShmOpen(name, flags, mode, out SafeFdHandle? fd, out Errno error)
            ? fd
            : throw Interop.Fail(error, "shm_open", name, Arguments(name, flags, mode));

    /// <summary>
    /// shm_open with EINTR retried; on failure returns the errno instead of throwing. Anything else someone put in
    /// /dev/shm (a FIFO, a directory, a device) is refused before it is read or mapped: opened with O_NONBLOCK (a FIFO
    /// would otherwise block the open until a writer came), checked to be a regular file, then made blocking again.
    /// </summary>
    /// <exception cref="InvalidDataException">The name is not a regular file.</exception>
    private static bool TryShmOpen(string name, int flags, UnixFileMode? mode, [NotNullWhen(true)] out SafeFdHandle? fd, out Errno error)
    {
        while (true)
        {
            SafeFdHandle handle = Interop.ShmOpen(name, flags | Interop.O_NONBLOCK, (uint)(mode ?? 0));
            if (!handle.IsInvalid)
            {
                int type = Interop.FStatx(handle, name).stx_mode & Interop.S_IFMT;
                if (type != Interop.S_IFREG)
                {
                    handle.Dispose();
                    throw new InvalidDataException($"/dev/shm{name} is not a shared memory object ({Interop.DescribeFileType(type)}): not opened.");
                }

                Interop.SetNonBlocking(handle, false, name);
                fd = handle;
                error = Errno.None;
                return true;
            }

            error = Interop.LastErrno;
            handle.Dispose();
            if (error == Errno.EINVAL && Directory.Exists("/dev/shm" + name))
            {
                // A writable open of a directory is EISDIR, which glibc's shm_open reports as EINVAL: say what is there,
                // as a read-only open (which succeeds and is refused above) does.
                throw new InvalidDataException($"/dev/shm{name} is not a shared memory object ({Interop.DescribeFileType(Interop.S_IFDIR)}): not opened.");
            }

            if (error != Errno.EINTR)
            {
                fd = null;
                return false;
            }
        }
    }

    private static bool UnlinkCore(string name, out Errno error)
    {
        while (Interop.ShmUnlink(name) == -1)
        {
            error = Interop.LastErrno;
            if (error != Errno.EINTR)
            {
                return false;
            }
        }

        error = Errno.None;
        return true;
    }

    private static string Arguments(string name, int flags, UnixFileMode? mode)
        => mode is UnixFileMode m
            ? $"\"{name}\", {Interop.DescribeOpenFlags(flags)}, 0{Convert.ToString((int)m, 8)}"
            : $"\"{name}\", {Interop.DescribeOpenFlags(flags)}";
}

using System.Diagnostics.CodeAnalysis;

namespace UnixIpc;

/// <summary>
/// A POSIX semaphore: named (sem_open, shared by name with any process, C's <c>sem_open("/name", ...)</c>
/// included) or unnamed and process-shared, living inside shared memory (sem_init with pshared = 1).
/// The BCL's <see cref="Semaphore"/> cannot do either on Linux.
/// </summary>
/// <remarks>
/// <para><b>Not crash-safe by itself.</b> A count taken by a process that then dies is not given back:
/// the semaphore stays one lower for ever. For mutual exclusion that survives crashes use a
/// <see cref="FileLock"/> (released by the kernel when the holder dies) or a System V semaphore with
/// <see cref="SemaphoreOperation.Undo"/> (SEM_UNDO, reverted at exit).</para>
/// <para>Waiting: <see cref="Wait"/> blocks the calling thread (a cancellable token wakes it through
/// <see cref="SignalInterrupter"/>); <see cref="TryWait(TimeSpan)"/> uses sem_clockwait on CLOCK_MONOTONIC;
/// <see cref="WaitAsync"/> waits on a dedicated waiter thread, never a thread-pool thread.</para>
/// </remarks>
public sealed partial class PosixSemaphore : IDisposable
{
    private readonly SafePosixSemaphoreHandle _handle;
    private readonly bool _unlinkOnDispose;

    private PosixSemaphore(SafePosixSemaphoreHandle handle, string? name, bool unlinkOnDispose)
    {
        _handle = handle;
        Name = name;
        _unlinkOnDispose = unlinkOnDispose;
    }

    /// <summary>The normalised name, or <see langword="null"/> for an unnamed semaphore in shared memory.</summary>
    public string? Name { get; }

    /// <summary>The current value (sem_getvalue); 0, never negative, while others wait.</summary>
    public unsafe int Value
    {
        get
        {
            int value;
            Interop.Check(Interop.SemGetValue(Handle, &value), "sem_getvalue", Describe);
            return value;
        }
    }

    internal SafePosixSemaphoreHandle Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
            return _handle;
        }
    }

    private string Describe => Name ?? "unnamed semaphore";

    /// <summary>Creates a named semaphore that must not exist yet (O_CREAT|O_EXCL) with <paramref name="initialValue"/>.</summary>
    /// <param name="name">"/name" or "name": one component of at most 251 bytes (glibc stores it as /dev/shm/sem.NAME).</param>
    /// <param name="initialValue">0 to int.MaxValue (SEM_VALUE_MAX).</param>
    /// <param name="options">Mode and ownership.</param>
    /// <exception cref="UnixIpcException">EEXIST when the name is taken.</exception>
    public static PosixSemaphore CreateNew(string name, int initialValue = 0, PosixSemaphoreOptions? options = null)
    {
        name = PosixName.Normalize(name, PosixName.NameMax - 4);
        ArgumentOutOfRangeException.ThrowIfNegative(initialValue);
        options ??= new PosixSemaphoreOptions();
        if (!TryOpenCore(name, Interop.O_CREAT | Interop.O_EXCL, options.Mode, initialValue, out SafePosixSemaphoreHandle? handle, out Errno error))
        {
            throw Interop.Fail(error, "sem_open", name, $"\"{name}\", O_CREAT|O_EXCL, 0{Convert.ToString((int)options.Mode, 8)}, {initialValue}");
        }

        return InitializeCreated(handle, name, options);
    }

    /// <summary>
    /// Opens the named semaphore, creating it with <paramref name="initialValue"/> if it does not exist.
    /// An existing semaphore keeps its value: the initial value is ignored (a common surprise, PSEM-10).
    /// </summary>
    public static PosixSemaphore CreateOrOpen(string name, int initialValue = 0, PosixSemaphoreOptions? options = null)
    {
        name = PosixName.Normalize(name, PosixName.NameMax - 4);
        ArgumentOutOfRangeException.ThrowIfNegative(initialValue);
        options ??= new PosixSemaphoreOptions();
        UnixFileMode mode = options.Mode;
        SafePosixSemaphoreHandle handle = PosixNamedObject.CreateOrOpen(
            (bool exclusive, [NotNullWhen(true)] out SafePosixSemaphoreHandle? h, out Errno e) => exclusive
                ? TryOpenCore(name, Interop.O_CREAT | Interop.O_EXCL, mode, initialValue, out h, out e)
                : TryOpenCore(name, 0, 0, 0, out h, out e),
            error => Interop.Fail(error, "sem_open", name, $"\"{name}\", O_CREAT|O_EXCL, 0{Convert.ToString((int)mode, 8)}, {initialValue}"),
            error => Interop.Fail(error, "sem_open", name, $"\"{name}\", 0"),
            out bool created);
        return created ? InitializeCreated(handle, name, options) : new PosixSemaphore(handle, name, options.UnlinkOnDispose);
    }

    /// <summary>Opens an existing named semaphore.</summary>
    /// <exception cref="UnixIpcException">ENOENT when there is none, EACCES when its mode forbids access.</exception>
    public static PosixSemaphore OpenExisting(string name)
    {
        name = PosixName.Normalize(name, PosixName.NameMax - 4);
        return TryOpenCore(name, 0, 0, 0, out SafePosixSemaphoreHandle? handle, out Errno error)
            ? new PosixSemaphore(handle, name, unlinkOnDispose: false)
            : throw Interop.Fail(error, "sem_open", name, $"\"{name}\", 0");
    }

    /// <summary>Opens an existing named semaphore; <see langword="false"/> (instead of ENOENT) when there is none.</summary>
    public static bool TryOpenExisting(string name, [NotNullWhen(true)] out PosixSemaphore? semaphore)
    {
        name = PosixName.Normalize(name, PosixName.NameMax - 4);
        if (TryOpenCore(name, 0, 0, 0, out SafePosixSemaphoreHandle? handle, out Errno error))
        {
            semaphore = new PosixSemaphore(handle, name, unlinkOnDispose: false);
            return true;
        }

        semaphore = null;
        return error == Errno.ENOENT ? false : throw Interop.Fail(error, "sem_open", name, $"\"{name}\", 0");
    }

    /// <summary>
    /// The value of the named semaphore, read without opening it for use: /dev/shm/sem.NAME (where glibc keeps it) is
    /// opened and mapped read-only, so read permission is enough; <see cref="OpenExisting"/> needs read and write
    /// (sem_open maps it writable).
    /// </summary>
    /// <exception cref="UnixIpcException">ENOENT when there is none, EACCES when its mode forbids reading.</exception>
    /// <exception cref="InvalidDataException">Something that is not a glibc named semaphore is under the name.</exception>
    public static int ReadValue(string name)
    {
        return NamedSemaphoreFile.ReadValue(PosixName.Normalize(name, PosixName.NameMax - 4));
    }

    /// <summary>Removes the name (sem_unlink). Open handles keep working on the old semaphore; the name can be reused at once.</summary>
    public static void Unlink(string name)
    {
        PosixNamedObject.Unlink(PosixName.Normalize(name, PosixName.NameMax - 4), Interop.SemUnlink, "sem_unlink");
    }

    /// <summary>Removes the name if it exists; <see langword="false"/> when there was nothing to remove.</summary>
    public static bool TryUnlink(string name)
    {
        return PosixNamedObject.TryUnlink(PosixName.Normalize(name, PosixName.NameMax - 4), Interop.SemUnlink, "sem_unlink");
    }

    /// <summary>
    /// Makes a new process-shared semaphore (sem_init, pshared = 1) at <paramref name="offset"/> in
    /// <paramref name="region"/>, which must be shared read-write memory (a POSIX or System V segment, or a
    /// MAP_SHARED file). Other processes reach it with <see cref="At"/> on their own mapping of the same memory.
    /// </summary>
    /// <param name="region">Shared, writable memory; it stays mapped while this object is alive.</param>
    /// <param name="offset">A multiple of 8 with 32 bytes (sizeof(sem_t)) free after it.</param>
    /// <param name="initialValue">0 to int.MaxValue.</param>
    public static PosixSemaphore Initialize(MappedRegion region, long offset, int initialValue)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(initialValue);
        PosixSemaphore semaphore = InRegion(region, offset);
        if (Interop.SemInit(semaphore._handle.Pointer, 1, (uint)initialValue) == -1)
        {
            Errno error = Interop.LastErrno;
            semaphore.Dispose();
            throw Interop.Fail(error, "sem_init", $"offset {offset}", $"sem, 1, {initialValue}");
        }

        return semaphore;
    }

    /// <summary>The process-shared semaphore another process made with <see cref="Initialize"/> at <paramref name="offset"/> of the same memory.</summary>
    public static PosixSemaphore At(MappedRegion region, long offset) => InRegion(region, offset);

    /// <summary>
    /// Destroys an unnamed semaphore (sem_destroy) and disposes this handle. Only when no process waits on it
    /// and none will use it again; named semaphores are removed with <see cref="Unlink"/> instead.
    /// </summary>
    public void Destroy()
    {
        if (Name is not null)
        {
            throw new InvalidOperationException($"{Name} is a named semaphore: remove it with Unlink.");
        }

        Interop.Check(Interop.SemDestroy(Handle.Pointer), "sem_destroy", Describe);
        Dispose();
    }

    /// <summary>Closes this handle (sem_close for named semaphores): the value is untouched. Unlinks too if the options asked for it.</summary>
    public void Dispose()
    {
        if (_handle.IsClosed)
        {
            return;
        }

        _handle.Dispose();
        if (_unlinkOnDispose && Name is not null)
        {
            Interop.SemUnlink(Name);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"PosixSemaphore {Describe}";

    private static unsafe PosixSemaphore InRegion(MappedRegion region, long offset)
    {
        ArgumentNullException.ThrowIfNull(region);
        region.CheckRange(offset, Interop.SIZEOF_SEM_T);
        if (region.Access != MapAccess.ReadWrite)
        {
            throw new ArgumentException($"A process-shared semaphore needs shared, writable memory; {region.ObjectName} is mapped {region.Access}.", nameof(region));
        }

        MappedRegionAccess access = region.Acquire(); // holds the mapping; released by the handle
        nint address = (nint)access.Address + (nint)offset;
        if (address % Interop.ALIGNOF_SEM_T != 0)
        {
            access.Dispose();
            throw new ArgumentException($"A sem_t needs {Interop.ALIGNOF_SEM_T}-byte alignment; offset {offset} is not aligned.", nameof(offset));
        }

        return new PosixSemaphore(SafePosixSemaphoreHandle.InRegion(address, access.DetachHandle()), null, unlinkOnDispose: false);
    }

    private static PosixSemaphore InitializeCreated(SafePosixSemaphoreHandle handle, string name, PosixSemaphoreOptions options)
    {
        var semaphore = new PosixSemaphore(handle, name, options.UnlinkOnDispose);
        try
        {
            // sem_open applies the umask; glibc keeps the semaphore in /dev/shm/sem.NAME, so set the mode there.
            File.SetUnixFileMode("/dev/shm/sem." + name[1..], options.Mode);
            return semaphore;
        }
        catch
        {
            semaphore.Dispose();
            Interop.SemUnlink(name);
            throw;
        }
    }

    private static bool TryOpenCore(string name, int flags, UnixFileMode mode, int value, [NotNullWhen(true)] out SafePosixSemaphoreHandle? handle, out Errno error)
    {
        if ((flags & Interop.O_EXCL) == 0)
        {
            NamedSemaphoreFile.Validate(name);
        }

        while (true)
        {
            nint semaphore = Interop.SemOpen(name, flags, (uint)mode, (uint)value);
            if (semaphore != 0)
            {
                handle = SafePosixSemaphoreHandle.Named(semaphore);
                error = Errno.None;
                return true;
            }

            error = Interop.LastErrno;
            if (error != Errno.EINTR)
            {
                handle = null;
                return false;
            }
        }
    }
}

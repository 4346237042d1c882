using System.Runtime.InteropServices;

namespace UnixIpc;

/// <summary>
/// Owns a sem_t*: for a named semaphore the reference sem_open gave (release: sem_close); for an unnamed one
/// the place inside a <see cref="MappedRegion"/>, whose mapping it keeps alive (release: let the mapping go;
/// the semaphore itself lives on in the shared memory for the other processes).
/// </summary>
internal sealed class SafePosixSemaphoreHandle : SafeHandle
{
    private readonly SafeHandle? _mapping;

    public SafePosixSemaphoreHandle() : base(0, ownsHandle: true)
    {
    }

    private SafePosixSemaphoreHandle(nint semaphore, SafeHandle? mapping) : base(0, ownsHandle: true)
    {
        SetHandle(semaphore);
        _mapping = mapping;
    }

    public override bool IsInvalid => handle == 0;

    internal nint Pointer => handle;

    /// <summary>A named semaphore from sem_open.</summary>
    internal static SafePosixSemaphoreHandle Named(nint semaphore) => new(semaphore, null);

    /// <summary>An unnamed semaphore at <paramref name="semaphore"/> inside a mapping; <paramref name="mapping"/> has been AddRef'd for it.</summary>
    internal static SafePosixSemaphoreHandle InRegion(nint semaphore, SafeHandle mapping) => new(semaphore, mapping);

    protected override bool ReleaseHandle()
    {
        if (_mapping is null)
        {
            return Interop.SemClose(handle) == 0;
        }

        _mapping.DangerousRelease();
        return true;
    }
}

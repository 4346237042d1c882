using System.Runtime.InteropServices;

namespace UnixIpc;

/// <summary>
/// Owns a file descriptor (shm_open, open). Invalid only when negative: 0 is a valid descriptor, which
/// is why this does not derive from SafeHandleZeroOrMinusOneIsInvalid.
/// </summary>
internal sealed class SafeFdHandle : SafeHandle
{
    /// <summary>Used by the LibraryImport marshaller for returned descriptors.</summary>
    public SafeFdHandle() : base(-1, ownsHandle: true)
    {
    }

    private SafeFdHandle(int fd, bool ownsHandle) : base(-1, ownsHandle)
    {
        SetHandle(fd);
    }

    public override bool IsInvalid => handle < 0;

    /// <summary>Wraps a descriptor owned by someone else (e.g. a SafeFileHandle); disposing it does not close the descriptor.</summary>
    internal static SafeFdHandle Borrow(int fd) => new(fd, ownsHandle: false);

    /// <summary>The descriptor number, for display and for tests only.</summary>
    internal int Fd => (int)handle;

    protected override bool ReleaseHandle() => Interop.Close((int)handle) == 0;
}

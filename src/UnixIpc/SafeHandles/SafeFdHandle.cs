using System.Runtime.InteropServices;

namespace UnixIpc;

/// <summary>
/// Owns a file descriptor (shm_open, open). Invalid only when negative: 0 is a valid descriptor, which
/// is why this does not derive from SafeHandleZeroOrMinusOneIsInvalid.
/// </summary>
internal sealed class SafeFdHandle : SafeHandle
{
    /// <summary>
    /// An invalid handle. Interop signatures pass SafeFdHandle as an argument (marshalled as a pointer-sized
    /// value, whose low 32 bits the callee reads as its int fd), but never return one: see <see cref="Own"/>.
    /// </summary>
    public SafeFdHandle() : base(-1, ownsHandle: true)
    {
    }

    private SafeFdHandle(int fd, bool ownsHandle) : base(-1, ownsHandle)
    {
        SetHandle(fd);
    }

    public override bool IsInvalid => handle < 0;

    /// <summary>Takes ownership of a descriptor a libc call returned as int (-1 gives an invalid handle).</summary>
    internal static SafeFdHandle Own(int fd) => new(fd, ownsHandle: true);

    /// <summary>Wraps a descriptor owned by someone else (e.g. a SafeFileHandle); disposing it does not close the descriptor.</summary>
    internal static SafeFdHandle Borrow(int fd) => new(fd, ownsHandle: false);

    /// <summary>The descriptor number, for display and for tests only.</summary>
    internal int Fd => (int)handle;

    protected override bool ReleaseHandle() => Interop.Close((int)handle) == 0;
}

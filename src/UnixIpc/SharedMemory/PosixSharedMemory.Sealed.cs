using Microsoft.Win32.SafeHandles;

namespace UnixIpc;

// Anonymous shared memory (memfd) sealed against resizing, for objects handed to another process over a socket
// rather than named in /dev/shm: nothing is left behind whatever happens, and the other process cannot shrink the
// memory under our mapping (which would make our next access fault).
public sealed partial class PosixSharedMemory
{
    private const int ResizeSeals = Interop.F_SEAL_SHRINK | Interop.F_SEAL_GROW;

    /// <summary>A memfd of <paramref name="size"/> bytes, sealed: it can never be shrunk or grown, nor the seals changed.</summary>
    internal static PosixSharedMemory CreateSealed(string label, long size)
    {
        SafeFdHandle fd = SafeFdHandle.Own(Interop.MemfdCreate(label, Interop.MFD_CLOEXEC | Interop.MFD_ALLOW_SEALING));
        if (fd.IsInvalid)
        {
            Errno error = Interop.LastErrno;
            fd.Dispose();
            throw Interop.Fail(error, "memfd_create", label);
        }

        try
        {
            Interop.Check(Interop.FTruncate(fd, size), "ftruncate", label);
            Interop.Check(Interop.FcntlInt(fd, Interop.F_ADD_SEALS, ResizeSeals | Interop.F_SEAL_SEAL), "fcntl", label, "F_ADD_SEALS");
            return new PosixSharedMemory(fd, label, readOnly: false, unlinkOnDispose: false);
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Takes ownership of a descriptor another process sent: only a sealed memfd (nobody can resize it) is accepted,
    /// so mapping it is safe; anything else is closed and refused.
    /// </summary>
    /// <exception cref="InvalidDataException">Not a memfd sealed against shrinking and growing.</exception>
    internal static PosixSharedMemory FromSealed(SafeFileHandle received, string label)
    {
        var fd = SafeFdHandle.Own((int)received.DangerousGetHandle());
        received.SetHandleAsInvalid();
        int seals = Interop.FcntlInt(fd, Interop.F_GET_SEALS, 0);
        if (seals == -1 || (seals & ResizeSeals) != ResizeSeals || (Interop.FStatx(fd, label).stx_mode & Interop.S_IFMT) != Interop.S_IFREG)
        {
            fd.Dispose();
            throw new InvalidDataException($"{label}: the descriptor received is not shared memory sealed against resizing (a memfd with F_SEAL_SHRINK and F_SEAL_GROW): refused, not mapped.");
        }

        return new PosixSharedMemory(fd, label, readOnly: false, unlinkOnDispose: false);
    }
}

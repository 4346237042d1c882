using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    /// <summary>shm_open(3): opens /dev/shm/NAME; the returned descriptor has FD_CLOEXEC. Invalid handle and errno set on failure.</summary>
    internal static SafeFdHandle ShmOpen(string name, int oflag, uint mode) => SafeFdHandle.Own(ShmOpenCore(name, oflag, mode));

    // Returns int, not a SafeHandle: the marshaller would read the 32-bit result as a 64-bit handle,
    // and -1 would arrive as 0xFFFFFFFF, a "valid" descriptor.
    [LibraryImport(Libc, EntryPoint = "shm_open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int ShmOpenCore(string name, int oflag, uint mode);
}

using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    /// <summary>shm_open(3): opens /dev/shm/NAME; the returned descriptor has FD_CLOEXEC.</summary>
    [LibraryImport(Libc, EntryPoint = "shm_open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial SafeFdHandle ShmOpen(string name, int oflag, uint mode);
}

using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    // <sys/mman.h>, <fcntl.h>: anonymous shared memory that can be sealed against resizing.
    internal const int MFD_CLOEXEC = 0x1;
    internal const int MFD_ALLOW_SEALING = 0x2;
    internal const int F_ADD_SEALS = 1033;
    internal const int F_GET_SEALS = 1034;
    internal const int F_SEAL_SEAL = 0x1;
    internal const int F_SEAL_SHRINK = 0x2;
    internal const int F_SEAL_GROW = 0x4;

    /// <summary>memfd_create(2): an anonymous file in memory, with no name in any file system.</summary>
    [LibraryImport(Libc, EntryPoint = "memfd_create", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial int MemfdCreate(string name, uint flags);
}

using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    // <sys/mman.h>
    internal const int PROT_NONE = 0x0;
    internal const int PROT_READ = 0x1;
    internal const int PROT_WRITE = 0x2;
    internal const int MAP_SHARED = 0x01;
    internal const int MAP_PRIVATE = 0x02;
    internal const nint MAP_FAILED = -1;

    /// <summary>mmap(2); returns <see cref="MAP_FAILED"/> on error. <paramref name="offset"/> must be page-aligned.</summary>
    [LibraryImport(Libc, EntryPoint = "mmap", SetLastError = true)]
    internal static partial nint MMap(nint address, nuint length, int prot, int flags, SafeFdHandle fd, long offset);
}

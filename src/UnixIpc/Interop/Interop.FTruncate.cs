using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    /// <summary>ftruncate(2); off_t is 64-bit on both supported architectures.</summary>
    [LibraryImport(Libc, EntryPoint = "ftruncate", SetLastError = true)]
    internal static partial int FTruncate(SafeFdHandle fd, long length);
}

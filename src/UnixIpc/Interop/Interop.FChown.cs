using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    /// <summary>fchown(2); -1 (as uint) leaves the uid or gid unchanged.</summary>
    [LibraryImport(Libc, EntryPoint = "fchown", SetLastError = true)]
    internal static partial int FChown(SafeFdHandle fd, uint owner, uint group);
}

using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    /// <summary>fchmod(2): applied after creation so the process umask cannot strip the requested mode.</summary>
    [LibraryImport(Libc, EntryPoint = "fchmod", SetLastError = true)]
    internal static partial int FChmod(SafeFdHandle fd, uint mode);
}

using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    /// <summary>
    /// posix_fallocate(3). Unlike most calls it does not set errno: it returns the error number itself
    /// (0 on success). Reserving the pages up front turns a later SIGBUS on a full tmpfs into ENOSPC here.
    /// </summary>
    [LibraryImport(Libc, EntryPoint = "posix_fallocate")]
    internal static partial int PosixFallocate(SafeFdHandle fd, long offset, long length);
}

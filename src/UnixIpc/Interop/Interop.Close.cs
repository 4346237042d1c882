using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    /// <summary>close(2) on a raw descriptor; only SafeHandles call it. Never retried on EINTR (Linux closes the fd anyway).</summary>
    [LibraryImport(Libc, EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);
}

using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    /// <summary>shmget(2): returns the segment id, or -1.</summary>
    [LibraryImport(Libc, EntryPoint = "shmget", SetLastError = true)]
    internal static partial int ShmGet(int key, nuint size, int shmflg);
}

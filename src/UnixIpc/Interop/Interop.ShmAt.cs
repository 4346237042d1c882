using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    internal const int SHM_RDONLY = 0x1000; // 010000
    internal const int SHM_RND = 0x2000;    // 020000

    /// <summary>shmat(2): returns the attach address, or (void*)-1.</summary>
    [LibraryImport(Libc, EntryPoint = "shmat", SetLastError = true)]
    internal static partial nint ShmAt(int shmid, nint shmaddr, int shmflg);
}

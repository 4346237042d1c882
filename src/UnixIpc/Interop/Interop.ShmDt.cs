using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    /// <summary>shmdt(2); only <see cref="SafeShmAttachHandle"/> calls it.</summary>
    [LibraryImport(Libc, EntryPoint = "shmdt", SetLastError = true)]
    internal static partial int ShmDt(nint shmaddr);
}

using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    /// <summary>munmap(2); only <see cref="SafeMmapHandle"/> calls it.</summary>
    [LibraryImport(Libc, EntryPoint = "munmap", SetLastError = true)]
    internal static partial int MUnmap(nint address, nuint length);
}

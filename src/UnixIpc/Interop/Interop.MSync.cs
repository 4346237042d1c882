using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    internal const int MS_ASYNC = 1;
    internal const int MS_INVALIDATE = 2;
    internal const int MS_SYNC = 4;

    /// <summary>msync(2); <paramref name="address"/> must be page-aligned.</summary>
    [LibraryImport(Libc, EntryPoint = "msync", SetLastError = true)]
    internal static partial int MSync(nint address, nuint length, int flags);
}

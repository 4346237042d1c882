using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    [CConstant("S_IFIFO")]
    internal const int S_IFIFO = 0x1000;

    /// <summary>mkfifo(3); the mode is reduced by the umask, which is why callers chmod afterwards.</summary>
    [LibraryImport(Libc, EntryPoint = "mkfifo", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial int MkFifo(string path, uint mode);

    /// <summary>chmod(2).</summary>
    [LibraryImport(Libc, EntryPoint = "chmod", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial int Chmod(string path, uint mode);
}

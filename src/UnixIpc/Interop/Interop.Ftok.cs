using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    /// <summary>ftok(3): key from the file's inode and device numbers and the low 8 bits of <paramref name="projectId"/>.</summary>
    [LibraryImport(Libc, EntryPoint = "ftok", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial int Ftok(string path, int projectId);
}

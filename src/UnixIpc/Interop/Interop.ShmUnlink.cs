using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    /// <summary>shm_unlink(3): removes the name; open descriptors and mappings keep the object alive.</summary>
    [LibraryImport(Libc, EntryPoint = "shm_unlink", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial int ShmUnlink(string name);
}

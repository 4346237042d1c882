using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    /// <summary>mq_unlink(3): removes the name; open descriptors keep the queue alive.</summary>
    [LibraryImport(Libc, EntryPoint = "mq_unlink", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial int MqUnlink(string name);
}

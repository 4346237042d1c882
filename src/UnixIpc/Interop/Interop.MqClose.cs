using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    /// <summary>mq_close(3); only <see cref="SafeMessageQueueHandle"/> calls it. Also removes this descriptor's notification.</summary>
    [LibraryImport(Libc, EntryPoint = "mq_close", SetLastError = true)]
    internal static partial int MqClose(int mqdes);
}

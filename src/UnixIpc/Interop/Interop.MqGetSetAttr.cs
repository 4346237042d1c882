using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    /// <summary>mq_getattr(3).</summary>
    [LibraryImport(Libc, EntryPoint = "mq_getattr", SetLastError = true)]
    internal static unsafe partial int MqGetAttr(SafeMessageQueueHandle mqdes, mq_attr* attr);

    /// <summary>mq_setattr(3): only O_NONBLOCK in mq_flags can change.</summary>
    [LibraryImport(Libc, EntryPoint = "mq_setattr", SetLastError = true)]
    internal static unsafe partial int MqSetAttr(SafeMessageQueueHandle mqdes, mq_attr* newattr, mq_attr* oldattr);
}

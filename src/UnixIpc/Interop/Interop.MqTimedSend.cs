using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    /// <summary>
    /// mq_timedsend(3). A null <paramref name="absTimeout"/> blocks without limit (mq_send); a deadline in the
    /// past makes a non-blocking attempt that fails with ETIMEDOUT if the queue is full.
    /// </summary>
    [LibraryImport(Libc, EntryPoint = "mq_timedsend", SetLastError = true)]
    internal static unsafe partial int MqTimedSend(SafeMessageQueueHandle mqdes, byte* msgPtr, nuint msgLen, uint msgPrio, timespec* absTimeout);
}

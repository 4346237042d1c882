using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    /// <summary>mq_timedreceive(3): returns the message length (ssize_t) or -1; see <see cref="MqTimedSend"/> for the deadline.</summary>
    [LibraryImport(Libc, EntryPoint = "mq_timedreceive", SetLastError = true)]
    internal static unsafe partial nint MqTimedReceive(SafeMessageQueueHandle mqdes, byte* msgPtr, nuint msgLen, uint* msgPrio, timespec* absTimeout);
}

using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    // <sys/msg.h>
    internal const int MSG_NOERROR = 0x1000; // 010000: truncate instead of E2BIG
    internal const int MSG_EXCEPT = 0x2000;  // 020000: any type but msgtyp
    internal const int MSG_COPY = 0x4000;    // 040000: copy the message at index msgtyp, do not remove

    /// <summary>msgrcv(2): returns the number of text bytes received (ssize_t) or -1. Never restarted after a signal.</summary>
    [LibraryImport(Libc, EntryPoint = "msgrcv", SetLastError = true)]
    internal static unsafe partial nint MsgRcv(int msqid, void* msgp, nuint msgsz, long msgtyp, int msgflg);
}

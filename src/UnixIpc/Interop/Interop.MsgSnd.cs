using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    /// <summary>msgsnd(2): <paramref name="msgp"/> points at a long mtype followed by <paramref name="msgsz"/> bytes. Never restarted after a signal.</summary>
    [LibraryImport(Libc, EntryPoint = "msgsnd", SetLastError = true)]
    internal static unsafe partial int MsgSnd(int msqid, void* msgp, nuint msgsz, int msgflg);
}

using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    /// <summary>msgget(2): returns the queue id, or -1.</summary>
    [LibraryImport(Libc, EntryPoint = "msgget", SetLastError = true)]
    internal static partial int MsgGet(int key, int msgflg);
}

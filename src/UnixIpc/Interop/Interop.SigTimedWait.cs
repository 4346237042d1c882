using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    /// <summary>sigtimedwait(2): takes one pending signal of <paramref name="set"/>; -1 with EAGAIN when the time ran out, EINTR when a handler ran.</summary>
    [LibraryImport(Libc, EntryPoint = "sigtimedwait", SetLastError = true)]
    internal static unsafe partial int SigTimedWait(void* set, siginfo_t* info, timespec* timeout);
}

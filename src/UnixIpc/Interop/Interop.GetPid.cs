using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    /// <summary>
    /// The address of libc's getpid, used as a do-nothing signal handler: async-signal-safe, and not managed
    /// code (a managed handler would need the runtime on a thread it interrupted).
    /// </summary>
    internal static nint GetPidAddress() => NativeLibrary.GetExport(NativeLibrary.Load(Libc), "getpid");
}

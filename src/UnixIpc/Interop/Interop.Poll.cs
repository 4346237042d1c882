using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    internal const short POLLIN = 0x1;
    internal const short POLLOUT = 0x4;
    internal const short POLLHUP = 0x10;

    /// <summary>struct pollfd.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct pollfd
    {
        public int fd;
        public short events;
        public short revents;
    }

    /// <summary>poll(2): how a synchronous call waits on a non-blocking descriptor.</summary>
    [LibraryImport(Libc, EntryPoint = "poll", SetLastError = true)]
    internal static unsafe partial int Poll(pollfd* fds, nuint count, int timeoutMilliseconds);
}

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

    /// <summary>
    /// poll(2) on one descriptor, EINTR retried (with the same time-out: -1 waits, 0 only looks); the handle is kept
    /// open meanwhile. Returns the revents (0 when the time-out passed).
    /// </summary>
    internal static unsafe short PollOne(SafeHandle handle, short events, int timeoutMilliseconds, string? objectName)
    {
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            var poll = new pollfd { fd = (int)handle.DangerousGetHandle(), events = events };
            while (true)
            {
                int ready = Poll(&poll, 1, timeoutMilliseconds);
                if (ready >= 0)
                {
                    return ready == 0 ? (short)0 : poll.revents;
                }

                Errno error = LastErrno;
                if (error != Errno.EINTR)
                {
                    throw Fail(error, "poll", objectName);
                }
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }
}

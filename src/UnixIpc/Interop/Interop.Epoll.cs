using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    // <sys/epoll.h>
    internal const int EPOLL_CLOEXEC = 0x80000;
    internal const int EPOLL_CTL_ADD = 1;
    internal const int EPOLL_CTL_DEL = 2;
    internal const int EPOLL_CTL_MOD = 3;
    internal const uint EPOLLIN = 0x001;
    internal const uint EPOLLOUT = 0x004;
    internal const uint EPOLLERR = 0x008;
    internal const uint EPOLLHUP = 0x010;
    internal const uint EPOLLONESHOT = 1u << 30;

    /// <summary>struct epoll_event as x86-64 declares it: packed, 12 bytes, data at offset 4.</summary>
    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    [CStruct("epoll_event", Architecture.X64)]
    internal struct epoll_event_x64
    {
        public uint events;
        public ulong data;
    }

    /// <summary>struct epoll_event elsewhere (arm64): naturally aligned, 16 bytes.</summary>
    [StructLayout(LayoutKind.Sequential)]
    [CStruct("epoll_event", Architecture.Arm64)]
    internal struct epoll_event_generic
    {
        public uint events;
        public ulong data;
    }

    [LibraryImport(Libc, EntryPoint = "epoll_create1", SetLastError = true)]
    internal static partial int EpollCreate1(int flags);

    /// <summary>epoll_ctl(2); <paramref name="evt"/> points at the architecture's epoll_event.</summary>
    [LibraryImport(Libc, EntryPoint = "epoll_ctl", SetLastError = true)]
    internal static unsafe partial int EpollCtl(SafeFdHandle epfd, int op, int fd, void* evt);

    /// <summary>epoll_wait(2); <paramref name="events"/> is an array of the architecture's epoll_event.</summary>
    [LibraryImport(Libc, EntryPoint = "epoll_wait", SetLastError = true)]
    internal static unsafe partial int EpollWait(SafeFdHandle epfd, void* events, int maxevents, int timeout);
}

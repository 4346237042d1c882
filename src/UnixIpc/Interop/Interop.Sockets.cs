using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    // <sys/socket.h>
    internal const int AF_UNIX = 1;
    internal const int SOCK_STREAM = 1;
    internal const int SOCK_DGRAM = 2;
    internal const int SOCK_SEQPACKET = 5;
    internal const int SOCK_CLOEXEC = 0x80000;
    internal const int SOL_SOCKET = 1;
    internal const int SCM_RIGHTS = 1;
    internal const int SCM_CREDENTIALS = 2;
    internal const int SO_PASSCRED = 16;
    internal const int SO_PEERCRED = 17;
    internal const int MSG_CTRUNC = 0x8;
    internal const int MSG_DONTWAIT = 0x40;
    internal const int MSG_NOSIGNAL = 0x4000;
    internal const int MSG_CMSG_CLOEXEC = 0x40000000;

    /// <summary>struct msghdr (56 bytes on 64-bit Linux).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct msghdr
    {
        public nint msg_name;
        public uint msg_namelen;
        public nint msg_iov;
        public nuint msg_iovlen;
        public nint msg_control;
        public nuint msg_controllen;
        public int msg_flags;
    }

    /// <summary>struct cmsghdr (16 bytes of header on 64-bit Linux; the data follows, aligned to 8).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct cmsghdr
    {
        public nuint cmsg_len;
        public int cmsg_level;
        public int cmsg_type;
    }

    /// <summary>struct ucred (SO_PEERCRED).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct ucred
    {
        public int pid;
        public uint uid;
        public uint gid;
    }

    /// <summary>CMSG_SPACE for <paramref name="bytes"/> bytes of data: the header and the data, each rounded up to 8.</summary>
    internal static int CmsgSpace(int bytes) => 16 + ((bytes + 7) & ~7);

    /// <summary>CMSG_LEN: the header plus the data, unpadded.</summary>
    internal static int CmsgLen(int bytes) => 16 + bytes;

    [LibraryImport(Libc, EntryPoint = "socketpair", SetLastError = true)]
    internal static unsafe partial int SocketPair(int domain, int type, int protocol, int* fds);

    [LibraryImport(Libc, EntryPoint = "sendmsg", SetLastError = true)]
    internal static unsafe partial nint SendMsg(SafeHandle socket, msghdr* message, int flags);

    [LibraryImport(Libc, EntryPoint = "recvmsg", SetLastError = true)]
    internal static unsafe partial nint RecvMsg(SafeHandle socket, msghdr* message, int flags);

    [LibraryImport(Libc, EntryPoint = "setsockopt", SetLastError = true)]
    internal static unsafe partial int SetSockOpt(SafeHandle socket, int level, int name, void* value, uint length);

    [LibraryImport(Libc, EntryPoint = "getsockopt", SetLastError = true)]
    internal static unsafe partial int GetSockOpt(SafeHandle socket, int level, int name, void* value, uint* length);
}

using System.Runtime.InteropServices;

namespace UnixIpc.Benchmarks.Micro;

/// <summary>
/// The bare libc calls the micro-benchmarks' baselines make: no SafeHandle, no errno capture, no checks, so the
/// ratio of a UnixIpc call to its baseline is the managed layer's cost alone. Constants as in the Linux headers.
/// </summary>
#pragma warning disable CS8981 // the structs keep their C names (flock, msghdr), as in src/UnixIpc/Interop
internal static unsafe partial class Libc
{
    private const string Library = "libc.so.6";

    public const int O_RDWR = 2;
    public const int IPC_NOWAIT = 0x800;
    public const int MSG_DONTWAIT = 0x40;
    public const int MSG_NOSIGNAL = 0x4000;
    public const int MSG_CMSG_CLOEXEC = 0x40000000;
    public const int SOL_SOCKET = 1;
    public const int SCM_RIGHTS = 1;
    public const int SCM_CREDENTIALS = 2;
    public const int F_SETLK = 6;
    public const int F_OFD_SETLK = 37;
    public const short F_WRLCK = 1;
    public const short F_UNLCK = 2;
    public const int LOCK_EX = 2;
    public const int LOCK_NB = 4;
    public const int LOCK_UN = 8;
    public const nint SIG_IGN = 1;

    [StructLayout(LayoutKind.Sequential)]
    public struct flock
    {
        public short l_type;
        public short l_whence;
        public long l_start;
        public long l_len;
        public int l_pid;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct sembuf
    {
        public ushort sem_num;
        public short sem_op;
        public short sem_flg;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct iovec
    {
        public void* iov_base;
        public nuint iov_len;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct msghdr
    {
        public void* msg_name;
        public uint msg_namelen;
        public iovec* msg_iov;
        public nuint msg_iovlen;
        public void* msg_control;
        public nuint msg_controllen;
        public int msg_flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct cmsghdr
    {
        public nuint cmsg_len;
        public int cmsg_level;
        public int cmsg_type;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct ucred
    {
        public int pid;
        public uint uid;
        public uint gid;
    }

    /// <summary>CMSG_LEN: the header (16 bytes on 64-bit Linux) and <paramref name="bytes"/> of data.</summary>
    public static int CmsgLen(int bytes) => sizeof(cmsghdr) + bytes;

    /// <summary>CMSG_SPACE: as CMSG_LEN with the data padded to 8.</summary>
    public static int CmsgSpace(int bytes) => sizeof(cmsghdr) + ((bytes + 7) & ~7);

    /// <summary>The pipe and FIFO baseline: <paramref name="buffer"/> written to one descriptor, then read from the other.</summary>
    public static void WriteThenRead(int writeFd, int readFd, byte[] buffer)
    {
        fixed (byte* bytes = buffer)
        {
            _ = Write(writeFd, bytes, (nuint)buffer.Length);
            _ = Read(readFd, bytes, (nuint)buffer.Length);
        }
    }

    [LibraryImport(Library, EntryPoint = "read")]
    public static partial nint Read(int fd, byte* buffer, nuint count);

    [LibraryImport(Library, EntryPoint = "write")]
    public static partial nint Write(int fd, byte* buffer, nuint count);

    [LibraryImport(Library, EntryPoint = "close")]
    public static partial int Close(int fd);

    [LibraryImport(Library, EntryPoint = "send")]
    public static partial nint Send(int fd, byte* buffer, nuint count, int flags);

    [LibraryImport(Library, EntryPoint = "recv")]
    public static partial nint Receive(int fd, byte* buffer, nuint count, int flags);

    [LibraryImport(Library, EntryPoint = "sendmsg")]
    public static partial nint SendMessage(int fd, msghdr* message, int flags);

    [LibraryImport(Library, EntryPoint = "recvmsg")]
    public static partial nint ReceiveMessage(int fd, msghdr* message, int flags);

    [LibraryImport(Library, EntryPoint = "mq_open", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int MqOpen(string name, int flags);

    [LibraryImport(Library, EntryPoint = "mq_close")]
    public static partial int MqClose(int queue);

    [LibraryImport(Library, EntryPoint = "mq_send")]
    public static partial int MqSend(int queue, byte* message, nuint length, uint priority);

    [LibraryImport(Library, EntryPoint = "mq_receive")]
    public static partial nint MqReceive(int queue, byte* buffer, nuint length, uint* priority);

    [LibraryImport(Library, EntryPoint = "msgsnd")]
    public static partial int MsgSnd(int id, void* message, nuint length, int flags);

    [LibraryImport(Library, EntryPoint = "msgrcv")]
    public static partial nint MsgRcv(int id, void* message, nuint length, nint type, int flags);

    [LibraryImport(Library, EntryPoint = "sem_open", StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint SemOpen(string name, int flags);

    [LibraryImport(Library, EntryPoint = "sem_close")]
    public static partial int SemClose(nint semaphore);

    [LibraryImport(Library, EntryPoint = "sem_post")]
    public static partial int SemPost(nint semaphore);

    [LibraryImport(Library, EntryPoint = "sem_trywait")]
    public static partial int SemTryWait(nint semaphore);

    [LibraryImport(Library, EntryPoint = "semop")]
    public static partial int SemOp(int id, sembuf* operations, nuint count);

    [LibraryImport(Library, EntryPoint = "fcntl")]
    public static partial int FcntlLock(int fd, int command, flock* description);

    [LibraryImport(Library, EntryPoint = "flock")]
    public static partial int Flock(int fd, int operation);

    [LibraryImport(Library, EntryPoint = "sigqueue")]
    public static partial int SigQueue(int pid, int signal, nint value);

    [LibraryImport(Library, EntryPoint = "signal")]
    public static partial nint Signal(int signal, nint handler);

    [LibraryImport(Library, EntryPoint = "getpid")]
    public static partial int GetPid();
}

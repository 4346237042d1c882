namespace UnixIpc;

internal static partial class Interop
{
    // <sys/ipc.h>: shared by shmget, msgget and semget.
    internal const int IPC_PRIVATE = 0;
    internal const int IPC_CREAT = 0x200;   // 01000
    internal const int IPC_EXCL = 0x400;    // 02000
    internal const int IPC_NOWAIT = 0x800;  // 04000
    internal const int IPC_RMID = 0;
    internal const int IPC_SET = 1;
    internal const int IPC_STAT = 2;
    internal const int IPC_INFO = 3;

    /// <summary>
    /// struct ipc_perm (48 bytes), glibc's generic layout, used on x86-64 and arm64 since glibc 2.31:
    /// mode is a 32-bit mode_t followed by the 16-bit sequence number.
    /// </summary>
    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    internal struct ipc_perm
    {
        public int __key;
        public uint uid;
        public uint gid;
        public uint cuid;
        public uint cgid;
        public uint mode;
        public ushort __seq;
        public ushort __pad2;
        public ulong __glibc_reserved1;
        public ulong __glibc_reserved2;
    }
}

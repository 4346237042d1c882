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
    /// struct ipc_perm (48 bytes). x86-64 declares <c>mode</c> as an unsigned short followed by padding,
    /// the generic (arm64) header as a 32-bit mode_t; reading the low 16 bits at offset 20 is right on
    /// both little-endian layouts, and every mode bit (including SHM_DEST) fits in them.
    /// </summary>
    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    internal struct ipc_perm
    {
        public int __key;
        public uint uid;
        public uint gid;
        public uint cuid;
        public uint cgid;
        public ushort mode;
        public ushort __pad1;
        public ushort __seq;
        public ushort __pad2;
        public ulong __glibc_reserved1;
        public ulong __glibc_reserved2;
    }
}

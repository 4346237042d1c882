using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    /// <summary>struct msqid_ds (120 bytes on 64-bit Linux).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct msqid_ds
    {
        public ipc_perm msg_perm;
        public long msg_stime;
        public long msg_rtime;
        public long msg_ctime;
        public ulong __msg_cbytes;
        public ulong msg_qnum;
        public ulong msg_qbytes;
        public int msg_lspid;
        public int msg_lrpid;
        public ulong __glibc_reserved4;
        public ulong __glibc_reserved5;
    }

    /// <summary>msgctl(2) for IPC_STAT, IPC_SET and IPC_RMID.</summary>
    [LibraryImport(Libc, EntryPoint = "msgctl", SetLastError = true)]
    internal static unsafe partial int MsgCtl(int msqid, int cmd, msqid_ds* buf);
}

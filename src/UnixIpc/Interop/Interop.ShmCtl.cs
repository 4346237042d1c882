using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    // <sys/shm.h>: bits in shm_perm.mode, and shmctl commands.
    internal const int SHM_DEST = 0x200;    // 01000: marked for removal, destroyed at the last detach
    internal const int SHM_LOCKED = 0x400;  // 02000: locked in memory with SHM_LOCK
    internal const int SHM_LOCK = 11;
    internal const int SHM_UNLOCK = 12;

    /// <summary>struct shmid_ds (112 bytes on 64-bit Linux).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct shmid_ds
    {
        public ipc_perm shm_perm;
        public nuint shm_segsz;
        public long shm_atime;
        public long shm_dtime;
        public long shm_ctime;
        public int shm_cpid;
        public int shm_lpid;
        public ulong shm_nattch;
        public ulong __glibc_reserved5;
        public ulong __glibc_reserved6;
    }

    /// <summary>shmctl(2) for IPC_STAT, IPC_SET and IPC_RMID.</summary>
    [LibraryImport(Libc, EntryPoint = "shmctl", SetLastError = true)]
    internal static unsafe partial int ShmCtl(int shmid, int cmd, shmid_ds* buffer);
}

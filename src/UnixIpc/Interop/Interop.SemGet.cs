using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    // <sys/sem.h>
    internal const short SEM_UNDO = 0x1000;
    internal const int GETPID = 11;
    internal const int GETVAL = 12;
    internal const int GETALL = 13;
    internal const int GETNCNT = 14;
    internal const int GETZCNT = 15;
    internal const int SETVAL = 16;
    internal const int SETALL = 17;

    /// <summary>struct sembuf (6 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct sembuf
    {
        public ushort sem_num;
        public short sem_op;
        public short sem_flg;
    }

    /// <summary>struct semid_ds (104 bytes on 64-bit Linux, with the generic header's *_high words).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct semid_ds
    {
        public ipc_perm sem_perm;
        public long sem_otime;
        public ulong __sem_otime_high;
        public long sem_ctime;
        public ulong __sem_ctime_high;
        public ulong sem_nsems;
        public ulong __glibc_reserved3;
        public ulong __glibc_reserved4;
    }

    /// <summary>semget(2).</summary>
    [LibraryImport(Libc, EntryPoint = "semget", SetLastError = true)]
    internal static partial int SemGet(int key, int nsems, int semflg);

    /// <summary>semop(2): all operations or none; never restarted after a signal.</summary>
    [LibraryImport(Libc, EntryPoint = "semop", SetLastError = true)]
    internal static unsafe partial int SemOp(int semid, sembuf* sops, nuint nsops);

    /// <summary>semtimedop(2): a relative time-out; it runs out with EAGAIN, not ETIMEDOUT.</summary>
    [LibraryImport(Libc, EntryPoint = "semtimedop", SetLastError = true)]
    internal static unsafe partial int SemTimedOp(int semid, sembuf* sops, nuint nsops, timespec* timeout);

    /// <summary>
    /// semctl(2). C declares it variadic with a <c>union semun</c> fourth argument (an int, or a pointer to a
    /// semid_ds or an unsigned short array); one pointer-sized argument carries any of them on the x86-64
    /// and arm64 Linux calling conventions (an int goes in the low 32 bits).
    /// </summary>
    [LibraryImport(Libc, EntryPoint = "semctl", SetLastError = true)]
    internal static partial int SemCtl(int semid, int semnum, int cmd, nint arg);
}

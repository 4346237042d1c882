using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    // <fcntl.h>: record locks.
    internal const int F_GETLK = 5;
    internal const int F_SETLK = 6;
    internal const int F_SETLKW = 7;
    internal const int F_OFD_GETLK = 36;
    internal const int F_OFD_SETLK = 37;
    internal const int F_OFD_SETLKW = 38;
    internal const short F_RDLCK = 0;
    internal const short F_WRLCK = 1;
    internal const short F_UNLCK = 2;
    internal const short SEEK_SET = 0;

    /// <summary>struct flock (32 bytes on 64-bit Linux, off_t 64-bit).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct flock
    {
        public short l_type;
        public short l_whence;
        public long l_start;
        public long l_len;
        public int l_pid;
    }

    /// <summary>
    /// fcntl(2) with a struct flock argument. Variadic in C (<c>int fcntl(int, int, ...)</c>); a pointer as the
    /// fixed third argument is valid on the x86-64 and arm64 Linux calling conventions.
    /// </summary>
    [LibraryImport(Libc, EntryPoint = "fcntl", SetLastError = true)]
    internal static unsafe partial int FcntlLock(SafeHandle fd, int cmd, flock* lockInfo);

    // <fcntl.h>: descriptor and file-status flags, pipe capacity.
    internal const int F_GETFD = 1;
    internal const int F_SETFD = 2;
    internal const int F_GETFL = 3;
    internal const int F_SETFL = 4;
    internal const int FD_CLOEXEC = 1;
    internal const int F_SETPIPE_SZ = 1031;
    internal const int F_GETPIPE_SZ = 1032;

    /// <summary>fcntl(2) with an int (or no) third argument; see <see cref="FcntlLock"/> on the variadic declaration.</summary>
    [LibraryImport(Libc, EntryPoint = "fcntl", SetLastError = true)]
    internal static partial int FcntlInt(SafeHandle fd, int cmd, int arg);

    /// <summary>Sets or clears O_NONBLOCK on the open file description (F_GETFL, then F_SETFL).</summary>
    internal static void SetNonBlocking(SafeHandle fd, bool nonBlocking, string? objectName)
    {
        int flags = Check(FcntlInt(fd, F_GETFL, 0), "fcntl", objectName, "F_GETFL");
        int wanted = nonBlocking ? flags | O_NONBLOCK : flags & ~O_NONBLOCK;
        if (wanted != flags)
        {
            Check(FcntlInt(fd, F_SETFL, wanted), "fcntl", objectName, "F_SETFL");
        }
    }

    // <sys/file.h>: whole-file locks.
    internal const int LOCK_SH = 1;
    internal const int LOCK_EX = 2;
    internal const int LOCK_NB = 4;
    internal const int LOCK_UN = 8;

    /// <summary>flock(2).</summary>
    [LibraryImport(Libc, EntryPoint = "flock", SetLastError = true)]
    internal static partial int Flock(SafeHandle fd, int operation);
}

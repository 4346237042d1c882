using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    /// <summary>RWF_NOWAIT (sys/uio.h): this one call does not wait, whatever the descriptor's O_NONBLOCK says.</summary>
    internal const int RWF_NOWAIT = 0x8;

    /// <summary>read(2).</summary>
    [LibraryImport(Libc, EntryPoint = "read", SetLastError = true)]
    internal static unsafe partial nint Read(SafeHandle fd, byte* buffer, nuint count);

    /// <summary>write(2).</summary>
    [LibraryImport(Libc, EntryPoint = "write", SetLastError = true)]
    internal static unsafe partial nint Write(SafeHandle fd, byte* buffer, nuint count);

    /// <summary>struct iovec.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct iovec
    {
        public nint iov_base;
        public nuint iov_len;
    }

    /// <summary>
    /// preadv2(2) (glibc 2.26+); offset -1 reads at the current position, as read does, which is what a pipe
    /// needs. With <see cref="RWF_NOWAIT"/> it is a non-blocking read on a blocking pipe: the descriptor can
    /// stay blocking for a child that inherits it while this process still reads it without parking a thread.
    /// </summary>
    [LibraryImport(Libc, EntryPoint = "preadv2", SetLastError = true)]
    internal static unsafe partial nint PReadV2(SafeHandle fd, iovec* iov, int iovcnt, long offset, int flags);

    /// <summary>pwritev2(2) (glibc 2.26+), as <see cref="PReadV2"/>.</summary>
    [LibraryImport(Libc, EntryPoint = "pwritev2", SetLastError = true)]
    internal static unsafe partial nint PWriteV2(SafeHandle fd, iovec* iov, int iovcnt, long offset, int flags);
}

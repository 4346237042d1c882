using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    /// <summary>FIONREAD (sys/ioctl.h): the number of unread bytes in a pipe, FIFO or socket.</summary>
    internal const uint FIONREAD = 0x541B;

    /// <summary>ioctl(2) with an int* argument. Variadic in C; a pointer as the fixed third argument is valid on x86-64 and arm64 Linux.</summary>
    [LibraryImport(Libc, EntryPoint = "ioctl", SetLastError = true)]
    internal static unsafe partial int IoctlInt(SafeHandle fd, nuint request, int* value);
}

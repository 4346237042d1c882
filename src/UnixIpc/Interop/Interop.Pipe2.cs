using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    /// <summary>PIPE_BUF (limits.h): writes of at most this many bytes to a pipe or FIFO are atomic.</summary>
    internal const int PIPE_BUF = 4096;

    /// <summary>
    /// O_DIRECT, which pipe2 takes as "packet mode". Unlike the other open flags it differs by architecture
    /// (0x4000 on x86-64, 0x10000 on arm64), so it is not a constant; the layout test checks the running one.
    /// </summary>
    internal static int O_DIRECT_FLAG => RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 0x10000 : 0x4000;

    /// <summary>pipe2(2): fds[0] is the read end, fds[1] the write end.</summary>
    [LibraryImport(Libc, EntryPoint = "pipe2", SetLastError = true)]
    internal static unsafe partial int Pipe2(int* fds, int flags);
}

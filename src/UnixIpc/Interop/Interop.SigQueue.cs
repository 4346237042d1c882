using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    /// <summary>
    /// sigqueue(3). The third argument is <c>union sigval</c> passed by value: 8 bytes in one register on x86-64 and
    /// arm64, whose low 32 bits are sival_int; passed here as a pointer-sized integer.
    /// </summary>
    [LibraryImport(Libc, EntryPoint = "sigqueue", SetLastError = true)]
    internal static partial int SigQueue(int pid, int signal, nint value);
}

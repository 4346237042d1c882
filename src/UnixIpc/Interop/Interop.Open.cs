using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    /// <summary>open(2); invalid handle and errno set on failure.</summary>
    internal static SafeFdHandle Open(string path, int flags, uint mode) => SafeFdHandle.Own(OpenCore(path, flags, mode));

    /// <summary>
    /// C declares open variadic (<c>int open(const char*, int, ...)</c>); passing the mode as a fixed third
    /// argument is valid on the x86-64 and arm64 Linux calling conventions, where variadic integer
    /// arguments travel in the same registers as fixed ones. Returns int for the reason in Interop.ShmOpen.cs.
    /// </summary>
    [LibraryImport(Libc, EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int OpenCore(string path, int flags, uint mode);
}

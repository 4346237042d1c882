using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    /// <summary>
    /// open(2). C declares it variadic (<c>int open(const char*, int, ...)</c>); passing the mode as a
    /// fixed third argument is valid on the x86-64 and arm64 Linux calling conventions, where variadic
    /// integer arguments travel in the same registers as fixed ones.
    /// </summary>
    [LibraryImport(Libc, EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial SafeFdHandle Open(string path, int flags, uint mode);
}

using System.Runtime.InteropServices;

namespace UnixIpc.Tests;

/// <summary>libc calls the tests need but the library does not (identity, umask, descriptor flags).</summary>
internal static partial class TestNative
{
    public const int F_GETFD = 1;
    public const int F_DUPFD_CLOEXEC = 1030;
    public const int FD_CLOEXEC = 1;

    [LibraryImport("libc.so.6", EntryPoint = "geteuid")]
    public static partial uint GetEuid();

    [LibraryImport("libc.so.6", EntryPoint = "getegid")]
    public static partial uint GetEgid();

    [LibraryImport("libc.so.6", EntryPoint = "umask")]
    public static partial uint Umask(uint mask);

    [LibraryImport("libc.so.6", EntryPoint = "fcntl", SetLastError = true)]
    public static partial int Fcntl(int fd, int cmd, int arg);

    /// <summary>This process's soft RLIMIT_NOFILE (descriptors are numbered below it).</summary>
    public static int OpenFilesLimit()
    {
        string line = File.ReadLines("/proc/self/limits").First(l => l.StartsWith("Max open files", StringComparison.Ordinal));
        return int.Parse(line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], System.Globalization.CultureInfo.InvariantCulture);
    }
}

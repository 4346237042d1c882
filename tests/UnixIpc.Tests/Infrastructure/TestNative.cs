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

    [LibraryImport("libc.so.6", EntryPoint = "lseek", SetLastError = true)]
    public static partial long LSeek(int fd, long offset, int whence);

    [LibraryImport("libc.so.6", EntryPoint = "pipe2", SetLastError = true)]
    public static unsafe partial int Pipe2(int* fds, int flags);

    [LibraryImport("libc.so.6", EntryPoint = "write", SetLastError = true)]
    public static unsafe partial nint Write(int fd, byte* buffer, nuint count);

    [LibraryImport("libc.so.6", EntryPoint = "read", SetLastError = true)]
    public static unsafe partial nint Read(int fd, byte* buffer, nuint count);

    [LibraryImport("libc.so.6", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    public const int O_RDONLY = 0x0;
    public const int O_WRONLY = 0x1;
    public const int O_RDWR = 0x2;
    public const int O_NONBLOCK = 0x800;
    public const int O_CLOEXEC = 0x80000;

    /// <summary>open(2) as C calls it, for what the library does not offer (O_RDWR on a FIFO) or to compare with it.</summary>
    [LibraryImport("libc.so.6", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Open(string path, int flags, uint mode);

    /// <summary>mkfifo(3) as C calls it: the umask applies.</summary>
    [LibraryImport("libc.so.6", EntryPoint = "mkfifo", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int MkFifo(string path, uint mode);

    /// <summary>This process's umask, read from /proc/self/status (setting it to read it would race other tests).</summary>
    public static UnixFileMode CurrentUmask()
    {
        string line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("Umask:", StringComparison.Ordinal));
        return (UnixFileMode)Convert.ToInt32(line["Umask:".Length..].Trim(), 8);
    }

    public static Errno LastErrno => (Errno)System.Runtime.InteropServices.Marshal.GetLastPInvokeError();

    /// <summary>The number of this process's open descriptors (/proc/self/fd).</summary>
    public static int OpenDescriptorCount() => Directory.GetFiles("/proc/self/fd").Length;

    [LibraryImport("libc.so.6", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);
}

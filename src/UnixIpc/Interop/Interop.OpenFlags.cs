namespace UnixIpc;

internal static partial class Interop
{
    // <fcntl.h>: the same values on x86-64 and arm64 for the flags used here.
    internal const int O_RDONLY = 0x0;
    internal const int O_WRONLY = 0x1;
    internal const int O_RDWR = 0x2;
    internal const int O_CREAT = 0x40;
    internal const int O_EXCL = 0x80;
    internal const int O_NOCTTY = 0x100;
    internal const int O_TRUNC = 0x200;
    internal const int O_NONBLOCK = 0x800;
    internal const int O_CLOEXEC = 0x80000;
    internal const int O_PATH = 0x200000;

    // <fcntl.h> / <sys/stat.h>: statx on a descriptor.
    internal const int AT_EMPTY_PATH = 0x1000;

    /// <summary>Renders open flags the way the C call would be written, for error messages.</summary>
    internal static string DescribeOpenFlags(int flags)
    {
        string access = (flags & 0x3) switch { O_WRONLY => "O_WRONLY", O_RDWR => "O_RDWR", _ => "O_RDONLY" };
        if ((flags & O_CREAT) != 0) access += "|O_CREAT";
        if ((flags & O_EXCL) != 0) access += "|O_EXCL";
        if ((flags & O_TRUNC) != 0) access += "|O_TRUNC";
        if ((flags & O_NONBLOCK) != 0) access += "|O_NONBLOCK";
        return access;
    }
}

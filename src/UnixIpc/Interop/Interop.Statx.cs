using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    internal const uint STATX_BASIC_STATS = 0x7ff;

    /// <summary>The file-type bits of a mode, and the type of a regular file (sys/stat.h).</summary>
    [CConstant("S_IFMT")]
    internal const int S_IFMT = 0xF000;

    [CConstant("S_IFREG")]
    internal const int S_IFREG = 0x8000;

    internal const int S_IFDIR = 0x4000;
    internal const int S_IFCHR = 0x2000;
    internal const int S_IFBLK = 0x6000;
    internal const int S_IFLNK = 0xA000;
    internal const int S_IFSOCK = 0xC000;

    /// <summary>What a file type (mode &amp; S_IFMT) is, for messages that refuse it: "a FIFO", "a directory"…</summary>
    internal static string DescribeFileType(int type) => type switch
    {
        S_IFREG => "a regular file",
        S_IFIFO => "a FIFO",
        S_IFDIR => "a directory",
        S_IFCHR => "a character device",
        S_IFBLK => "a block device",
        S_IFLNK => "a symbolic link",
        S_IFSOCK => "a socket",
        _ => "an unknown kind of file",
    };

    /// <summary>struct statx_timestamp (16 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct statx_timestamp
    {
        public long tv_sec;
        public uint tv_nsec;
        public int __reserved;
    }

    /// <summary>
    /// struct statx: unlike struct stat it has one layout on every architecture (256 bytes), which is
    /// why it is used here instead of fstat. Only the leading fields are named; the rest is spare.
    /// </summary>
    [StructLayout(LayoutKind.Sequential, Size = 256)]
    internal struct statx
    {
        public uint stx_mask;
        public uint stx_blksize;
        public ulong stx_attributes;
        public uint stx_nlink;
        public uint stx_uid;
        public uint stx_gid;
        public ushort stx_mode;
        public ushort __spare0;
        public ulong stx_ino;
        public ulong stx_size;
        public ulong stx_blocks;
        public ulong stx_attributes_mask;
        public statx_timestamp stx_atime;
        public statx_timestamp stx_btime;
        public statx_timestamp stx_ctime;
        public statx_timestamp stx_mtime;
        public uint stx_rdev_major;
        public uint stx_rdev_minor;
        public uint stx_dev_major;
        public uint stx_dev_minor;
    }

    /// <summary>statx(2) (glibc 2.28+); with <see cref="AT_EMPTY_PATH"/> and an empty path it describes <paramref name="dirfd"/> itself.</summary>
    [LibraryImport(Libc, EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static unsafe partial int Statx(SafeFdHandle dirfd, string path, int flags, uint mask, statx* buffer);

    /// <summary>statx of an open descriptor, throwing on failure.</summary>
    internal static unsafe statx FStatx(SafeFdHandle fd, string? objectName)
    {
        statx buffer;
        Check(Statx(fd, string.Empty, AT_EMPTY_PATH, STATX_BASIC_STATS, &buffer), "statx", objectName);
        return buffer;
    }

    internal const int AT_FDCWD = -100;

    [LibraryImport(Libc, EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static unsafe partial int StatxAt(int dirfd, string path, int flags, uint mask, statx* buffer);

    /// <summary>statx of a path (following symlinks), relative to the working directory; -1 and errno on failure.</summary>
    internal static unsafe int StatxPath(string path, statx* buffer) => StatxAt(AT_FDCWD, path, 0, STATX_BASIC_STATS, buffer);

    internal const int AT_SYMLINK_NOFOLLOW = 0x100;

    /// <summary>statx of the path itself: a symbolic link is described, not followed.</summary>
    internal static unsafe int StatxPathNoFollow(string path, statx* buffer) => StatxAt(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, buffer);
}

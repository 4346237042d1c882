using Microsoft.Win32.SafeHandles;

namespace UnixIpc;

/// <summary>
/// Maps a regular file into memory (mmap). With <see cref="MapAccess.ReadWrite"/> every process that maps
/// the file shares the bytes and they reach the file (see <see cref="MappedRegion.Flush"/>); with
/// <see cref="MapAccess.CopyOnWrite"/> writes stay private. The file may be closed once mapped.
/// </summary>
public static class MappedFile
{
    /// <summary>Maps <paramref name="length"/> bytes of the file at <paramref name="path"/> from <paramref name="offset"/> (-1: to the end).</summary>
    /// <exception cref="UnixIpcException">ENOENT when the file does not exist, EACCES when it cannot be opened for the access.</exception>
    public static MappedRegion Map(string path, MapAccess access = MapAccess.ReadWrite, long offset = 0, long length = -1)
    {
        RequiredText.ThrowIfEmpty(path, "the path of the file to map");
        int flags = (access == MapAccess.ReadWrite ? Interop.O_RDWR : Interop.O_RDONLY) | Interop.O_CLOEXEC | Interop.O_NOCTTY;
        using SafeFdHandle fd = OpenFile(path, flags);
        long size = (long)Interop.FStatx(fd, path).stx_size;
        return MemoryMapper.Map(fd, size, offset, length, access, path);
    }

    /// <summary>
    /// Maps a file that is already open, e.g. from <see cref="File.OpenHandle"/>. The handle must have been
    /// opened for writing for <see cref="MapAccess.ReadWrite"/>.
    /// </summary>
    public static MappedRegion Map(SafeFileHandle file, MapAccess access = MapAccess.ReadWrite, long offset = 0, long length = -1)
    {
        ArgumentNullException.ThrowIfNull(file);
        ObjectDisposedException.ThrowIf(file.IsClosed, file);
        bool added = false;
        file.DangerousAddRef(ref added);
        try
        {
            // Borrow the descriptor without taking ownership: this SafeFdHandle never closes it.
            using SafeFdHandle borrowed = SafeFdHandle.Borrow((int)file.DangerousGetHandle());
            string name = $"fd {(int)file.DangerousGetHandle()}";
            long size = (long)Interop.FStatx(borrowed, name).stx_size;
            return MemoryMapper.Map(borrowed, size, offset, length, access, name);
        }
        finally
        {
            file.DangerousRelease();
        }
    }

    // O_NONBLOCK so that a FIFO where a file was expected does not block the open; anything but a regular file (or a
    // block device, which maps) is refused before it is mapped.
    private static SafeFdHandle OpenFile(string path, int flags)
    {
        while (true)
        {
            SafeFdHandle fd = Interop.Open(path, flags | Interop.O_NONBLOCK, 0);
            if (!fd.IsInvalid)
            {
                int type = Interop.FStatx(fd, path).stx_mode & Interop.S_IFMT;
                if (type is not (Interop.S_IFREG or Interop.S_IFBLK))
                {
                    fd.Dispose();
                    throw new InvalidDataException($"{path} is not a regular file ({Interop.DescribeFileType(type)}): it cannot be mapped.");
                }

                Interop.SetNonBlocking(fd, false, path);
                return fd;
            }

            Errno error = Interop.LastErrno;
            fd.Dispose();
            if (error != Errno.EINTR)
            {
                throw Interop.Fail(error, "open", path, $"\"{path}\", {Interop.DescribeOpenFlags(flags)}");
            }
        }
    }
}

namespace UnixIpc;

/// <summary>
/// What glibc keeps in /dev/shm/sem.NAME for a named semaphore, looked at without sem_open: checked before sem_open
/// touches it (anyone may write /dev/shm), and read for the value with read permission only.
/// </summary>
/// <remarks>
/// glibc's <c>struct new_sem</c> on 64-bit targets (x86-64 and arm64, both little-endian): a 64-bit word whose low
/// 32 bits are the value and high 32 bits the number of waiters, then <c>private</c>, which sem_open sets to
/// FUTEX_SHARED (128), then padding; 32 bytes in all. sem_getvalue returns the low 32 bits.
/// </remarks>
internal static class NamedSemaphoreFile
{
    internal const int Size = Interop.SIZEOF_SEM_T;
    private const int PrivateOffset = 8;
    private const int FutexShared = 128; // what sem_open stores in new_sem.private: futex calls on it are shared ones

    internal static string PathOf(string name) => "/dev/shm/sem." + name[1..];

    /// <summary>
    /// Checks whatever is at the semaphore's path, if anything: a regular file holding a semaphore glibc made. A file
    /// of zeros or random bytes would make sem_post or sem_wait issue a futex call the kernel refuses, and glibc then
    /// aborts the process; an empty file would kill it with SIGBUS; a FIFO would block the open.
    /// </summary>
    internal static void Validate(string name)
    {
        string path = PathOf(name);
        using SafeFdHandle fd = Interop.Open(path, Interop.O_RDONLY | Interop.O_NONBLOCK | Interop.O_CLOEXEC, 0);
        if (!fd.IsInvalid)
        {
            Check(fd, name, path, out _);
        }

        // Nothing there (or not ours to read): sem_open says what. (A file replaced between this look and sem_open is not caught.)
    }

    /// <summary>The value, read through a read-only mapping: read permission on the file is enough.</summary>
    internal static int ReadValue(string name)
    {
        string path = PathOf(name);
        int flags = Interop.O_RDONLY | Interop.O_NONBLOCK | Interop.O_CLOEXEC;
        SafeFdHandle fd;
        while (true)
        {
            fd = Interop.Open(path, flags, 0);
            if (!fd.IsInvalid)
            {
                break;
            }

            Errno error = Interop.LastErrno;
            fd.Dispose();
            if (error != Errno.EINTR)
            {
                throw Interop.Fail(error, "open", name, $"\"{path}\", {Interop.DescribeOpenFlags(flags)}");
            }
        }

        using (fd)
        {
            Check(fd, name, path, out long fileSize);
            using MappedRegion region = MemoryMapper.Map(fd, fileSize, 0, Size, MapAccess.ReadOnly, name);
            uint value = unchecked((uint)region.AtomicReadInt32(0));
            return value <= int.MaxValue ? (int)value : throw Damaged(name, path, $"its value {value} is above SEM_VALUE_MAX ({int.MaxValue})");
        }
    }

    private static unsafe void Check(SafeFdHandle fd, string name, string path, out long fileSize)
    {
        Interop.statx st = Interop.FStatx(fd, name);
        fileSize = (long)st.stx_size;
        int type = st.stx_mode & Interop.S_IFMT;
        if (type != Interop.S_IFREG)
        {
            throw Damaged(name, path, $"not a regular file: {Interop.DescribeFileType(type)}");
        }

        if (fileSize < Size)
        {
            throw Damaged(name, path, $"{fileSize} bytes, a semaphore has {Size}");
        }

        // The first bytes, as the file holds them now (a read, not a mapping: nothing is touched).
        byte* header = stackalloc byte[Size];
        nint read;
        do
        {
            read = Interop.Read(fd, header, Size);
        }
        while (read == -1 && Interop.LastErrno == Errno.EINTR);
        if (read != Size)
        {
            throw Damaged(name, path, "its first 32 bytes could not be read");
        }

        int shared = *(int*)(header + PrivateOffset);
        uint value = *(uint*)header;
        if (shared != FutexShared)
        {
            throw Damaged(name, path, "its futex mode field is not the one sem_open writes");
        }

        if (value > int.MaxValue)
        {
            throw Damaged(name, path, $"its value {value} is above SEM_VALUE_MAX ({int.MaxValue})");
        }
    }

    private static InvalidDataException Damaged(string name, string path, string what)
        => new($"{path} is not a named semaphore ({what}): not opened. Remove it (psem unlink {name}) if it is left over.");
}

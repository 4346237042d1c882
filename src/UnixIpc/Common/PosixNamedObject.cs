using System.Diagnostics.CodeAnalysis;

namespace UnixIpc;

/// <summary>
/// The life cycle every POSIX named object shares (shared memory, message queues, semaphores; FIFOs next): the
/// create-or-open race loop, unlink, try-unlink. Each type brings its own open and unlink calls (EINTR retried
/// there); the rules live here once.
/// </summary>
internal static class PosixNamedObject
{
    /// <summary>One open of the object: exclusively creating it, or opening an existing one; the errno on failure.</summary>
    public delegate bool TryOpen<T>(bool create, [NotNullWhen(true)] out T? handle, out Errno error)
        where T : class;

    /// <summary>
    /// Opens the object, creating it if it does not exist. Creates exclusively first, so the caller knows it made
    /// the object (and applies its mode, size or value); if the name is taken, opens it; if it vanished between
    /// the two (unlinked by another process), starts again (Boost.Interprocess's loop). Safe when processes race.
    /// </summary>
    public static T CreateOrOpen<T>(TryOpen<T> tryOpen, Func<Errno, Exception> createFailed, Func<Errno, Exception> openFailed, out bool created)
        where T : class
    {
        while (true)
        {
            if (tryOpen(create: true, out T? handle, out Errno error))
            {
                created = true;
                return handle;
            }

            if (error != Errno.EEXIST)
            {
                throw createFailed(error);
            }

            if (tryOpen(create: false, out handle, out error))
            {
                created = false;
                return handle;
            }

            if (error != Errno.ENOENT)
            {
                throw openFailed(error);
            }
        }
    }

    /// <summary>Removes the name with <paramref name="unlink"/> (the libc call: 0, or -1 with errno set); ENOENT and every other refusal throw.</summary>
    public static void Unlink(string name, Func<string, int> unlink, string operation)
    {
        if (unlink(name) == -1)
        {
            throw Interop.Fail(Interop.LastErrno, operation, name);
        }
    }

    /// <summary>Removes the name if it exists; <see langword="false"/> when there was nothing to remove.</summary>
    public static bool TryUnlink(string name, Func<string, int> unlink, string operation)
    {
        if (unlink(name) == 0)
        {
            return true;
        }

        Errno error = Interop.LastErrno;
        return error == Errno.ENOENT ? false : throw Interop.Fail(error, operation, name);
    }
}

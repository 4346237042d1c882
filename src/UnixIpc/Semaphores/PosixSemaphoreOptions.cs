namespace UnixIpc;

/// <summary>How a named POSIX semaphore is created.</summary>
public sealed class PosixSemaphoreOptions
{
    private UnixFileMode _mode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Permissions of a new semaphore; default 0600, applied exactly (not reduced by the umask).</summary>
    public UnixFileMode Mode
    {
        get => _mode;
        set
        {
            if (((int)value & ~0x1FF) != 0)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "Only the read/write bits (0666) apply to semaphores.");
            }

            _mode = value;
        }
    }

    /// <summary>Remove the name when this handle is disposed. Default <see langword="false"/>: it persists until unlinked.</summary>
    public bool UnlinkOnDispose { get; set; }
}

namespace UnixIpc;

/// <summary>How <see cref="PosixSharedMemory.CreateNew"/> and <see cref="PosixSharedMemory.CreateOrOpen"/> create an object.</summary>
public sealed class PosixSharedMemoryOptions
{
    private UnixFileMode _mode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>
    /// Permissions of a new object; default owner read/write (0600). Applied with fchmod after creation,
    /// so the process umask does not remove bits. Only the nine rwx bits are meaningful.
    /// </summary>
    public UnixFileMode Mode
    {
        get => _mode;
        set
        {
            if (((int)value & ~0x1FF) != 0)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "Only the read/write/execute bits (0777) apply to shared memory objects.");
            }

            _mode = value;
        }
    }

    /// <summary>
    /// Remove the name when this handle is disposed (the creator owns the object). Default
    /// <see langword="false"/>: the object outlives the process until someone unlinks it.
    /// </summary>
    public bool UnlinkOnDispose { get; set; }
}

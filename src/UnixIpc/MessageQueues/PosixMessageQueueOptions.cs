namespace UnixIpc;

/// <summary>How a POSIX message queue is created. Options left unset take the kernel's defaults.</summary>
public sealed class PosixMessageQueueOptions
{
    private UnixFileMode _mode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private int? _maxMessages;
    private int? _maxMessageSize;

    /// <summary>
    /// Capacity in messages (mq_maxmsg). Unset: /proc/sys/fs/mqueue/msg_default (10 by default). Without
    /// CAP_SYS_RESOURCE it may not exceed /proc/sys/fs/mqueue/msg_max (10 by default).
    /// </summary>
    public int? MaxMessages
    {
        get => _maxMessages;
        set
        {
            if (value is <= 0)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "A queue holds at least one message.");
            }

            _maxMessages = value;
        }
    }

    /// <summary>
    /// Largest message in bytes (mq_msgsize). Unset: /proc/sys/fs/mqueue/msgsize_default (8192). Without
    /// CAP_SYS_RESOURCE it may not exceed /proc/sys/fs/mqueue/msgsize_max (8192 by default).
    /// </summary>
    public int? MaxMessageSize
    {
        get => _maxMessageSize;
        set
        {
            if (value is <= 0)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "The message size must be at least 1 byte.");
            }

            _maxMessageSize = value;
        }
    }

    /// <summary>Permissions of a new queue; default 0600, applied exactly (not reduced by the umask).</summary>
    public UnixFileMode Mode
    {
        get => _mode;
        set
        {
            if (((int)value & ~0x1FF) != 0)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "Only the read/write bits (0666) apply to message queues.");
            }

            _mode = value;
        }
    }

    /// <summary>Remove the name when this handle is disposed. Default <see langword="false"/>: the queue persists until unlinked.</summary>
    public bool UnlinkOnDispose { get; set; }
}

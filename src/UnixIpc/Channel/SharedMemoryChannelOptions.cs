namespace UnixIpc;

/// <summary>How a thread waits for a channel when it cannot go on.</summary>
public enum ChannelWaitStrategy
{
    /// <summary>Spin for <see cref="SharedMemoryChannelOptions.SpinDuration"/>, then sleep on the shared futex (the default).</summary>
    SpinThenSleep = 0,

    /// <summary>Never sleep: lowest latency, one core busy while waiting.</summary>
    BusySpin = 1,

    /// <summary>Sleep on the futex at once: no spinning at all.</summary>
    Sleep = 2,
}

/// <summary>Who gets a message.</summary>
public enum ChannelDelivery
{
    /// <summary>Each message to exactly one reader (competing consumers).</summary>
    Queue = 0,

    /// <summary>
    /// Each message to every reader (subscribers), each with its own cursor. Producers wait while the slowest
    /// live subscriber is a full ring behind (back-pressure); a subscriber that dies stops counting. A
    /// subscriber that joins late starts at the newest message.
    /// </summary>
    Broadcast = 1,
}

/// <summary>How a <see cref="SharedMemoryChannel"/> is created (and how this process waits on it).</summary>
public sealed class SharedMemoryChannelOptions
{
    private long _capacity = 1 << 20;
    private UnixFileMode _mode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private TimeSpan _spinDuration = TimeSpan.FromMicroseconds(50);
    private ChannelDelivery _channelMode;

    /// <summary>Bytes of the data ring: a power of two, from 4096 up to 1 GiB. Messages may be up to half of it, less 32 bytes.</summary>
    public long Capacity
    {
        get => _capacity;
        set
        {
            if (value < 4096 || value > (1L << 30) || (value & (value - 1)) != 0)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "The capacity must be a power of two between 4096 and 1073741824 bytes (e.g. 65536 or 1048576), so positions wrap with a mask.");
            }

            _capacity = value;
        }
    }

    /// <summary>Permissions of the shared memory object (default 0600).</summary>
    public UnixFileMode Mode
    {
        get => _mode;
        set
        {
            if (((int)value & ~0x1FF) != 0)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "Only the read/write bits apply.");
            }

            _mode = value;
        }
    }

    /// <summary>Queue (default) or broadcast; fixed at creation.</summary>
    public ChannelDelivery Delivery
    {
        get => _channelMode;
        set
        {
            if (!Enum.IsDefined(value))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "Unknown ChannelDelivery.");
            }

            _channelMode = value;
        }
    }

    /// <summary>Remove the name when the creating handle is disposed.</summary>
    public bool UnlinkOnDispose { get; set; }

    /// <summary>How this process waits (not stored in the channel: each process chooses its own).</summary>
    public ChannelWaitStrategy WaitStrategy { get; set; }

    /// <summary>How long <see cref="ChannelWaitStrategy.SpinThenSleep"/> spins before sleeping (default 50 µs).</summary>
    public TimeSpan SpinDuration
    {
        get => _spinDuration;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            _spinDuration = value;
        }
    }
}

namespace UnixIpc;

/// <summary>How a thread waits for a channel when it cannot go on.</summary>
public enum ChannelWaitStrategy
{
    /// <summary>Spin for <see cref="SharedMemoryChannelOpenOptions.SpinDuration"/>, then sleep on the shared futex (the default).</summary>
    SpinThenSleep = 0,

    /// <summary>
    /// Never sleep: lowest latency, one core busy while waiting. A wait that has spun about 25 µs (1024 polls)
    /// offers its core to other runnable threads (sched_yield) every 64 polls, so a spinner that waits for a
    /// process sharing its core lets that process run; still, it is fastest when every spinning process has a
    /// core of its own.
    /// </summary>
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
    /// Each message to every reader (subscribers), each with its own cursor. What happens when a subscriber
    /// falls a full ring behind is <see cref="SharedMemoryChannelOptions.SlowSubscribers"/>; a subscriber that
    /// dies stops counting. A subscriber that joins late starts at the newest message.
    /// </summary>
    Broadcast = 1,
}

/// <summary>What a broadcast channel does when a subscriber falls a full ring behind; fixed at creation.</summary>
public enum SlowSubscriberPolicy
{
    /// <summary>
    /// Producers wait (or <c>TryWrite</c> returns <see langword="false"/>) until the slowest live subscriber
    /// has read: nobody loses a message, and one slow subscriber slows everyone (the default).
    /// </summary>
    BackPressure = 0,

    /// <summary>
    /// Producers never wait for subscribers: they overwrite the oldest messages, and a subscriber that was
    /// lapped skips ahead to the oldest message still in the ring and is told exactly how many it lost
    /// (<see cref="SharedMemoryChannelReader.MessagesLost"/>). Reads copy and check the copy, so a torn
    /// message is never returned; zero-copy read leases are not offered in this mode. Producers still wait
    /// for each other: a record another producer has not finished a full ring back is never overwritten.
    /// </summary>
    Overrun = 1,
}

/// <summary>
/// How this process opens an existing <see cref="SharedMemoryChannel"/> and waits on it (each process chooses its
/// own). The channel's shape (capacity, delivery) is fixed by its creator: <see cref="SharedMemoryChannelOptions"/>.
/// </summary>
public class SharedMemoryChannelOpenOptions
{
    private TimeSpan _spinDuration = TimeSpan.FromMicroseconds(50);
    private TimeSpan _readyTimeout = TimeSpan.FromSeconds(5);

    /// <summary>How this process waits (each process chooses its own).</summary>
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

    /// <summary>How long to wait for a creator that has not finished writing the channel's header yet (default 5 s; zero: not at all).</summary>
    public TimeSpan ReadyTimeout
    {
        get => _readyTimeout;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            _readyTimeout = value;
        }
    }
}

/// <summary>How a <see cref="SharedMemoryChannel"/> is created (and how this process waits on it).</summary>
public sealed class SharedMemoryChannelOptions : SharedMemoryChannelOpenOptions
{
    private long _capacity = 1 << 20;
    private UnixFileMode _mode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private ChannelDelivery _channelMode;
    private SlowSubscriberPolicy _slowSubscribers;

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

    /// <summary>Broadcast only: back-pressure (default) or overrun when a subscriber falls a full ring behind; fixed at creation.</summary>
    public SlowSubscriberPolicy SlowSubscribers
    {
        get => _slowSubscribers;
        set
        {
            if (!Enum.IsDefined(value))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "Unknown SlowSubscriberPolicy.");
            }

            _slowSubscribers = value;
        }
    }

    /// <summary>Remove the name when the creating handle is disposed.</summary>
    public bool UnlinkOnDispose { get; set; }
}

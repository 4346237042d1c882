namespace UnixIpc;

/// <summary>The shape of a shared-memory connection, chosen by the connecting side.</summary>
public sealed class SharedMemoryConnectionOptions
{
    private long _capacity = 1 << 20;

    /// <summary>Bytes of ring in each direction (a power of two, 4 KiB to 1 GiB; default 1 MiB). A full ring makes the writer wait.</summary>
    public long Capacity
    {
        get => _capacity;
        init => _capacity = value is >= 4096 and <= 1L << 30 && (value & (value - 1)) == 0
            ? value
            : throw new ArgumentOutOfRangeException(nameof(Capacity), value, "A ring's capacity is a power of two from 4096 bytes to 1 GiB.");
    }

    /// <summary>How long the handshake with the listener may take (default 10 s).</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How each side waits on the rings (spin then sleep on a futex by default).</summary>
    public ChannelWaitStrategy WaitStrategy { get; init; }
}

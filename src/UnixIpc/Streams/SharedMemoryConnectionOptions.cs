namespace UnixIpc;

/// <summary>The shape of a shared-memory connection, chosen by the connecting side.</summary>
public sealed class SharedMemoryConnectionOptions
{
    private long _capacity = 1 << 20;

    /// <summary>Bytes of ring in each direction (a power of two, 4 KiB to 1 GiB; default 1 MiB). A full ring makes the writer wait.</summary>
    public long Capacity
    {
        get => _capacity;
        init => _capacity = SharedMemoryStreamProtocol.CheckRingCapacity(value, nameof(Capacity));
    }

    /// <summary>How long the handshake with the listener may take (default 10 s).</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How each side waits on the rings (spin then sleep on a futex by default).</summary>
    public ChannelWaitStrategy WaitStrategy { get; init; }
}

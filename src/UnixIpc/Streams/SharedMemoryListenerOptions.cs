namespace UnixIpc;

/// <summary>What a <see cref="SharedMemoryListener"/> grants its clients: ring sizes, waiting connections, handshake time.</summary>
public sealed class SharedMemoryListenerOptions
{
    private long _maxCapacity = 1 << 20;

    /// <summary>
    /// The largest ring (each direction) a client may ask for; a larger request gets this size (a power of two, 4 KiB
    /// to 1 GiB; default 1 MiB). The listener makes the rings, so this bounds what one client can make it spend.
    /// </summary>
    public long MaxCapacity
    {
        get => _maxCapacity;
        init => _maxCapacity = SharedMemoryStreamProtocol.CheckRingCapacity(value, nameof(MaxCapacity));
    }

    /// <summary>Connections set up but not yet taken by AcceptAsync, and handshakes under way, at most (default 64 each); beyond, clients are refused ("busy").</summary>
    public int MaxPendingConnections { get; init; } = 64;

    /// <summary>How long a client may take to say hello (default 5 s); a silent one is dropped.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How this side waits on the rings.</summary>
    public ChannelWaitStrategy WaitStrategy { get; init; }
}

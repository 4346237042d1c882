namespace UnixIpc;

/// <summary>One process registered with a channel, and what it has done.</summary>
/// <param name="Slot">Its slot in the participant table.</param>
/// <param name="Role">"producer", "consumer" (queue) or "subscriber" (broadcast).</param>
/// <param name="ProcessId">Its pid.</param>
/// <param name="IsAlive">Whether that process (pid and start time) still runs.</param>
/// <param name="Messages">Messages it wrote (producer) or read (consumer).</param>
/// <param name="Bytes">Payload bytes it wrote or read.</param>
/// <param name="Waits">How often it had to sleep.</param>
/// <param name="Wakeups">How often it woke sleepers (FUTEX_WAKE calls).</param>
/// <param name="Abandoned">Records of dead producers it skipped.</param>
/// <param name="Redelivered">Messages of dead consumers it took over.</param>
/// <param name="Lost">Messages it lost to overrun (a broadcast subscriber that fell a full ring behind).</param>
/// <param name="Overruns">Times it was overrun and skipped ahead.</param>
public sealed record ChannelParticipant(int Slot, string Role, int ProcessId, bool IsAlive, long Messages, long Bytes, long Waits, long Wakeups, long Abandoned, long Redelivered, long Lost, long Overruns);

/// <summary>A snapshot of a channel, readable from any process (<see cref="SharedMemoryChannel.Stat"/>).</summary>
public sealed record SharedMemoryChannelStatus
{
    /// <summary>The channel's name.</summary>
    public required string Name { get; init; }

    /// <summary>Queue or broadcast.</summary>
    public required ChannelDelivery Delivery { get; init; }

    /// <summary>Broadcast: back-pressure or overrun.</summary>
    public required SlowSubscriberPolicy SlowSubscribers { get; init; }

    /// <summary>Bytes of the data ring.</summary>
    public required long Capacity { get; init; }

    /// <summary>The largest message.</summary>
    public required int MaxMessageSize { get; init; }

    /// <summary>
    /// Bytes reserved and not yet released (records, headers and padding included). With overrun, the bytes
    /// producers may not reuse yet; the frontier is moved on lazily, so this stays near the capacity once the
    /// ring has filled.
    /// </summary>
    public required long UsedBytes { get; init; }

    /// <summary>Positions: next to reserve, next to read, first not yet released.</summary>
    public required (long Tail, long Read, long Release) Positions { get; init; }

    /// <summary>The registered participants (including dead ones not yet cleaned up).</summary>
    public required IReadOnlyList<ChannelParticipant> Participants { get; init; }

    /// <summary>Messages committed, ever (participants that left included).</summary>
    public required long MessagesWritten { get; init; }

    /// <summary>Payload bytes committed, ever.</summary>
    public required long BytesWritten { get; init; }

    /// <summary>Messages read and released, ever (a redelivered message counts each time).</summary>
    public required long MessagesRead { get; init; }

    /// <summary>Payload bytes read, ever.</summary>
    public required long BytesRead { get; init; }

    /// <summary>Times a participant went to sleep on the futex.</summary>
    public required long Waits { get; init; }

    /// <summary>FUTEX_WAKE calls made (only when a sleeper was flagged).</summary>
    public required long Wakeups { get; init; }

    /// <summary>Records of dead producers skipped.</summary>
    public required long Abandoned { get; init; }

    /// <summary>Messages of dead consumers handed to another consumer.</summary>
    public required long Redelivered { get; init; }

    /// <summary>Messages subscribers lost to overrun, summed over subscribers (one message missed by two counts twice).</summary>
    public required long MessagesLost { get; init; }

    /// <summary>Times a subscriber was overrun and skipped ahead.</summary>
    public required long Overruns { get; init; }
}

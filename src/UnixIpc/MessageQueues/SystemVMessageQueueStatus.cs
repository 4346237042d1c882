namespace UnixIpc;

/// <summary>What msgctl(IPC_STAT) reports about a System V message queue.</summary>
public sealed record SystemVMessageQueueStatus
{
    /// <summary>The key.</summary>
    public required IpcKey Key { get; init; }

    /// <summary>The queue id.</summary>
    public required int Id { get; init; }

    /// <summary>Permission bits.</summary>
    public required UnixFileMode Mode { get; init; }

    /// <summary>Owner uid.</summary>
    public required int OwnerUserId { get; init; }

    /// <summary>Owner gid.</summary>
    public required int OwnerGroupId { get; init; }

    /// <summary>Creator uid.</summary>
    public required int CreatorUserId { get; init; }

    /// <summary>Creator gid.</summary>
    public required int CreatorGroupId { get; init; }

    /// <summary>Messages queued (msg_qnum).</summary>
    public required long MessageCount { get; init; }

    /// <summary>Bytes queued (__msg_cbytes).</summary>
    public required long Bytes { get; init; }

    /// <summary>The most bytes the queue may hold (msg_qbytes); also caps the message count.</summary>
    public required long MaxBytes { get; init; }

    /// <summary>Pid of the last msgsnd, 0 if none.</summary>
    public required int LastSendProcessId { get; init; }

    /// <summary>Pid of the last msgrcv, 0 if none.</summary>
    public required int LastReceiveProcessId { get; init; }

    /// <summary>Time of the last msgsnd, if any.</summary>
    public required DateTimeOffset? LastSendTime { get; init; }

    /// <summary>Time of the last msgrcv, if any.</summary>
    public required DateTimeOffset? LastReceiveTime { get; init; }

    /// <summary>Time of creation or of the last IPC_SET.</summary>
    public required DateTimeOffset ChangeTime { get; init; }
}

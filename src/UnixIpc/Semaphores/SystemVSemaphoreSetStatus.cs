namespace UnixIpc;

/// <summary>What semctl(IPC_STAT) reports about a System V semaphore set.</summary>
public sealed record SystemVSemaphoreSetStatus
{
    /// <summary>The key.</summary>
    public required IpcKey Key { get; init; }

    /// <summary>The set id.</summary>
    public required int Id { get; init; }

    /// <summary>How many semaphores the set has (sem_nsems).</summary>
    public required int Count { get; init; }

    /// <summary>Permission bits (read: look; write: alter).</summary>
    public required UnixFileMode Mode { get; init; }

    /// <summary>Owner uid.</summary>
    public required int OwnerUserId { get; init; }

    /// <summary>Owner gid.</summary>
    public required int OwnerGroupId { get; init; }

    /// <summary>Creator uid.</summary>
    public required int CreatorUserId { get; init; }

    /// <summary>Creator gid.</summary>
    public required int CreatorGroupId { get; init; }

    /// <summary>Time of the last semop, or <see langword="null"/> if none yet.</summary>
    public required DateTimeOffset? LastOperationTime { get; init; }

    /// <summary>Time of creation or of the last change by semctl.</summary>
    public required DateTimeOffset ChangeTime { get; init; }
}

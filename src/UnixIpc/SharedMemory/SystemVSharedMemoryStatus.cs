namespace UnixIpc;

/// <summary>What shmctl(IPC_STAT) reports about a System V segment.</summary>
public sealed record SystemVSharedMemoryStatus
{
    /// <summary>The key; <see cref="IpcKey.Private"/> once the segment is marked for removal (Linux resets it).</summary>
    public required IpcKey Key { get; init; }

    /// <summary>The segment id.</summary>
    public required int Id { get; init; }

    /// <summary>The size asked for at creation (not rounded up to pages).</summary>
    public required long Size { get; init; }

    /// <summary>Permission bits (rw for owner, group, others; x is meaningless here).</summary>
    public required UnixFileMode Mode { get; init; }

    /// <summary>SHM_DEST: removed while attached; destroyed at the last detach.</summary>
    public required bool MarkedForRemoval { get; init; }

    /// <summary>SHM_LOCKED: locked in memory (SHM_LOCK).</summary>
    public required bool Locked { get; init; }

    /// <summary>Owner uid.</summary>
    public required int OwnerUserId { get; init; }

    /// <summary>Owner gid.</summary>
    public required int OwnerGroupId { get; init; }

    /// <summary>Creator uid.</summary>
    public required int CreatorUserId { get; init; }

    /// <summary>Creator gid.</summary>
    public required int CreatorGroupId { get; init; }

    /// <summary>Pid of the process that created the segment.</summary>
    public required int CreatorProcessId { get; init; }

    /// <summary>Pid of the last shmat or shmdt.</summary>
    public required int LastProcessId { get; init; }

    /// <summary>Current number of attachments, across all processes.</summary>
    public required long AttachCount { get; init; }

    /// <summary>Time of the last shmat, or <see langword="null"/> if never attached.</summary>
    public required DateTimeOffset? LastAttachTime { get; init; }

    /// <summary>Time of the last shmdt, or <see langword="null"/> if never detached.</summary>
    public required DateTimeOffset? LastDetachTime { get; init; }

    /// <summary>Time of creation or of the last IPC_SET.</summary>
    public required DateTimeOffset ChangeTime { get; init; }
}

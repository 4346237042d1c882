namespace UnixIpc;

/// <summary>The kinds of IPC object <see cref="IpcObjects.List"/> reports.</summary>
public enum IpcObjectKind
{
    /// <summary>POSIX shared memory object (/dev/shm/NAME).</summary>
    PosixSharedMemory,

    /// <summary>A UnixIpc shared-memory channel (a POSIX shared memory object with the channel header).</summary>
    Channel,

    /// <summary>Named POSIX semaphore (/dev/shm/sem.NAME).</summary>
    PosixSemaphore,

    /// <summary>POSIX message queue (/dev/mqueue/NAME, when mounted).</summary>
    PosixMessageQueue,

    /// <summary>System V shared memory segment.</summary>
    SystemVSharedMemory,

    /// <summary>System V message queue.</summary>
    SystemVMessageQueue,

    /// <summary>System V semaphore set.</summary>
    SystemVSemaphoreSet,

    /// <summary>A named Unix domain socket (a path, or @name in the abstract namespace) that listens or is bound for datagrams.</summary>
    UnixSocket,
}

/// <summary>One IPC object on the machine.</summary>
/// <param name="Kind">What it is.</param>
/// <param name="Name">The POSIX name ("/orders"), the System V key as ipcs prints it, or a socket's path or @name.</param>
/// <param name="Id">The System V id; -1 for POSIX objects.</param>
/// <param name="OwnerUserId">Owner uid.</param>
/// <param name="Mode">Permission bits.</param>
/// <param name="Size">Bytes (shared memory, queues: bytes queued), semaphores in the set, or -1.</param>
/// <param name="Detail">A short kind-specific note: attachments, messages, a channel's live participants.</param>
public sealed record IpcObjectInfo(IpcObjectKind Kind, string Name, int Id, int OwnerUserId, UnixFileMode Mode, long Size, string Detail);

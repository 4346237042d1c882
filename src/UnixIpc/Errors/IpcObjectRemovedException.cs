namespace UnixIpc;

/// <summary>
/// The System V object (queue, semaphore set) was removed while this call waited on it (EIDRM). Every
/// process blocked on the object gets this, so it can stop cleanly instead of retrying.
/// </summary>
public sealed class IpcObjectRemovedException : UnixIpcException
{
    /// <summary>Creates the exception for <paramref name="operation"/> on <paramref name="objectName"/>.</summary>
    public IpcObjectRemovedException(string operation, string? objectName, string? arguments = null)
        : base(Errno.EIDRM, operation, objectName, arguments, "The object was removed (IPC_RMID) while this call waited on it.")
    {
    }

    /// <summary>Creates an exception with a message of its own.</summary>
    public IpcObjectRemovedException(string message) : base(message)
    {
    }

    /// <summary>Creates an exception with a message of its own and an inner exception.</summary>
    public IpcObjectRemovedException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>Creates an empty exception.</summary>
    public IpcObjectRemovedException() : base("The IPC object was removed.")
    {
    }
}

namespace UnixIpc;

/// <summary>What a handle to a POSIX message queue may do (the O_RDONLY / O_WRONLY / O_RDWR of mq_open).</summary>
public enum MessageQueueAccess
{
    /// <summary>Send and receive (O_RDWR).</summary>
    SendReceive = 0,

    /// <summary>Send only (O_WRONLY).</summary>
    Send = 1,

    /// <summary>Receive only (O_RDONLY).</summary>
    Receive = 2,
}

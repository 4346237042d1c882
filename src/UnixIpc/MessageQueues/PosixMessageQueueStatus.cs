namespace UnixIpc;

/// <summary>What mq_getattr reports about a POSIX message queue (<see cref="PosixMessageQueue.Stat"/>).</summary>
/// <param name="MaxMessages">Capacity in messages (mq_maxmsg).</param>
/// <param name="MaxMessageSize">Largest message in bytes (mq_msgsize): receive buffers must be at least this big.</param>
/// <param name="CurrentMessages">Messages queued now (mq_curmsgs).</param>
/// <param name="IsNonBlocking">O_NONBLOCK is set on this open description.</param>
public readonly record struct PosixMessageQueueStatus(int MaxMessages, int MaxMessageSize, int CurrentMessages, bool IsNonBlocking);

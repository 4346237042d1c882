namespace UnixIpc;

/// <summary>What a waiter wants from a descriptor.</summary>
internal enum Readiness
{
    /// <summary>EPOLLIN: e.g. a message queue is not empty.</summary>
    Read,

    /// <summary>EPOLLOUT: e.g. a message queue is not full.</summary>
    Write,
}

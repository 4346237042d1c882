namespace UnixIpc.Tests;

/// <summary>A private System V queue for one test, removed at the end (if still there).</summary>
internal sealed class SystemVQueueScope : IDisposable
{
    public SystemVQueueScope(UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        Queue = SystemVMessageQueue.CreateNew(IpcKey.Private, mode);
    }

    public SystemVMessageQueue Queue { get; }

    public void Dispose()
    {
        Queue.TryRemove();
    }
}

namespace UnixIpc.Tests;

/// <summary>finally-block helpers: remove what a test made, and only that, without failing if it is already gone.</summary>
internal static class Cleanup
{
    public static void RemoveSegment(IpcKey key)
    {
        if (SystemVSharedMemory.TryOpenExisting(key, out SystemVSharedMemory? left))
        {
            RemoveSegment(left.Id);
        }
    }

    public static void RemoveSegment(int id)
    {
        try
        {
            SystemVSharedMemory.Remove(id);
        }
        catch (UnixIpcException e) when (e.Error is Errno.EINVAL or Errno.EIDRM)
        {
            // Already gone.
        }
    }

    public static void RemoveSemaphoreSet(int id)
    {
        try
        {
            SystemVSemaphoreSet.Remove(id);
        }
        catch (UnixIpcException e) when (e.Error is Errno.EINVAL or Errno.EIDRM)
        {
            // Already gone.
        }
    }
}

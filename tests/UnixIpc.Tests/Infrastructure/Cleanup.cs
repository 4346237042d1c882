namespace UnixIpc.Tests;

/// <summary>finally-block helpers: remove what a test made, and only that, without failing if it is already gone.</summary>
internal static class Cleanup
{
    public static void RemoveSegment(IpcKey key)
    {
        if (SystemVSharedMemory.TryOpenExisting(key, out SystemVSharedMemory? left))
        {
            left.TryRemove();
        }
    }
}

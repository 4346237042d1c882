namespace UnixIpc.Tests;

/// <summary>What a call allocates on the calling thread, counted deterministically (no GC, no timing involved).</summary>
internal static class Allocations
{
    /// <summary>
    /// The bytes <paramref name="call"/> allocates over <paramref name="calls"/> calls, after 100 unmeasured ones
    /// (first-call work: JIT, static initialisers, pools filling). Do not assert with Assert.Equal inside the call:
    /// it allocates a comparer each time.
    /// </summary>
    public static long Over(int calls, Action call)
    {
        for (int i = 0; i < 100; i++)
        {
            call();
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < calls; i++)
        {
            call();
        }

        return GC.GetAllocatedBytesForCurrentThread() - before;
    }
}

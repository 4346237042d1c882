using System.Runtime.CompilerServices;

namespace UnixIpc;

/// <summary>
/// How a queue consumer copies a large message out of the ring. A plain copy only reads the lines, so they stay
/// shared with the producer's cache; a ring later the producer's stores to them must each first invalidate this
/// consumer's copy, an upgrade the hardware does not prefetch. Measured here with the two processes on different
/// core complexes, 64 KiB messages then crawled at 2–3 GB/s, in the minimal C ring as in the channel
/// (docs/benchmarks/2026-12-02/channel.md). Writing each line back while it is still in this core's L1 takes it
/// from the producer's cache, and the producer's next store to it is an ordinary miss that its prefetcher covers:
/// 3–5× the rate there, about 10 % less where the two CPUs share a cache.
/// </summary>
internal static unsafe class QueueCopy
{
    /// <summary>Smaller messages are a few lines, copied plainly (the consumer writes the record's header line anyway).</summary>
    public const int LargeMessage = 4096;

    // 2 KiB: what the runtime copies in managed code (larger copies call libc's memmove through a transition),
    // and few enough lines to be still in L1 when written back.
    private const int Chunk = 2048;

    /// <summary>
    /// Copies the payload at <paramref name="source"/> into <paramref name="destination"/> (its whole length), then
    /// stores back into each cache line of the payload the 8 bytes it holds: the message stays intact (this consumer
    /// may die before releasing it, and another consumer gets it again), and nobody else writes a claimed record.
    /// Only 8-byte words wholly inside the payload are written: the bytes around it belong to other records.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void CopyOutTakingLines(byte* source, Span<byte> destination)
    {
        int length = destination.Length;
        for (int done = 0; done < length; done += Chunk)
        {
            int count = Math.Min(Chunk, length - done);
            new ReadOnlySpan<byte>(source + done, count).CopyTo(destination[done..]);
            byte* end = source + done + count;
            for (byte* line = (byte*)(((nuint)(source + done) + 63) & ~(nuint)63); line + sizeof(long) <= end; line += 64)
            {
                Volatile.Write(ref *(long*)line, Volatile.Read(ref *(long*)line));
            }
        }
    }
}

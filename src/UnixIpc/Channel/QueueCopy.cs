using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace UnixIpc;

/// <summary>
/// How the channel copies payloads: small ones in and out without a call (<see cref="Copy"/>), and a queue consumer's
/// large ones out of the ring (<see cref="CopyOutTakingLines"/>). For the large ones: a plain copy only reads the
/// lines, so they stay shared with the producer's cache; a ring later the producer's stores to them must each first
/// invalidate this consumer's copy, an upgrade the hardware does not prefetch. Measured here with the two processes on
/// different core complexes, 64 KiB messages then crawled at 2–3 GB/s, in the minimal C ring as in the channel
/// (docs/benchmarks/2026-12-02/channel.md). Writing each line back while it is still in this core's L1 takes it from
/// the producer's cache, and the producer's next store to it is an ordinary miss that its prefetcher covers: 3–5× the
/// rate there, about 10 % less where the two CPUs share a cache.
/// </summary>
internal static unsafe class QueueCopy
{
    /// <summary>Smaller messages are a few lines, copied plainly (the consumer writes the record's header line anyway).</summary>
    public const int LargeMessage = 4096;

    // 2 KiB: what the runtime copies in managed code (larger copies call libc's memmove through a transition),
    // and few enough lines to be still in L1 when written back.
    private const int Chunk = 2048;

    /// <summary>
    /// Copies <paramref name="length"/> bytes. Up to 64 bytes without a call: two loads and two stores of the widest
    /// block that fits (the second ending at the last byte, overlapping the first), or four of 16 bytes; the runtime's
    /// copy does the same, but behind a call that the small messages of the write and read paths notice. Longer copies
    /// go to the runtime. Nothing outside the two ranges is read or written.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Copy(ref byte destination, ref byte source, int length)
    {
        nuint n = (uint)length;
        if (n > 64)
        {
            Unsafe.CopyBlockUnaligned(ref destination, ref source, (uint)n);
        }
        else if (n > 16)
        {
            Vector128.LoadUnsafe(ref source).StoreUnsafe(ref destination);
            if (n > 32)
            {
                Vector128.LoadUnsafe(ref source, 16).StoreUnsafe(ref destination, 16);
                Vector128.LoadUnsafe(ref source, n - 32).StoreUnsafe(ref destination, n - 32);
            }

            Vector128.LoadUnsafe(ref source, n - 16).StoreUnsafe(ref destination, n - 16);
        }
        else if (n >= 8)
        {
            Unsafe.WriteUnaligned(ref destination, Unsafe.ReadUnaligned<ulong>(ref source));
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref destination, n - 8), Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref source, n - 8)));
        }
        else if (n >= 4)
        {
            Unsafe.WriteUnaligned(ref destination, Unsafe.ReadUnaligned<uint>(ref source));
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref destination, n - 4), Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref source, n - 4)));
        }
        else if (n > 0)
        {
            destination = source;
            if (n > 1)
            {
                Unsafe.WriteUnaligned(ref Unsafe.Add(ref destination, n - 2), Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref source, n - 2)));
            }
        }
    }

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

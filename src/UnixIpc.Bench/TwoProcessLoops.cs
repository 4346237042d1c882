using System.Diagnostics;

namespace UnixIpc.Benchmarking;

/// <summary>
/// The loops of the two-process kernel benchmarks (pipes, sockets), whatever carries the bytes, so that every row
/// times the same thing: the measuring side's round trips or sends, and the peer's echo or drain.
/// </summary>
internal static class TwoProcessLoops
{
    /// <summary>Unmeasured round trips first (the first waits for the peer to start), as the C baselines do.</summary>
    public const int WarmTrips = 1000;

    /// <summary>8-byte round trips: nanoseconds at p50 and p99 of <paramref name="count"/> after <see cref="WarmTrips"/>.</summary>
    public static (double P50, double P99) RoundTrips(int count, Action<ReadOnlySpan<byte>> send, Action<Span<byte>> receiveExactly)
    {
        long[] samples = RoundTripSamples(count, 8, send, receiveExactly);
        Array.Sort(samples);
        return (samples[count / 2], samples[count * 99 / 100]);
    }

    /// <summary>
    /// The nanoseconds of each of <paramref name="count"/> round trips of <paramref name="size"/> bytes, after
    /// <see cref="WarmTrips"/> unmeasured ones (the first waits for the peer to start), in the order measured.
    /// </summary>
    public static long[] RoundTripSamples(int count, int size, Action<ReadOnlySpan<byte>> send, Action<Span<byte>> receiveExactly)
    {
        var message = new byte[size];
        for (int i = 0; i < WarmTrips; i++)
        {
            send(message);
            receiveExactly(message);
        }

        var samples = new long[count];
        for (int i = 0; i < count; i++)
        {
            long start = Stopwatch.GetTimestamp();
            send(message);
            receiveExactly(message);
            samples[i] = Stopwatch.GetTimestamp() - start;
        }

        double toNs = 1e9 / Stopwatch.Frequency;
        for (int i = 0; i < count; i++)
        {
            samples[i] = (long)(samples[i] * toNs);
        }

        return samples;
    }

    /// <summary>
    /// Messages per second: <paramref name="count"/> sends of <paramref name="size"/> bytes, timed until the peer's
    /// one byte says it has read them all.
    /// </summary>
    public static double MessagesPerSecond(int count, int size, Action<ReadOnlySpan<byte>> send, Action<Span<byte>> receiveExactly)
    {
        var buffer = new byte[size];

        // A quarter more first, unmeasured: the JIT tiers up both processes' loops before the clock starts (at most a
        // buffer's worth of them is still unread then). The C baselines do the same.
        for (int i = 0; i < count / 4; i++)
        {
            send(buffer);
        }

        long begin = Stopwatch.GetTimestamp();
        for (int i = 0; i < count; i++)
        {
            send(buffer);
        }

        receiveExactly(buffer.AsSpan(0, 1));
        return count / Stopwatch.GetElapsedTime(begin).TotalSeconds;
    }

    /// <summary>The peer of <see cref="RoundTrips"/> and <see cref="RoundTripSamples"/>: answers each <paramref name="size"/> bytes with them.</summary>
    public static void Echo(int count, Action<Span<byte>> receiveExactly, Action<ReadOnlySpan<byte>> send, int size = 8)
    {
        var message = new byte[size];
        for (int i = 0; i < count + WarmTrips; i++)
        {
            receiveExactly(message);
            send(message);
        }
    }

    /// <summary>The peer of <see cref="MessagesPerSecond"/>: reads all the bytes (warm-up quarter too), then answers one.</summary>
    public static void Drain(int count, int size, Func<Span<byte>, int> receive, Action<ReadOnlySpan<byte>> send)
    {
        var buffer = new byte[65536];
        for (long left = (long)(count + (count / 4)) * size; left > 0;)
        {
            left -= receive(buffer);
        }

        send(buffer.AsSpan(0, 1));
    }

    /// <summary>Wake-ups sent before the measured ones (the first waits for the receiver to start).</summary>
    public const int WarmWakeUps = 20;

    /// <summary>
    /// How long the sender of <see cref="SendWakeUps"/> waits between two sends, long enough for the receiver to be
    /// asleep in its receive (the channel spins 50 µs first). It sleeps, so both CPUs are idle when a message goes:
    /// a sender spinning on its CPU delayed by milliseconds the receiver's helper threads (a signal listener's epoll
    /// thread) that the kernel woke onto the sender's CPU.
    /// </summary>
    public const long WakeUpGapNanoseconds = 200_000;

    /// <summary>
    /// The receiver's side of the wake-up figure: for each of <paramref name="count"/> messages (after
    /// <see cref="WarmWakeUps"/>), the nanoseconds from the sender's CLOCK_MONOTONIC timestamp in it (its low 32 bits,
    /// all a signal's value holds) to this side's clock when the receive returned. It says hello first, so that the
    /// sender starts once the receiver is there (and a signal's sender learns whom to signal).
    /// </summary>
    public static long[] WakeUpSamples(int count, int size, Action<ReadOnlySpan<byte>> send, Action<Span<byte>> receiveExactly)
    {
        var message = new byte[size];
        var samples = new long[count];
        send(message);
        for (int i = 0; i < WarmWakeUps + count; i++)
        {
            receiveExactly(message);
            uint now = (uint)MonotonicClock.Nanoseconds;
            if (i >= WarmWakeUps)
            {
                samples[i - WarmWakeUps] = (uint)(now - System.Runtime.InteropServices.MemoryMarshal.Read<uint>(message));
            }
        }

        return samples;
    }

    /// <summary>The sender's side of <see cref="WakeUpSamples"/>: one timestamped message every <see cref="WakeUpGapNanoseconds"/>.</summary>
    public static void SendWakeUps(int count, int size, Action<Span<byte>> receiveExactly, Action<ReadOnlySpan<byte>> send)
    {
        var message = new byte[size];
        receiveExactly(message); // the receiver's hello
        long last = MonotonicClock.Nanoseconds;
        for (int i = 0; i < WarmWakeUps + count; i++)
        {
            MonotonicClock.SleepUntil(last + WakeUpGapNanoseconds);
            last = MonotonicClock.Nanoseconds;
            System.Runtime.InteropServices.MemoryMarshal.Write(message, (uint)last);
            send(message);
        }
    }
}

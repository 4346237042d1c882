using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace UnixIpc;

// Waking and waiting: futex words, sleeper flags, spin then sleep in slices that run recovery.
public sealed unsafe partial class SharedMemoryChannel
{
    /// <summary>After a commit or release: wakes sleepers on the word, only if one flagged itself (the hot path makes no system call).</summary>
    internal void WakeAll(int sequenceOffset, int sleepersOffset, int wakerSlot)
    {
        Interlocked.MemoryBarrier(); // order our commit/release before reading the sleeper flag (the sleeper does the mirror image)
        WakeIfSleeping(sequenceOffset, sleepersOffset, wakerSlot);
    }

    /// <summary>
    /// After a commit (whose exchange was a full barrier): wakes sleeping readers only if they may be waiting
    /// for this record. In a queue, a consumer sleeps only at the first record it could not take; if the
    /// read position is still below this reservation, that earlier record's producer will wake them when it
    /// commits, and a consumer that is awake will come here by itself. Without this, a commit while one of
    /// two consumers sleeps would cost a FUTEX_WAKE per message. Subscribers (broadcast) likewise: only if
    /// one of them has caught up to this reservation.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void WakeReadersFor(long reservationStart, int wakerSlot)
    {
        if (Volatile.Read(ref I32(ChannelLayout.DataSleepersOffset)) == 0)
        {
            return;
        }

        if (IsBroadcast ? !AnySubscriberAt(reservationStart) : (long)Volatile.Read(ref U64(ChannelLayout.ReadOffset)) < reservationStart)
        {
            return;
        }

        WakeIfSleeping(ChannelLayout.DataSeqOffset, ChannelLayout.DataSleepersOffset, wakerSlot);
    }

    // Broadcast: a subscriber sleeps only at its first record not yet committed; one whose cursor is below
    // this reservation waits for an earlier record, whose producer wakes it.
    private bool AnySubscriberAt(long reservationStart)
    {
        for (int i = 0; i < SlotCount; i++)
        {
            byte* slot = Slot(i);
            if (Volatile.Read(ref *(int*)(slot + ChannelLayout.SlotStateOffset)) == ChannelLayout.StateConsumer
                && (long)Volatile.Read(ref *(ulong*)(slot + ChannelLayout.SlotCursorOffset)) >= reservationStart)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>As <see cref="WakeAll"/>, for callers whose last store was already a full barrier.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void WakeIfSleeping(int sequenceOffset, int sleepersOffset, int wakerSlot)
    {
        if (Volatile.Read(ref I32(sleepersOffset)) == 0)
        {
            return;
        }

        Interlocked.Increment(ref I32(sequenceOffset));
        Interop.FutexWake((int*)(_base + sequenceOffset), int.MaxValue);
        if (wakerSlot >= 0)
        {
            Interlocked.Increment(ref *(long*)(Slot(wakerSlot) + ChannelLayout.SlotWakeupsOffset));
        }
    }

    /// <summary>
    /// Waits until <paramref name="ready"/> holds: spins, then sleeps on the futex word in slices (between
    /// which it runs crash recovery). False when <paramref name="deadline"/> (a Stopwatch timestamp, or
    /// long.MaxValue) passes. A cancellable token interrupts the sleep at once. <paramref name="stalledAt"/>
    /// says where this waiter is held up (a subscriber's cursor), for crash recovery; null: the channel's own
    /// waiting point (a queue's read position, or the release position producers wait at).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal bool WaitUntil(Func<bool> ready, int sequenceOffset, int sleepersOffset, int slot, long deadline, CancellationToken cancellationToken, Func<long>? stalledAt = null)
    {
        ChannelWaitStrategy strategy = WaitStrategy;
        if (strategy != ChannelWaitStrategy.Sleep)
        {
            // Poll with the shortest pause: the other side's store is seen within tens of nanoseconds. The
            // clock, the token and crash recovery are looked at only every 64 polls.
            long spinUntil = strategy == ChannelWaitStrategy.BusySpin ? long.MaxValue : Stopwatch.GetTimestamp() + (long)(SpinDuration.TotalSeconds * Stopwatch.Frequency);
            long limit = Math.Min(spinUntil, deadline);
            long recoverAt = 0; // busy spin: when crash recovery runs next (set at the first look at the clock)
            for (int polls = 0; ; polls++)
            {
                if (ready())
                {
                    return true;
                }

                Pause();
                if ((polls & 63) == 63)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    ThrowIfDisposed();
                    long now = Stopwatch.GetTimestamp();
                    if (now >= limit)
                    {
                        break;
                    }

                    // By the clock, not by polls: once the wait yields, 64 polls may take a whole time slice of
                    // another process, and a count of polls would put off recovery by seconds.
                    if (strategy == ChannelWaitStrategy.BusySpin && now >= recoverAt)
                    {
                        if (recoverAt != 0)
                        {
                            RecoverWhileWaiting(slot, stalledAt);
                        }

                        recoverAt = now + (Stopwatch.Frequency / BusySpinRecoveriesPerSecond);
                    }

                    if (polls >= PollsBeforeYielding)
                    {
                        // A wait this long is rarely a message in flight: more often the process we wait for has been
                        // preempted (three spinning processes on two CPUs) and spinning on would keep it off the CPU
                        // for the rest of our time slice. Offer the CPU (sched_yield: a no-op when nobody else is
                        // runnable here).
                        Thread.Yield();
                    }
                }
            }

            if (strategy == ChannelWaitStrategy.BusySpin)
            {
                return ready();
            }
        }

        // Held while asleep: a reader or writer disposed by another thread during its sleep (misuse, but a long
        // window) ends the wait with ObjectDisposedException, never a read of unmapped memory. Not taken while
        // spinning: two atomics per wait would show in the round-trip latency.
        AddMappingReference();
        try
        {
            return Sleep(ready, sequenceOffset, sleepersOffset, slot, deadline, stalledAt, cancellationToken);
        }
        finally
        {
            ReleaseMappingReference();
        }
    }

    /// <summary>
    /// Polls (about 26 ns each) a waiter spins before it starts yielding its CPU every 64 polls: far longer than a
    /// message in flight takes (a round trip is ~200 ns), so round trips between two spinning processes never yield.
    /// </summary>
    internal const int PollsBeforeYielding = 1024;

    /// <summary>
    /// How often a busy-spinning waiter runs crash recovery: every 2 ms of its wait, about as often as every 65 536
    /// polls did before waits yielded (the slower parts of recovery run at most every 20 ms anyway).
    /// </summary>
    private const int BusySpinRecoveriesPerSecond = 500;

    /// <summary>
    /// One pause between polls: on x86 a single PAUSE instruction (about 26 ns on the benchmark VM's EPYC), as the
    /// minimal C ring does. Thread.SpinWait(1) pauses about as long but through a call into the runtime's normalised
    /// spin loop, which a message arriving during the poll has to wait out (docs/benchmarks/2026-12-02/channel.md).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Pause()
    {
        if (X86Base.IsSupported)
        {
            X86Base.Pause();
        }
        else
        {
            Thread.SpinWait(1);
        }
    }

    private bool Sleep(Func<bool> ready, int sequenceOffset, int sleepersOffset, int slot, long deadline, Func<long>? stalledAt, CancellationToken cancellationToken)
    {
        using SignalInterrupter.Scope? scope = cancellationToken.CanBeCanceled ? SignalInterrupter.Begin(Timeout.InfiniteTimeSpan, cancellationToken) : null;
        int* word = (int*)(_base + sequenceOffset);
        while (true)
        {
            Interlocked.Increment(ref I32(sleepersOffset));
            try
            {
                int sequence = Volatile.Read(ref *word);
                if (ready())
                {
                    return true;
                }

                long left = deadline == long.MaxValue ? long.MaxValue : deadline - Stopwatch.GetTimestamp();
                if (left <= 0)
                {
                    return false;
                }

                scope?.ThrowIfCanceledOrTimedOut();
                var slice = Interop.timespec.Relative(TimeSpan.FromSeconds(Math.Min((double)left / Stopwatch.Frequency, RecoveryInterval.TotalSeconds)));
                Interop.FutexWait(word, sequence, &slice);
                Interlocked.Increment(ref *(long*)(Slot(slot) + ChannelLayout.SlotWaitsOffset));
            }
            finally
            {
                Interlocked.Decrement(ref I32(sleepersOffset));
            }

            scope?.ThrowIfCanceledOrTimedOut();
            ThrowIfDisposed(); // disposed by another thread while we slept
            if (ready())
            {
                return true;
            }

            RecoverWhileWaiting(slot, stalledAt);
        }
    }

    // Once per sleep slice: the record this waiter is held up at is looked at every time (each subscriber
    // waits at its own cursor, and the shared 20 ms limit could otherwise always go to someone else's
    // position), the rest of recovery at most every 20 ms.
    private void RecoverWhileWaiting(int slot, Func<long>? stalledAt)
    {
        if (stalledAt is not null)
        {
            AbandonStalledRecord(slot, stalledAt());
        }

        Recover(recoveringSlot: slot);
    }
}

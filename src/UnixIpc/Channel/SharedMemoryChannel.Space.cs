using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace UnixIpc;

// Giving space back: the release position (queue), the slowest subscriber (broadcast), the frontier (overrun).
public sealed unsafe partial class SharedMemoryChannel
{
    /// <summary>
    /// For producers that found no room: catch the release position up (queue: over released records;
    /// broadcast: to the slowest live subscriber; overrun: to the first record not yet committed).
    /// </summary>
    internal bool ReclaimSpace(int slot) => IsOverrun ? AdvanceFrontier(slot) : IsBroadcast ? RefreshBroadcastRelease() : AdvanceRelease(-1);

    // Broadcast: everything below every subscriber's cursor is free (all of it, up to tail, if nobody
    // subscribes), except a reservation a producer is still writing: that is never lapped.
    private bool RefreshBroadcastRelease()
    {
        long minimum = (long)Volatile.Read(ref U64(ChannelLayout.TailOffset));
        for (int i = 0; i < SlotCount; i++)
        {
            byte* slot = Slot(i);
            int state = Volatile.Read(ref *(int*)(slot + ChannelLayout.SlotStateOffset));
            if (state == ChannelLayout.StateProducer || IsHeldForAbandon(state, slot))
            {
                ulong raw = Volatile.Read(ref *(ulong*)(slot + ChannelLayout.SlotPendingOffset));
                long start = (long)(raw & ~ChannelLayout.PendingFlags);
                if (raw != 0 && start < minimum && !IsReservationDone(start, (long)Volatile.Read(ref *(ulong*)(slot + ChannelLayout.SlotPendingSizeOffset))))
                {
                    minimum = start; // announced-only marks (a CAS that may fail) count too: that errs on the safe side
                }
            }
            else if (ChannelLayout.IsClaimedOrHeld(state))
            {
                // Being claimed: a subscriber reads the tail and then stores its cursor. Had we gone by the tail we
                // read before it did, we could give up records it is about to start at; so nothing is given up now.
                // (A claimer that died is freed by recovery.)
                return false;
            }
            else if (state == ChannelLayout.StateConsumer)
            {
                minimum = Math.Min(minimum, (long)Volatile.Read(ref *(ulong*)(slot + ChannelLayout.SlotCursorOffset)));
            }
        }

        ref ulong releaseWord = ref U64(ChannelLayout.ReleaseOffset);
        while (true)
        {
            ulong release = Volatile.Read(ref releaseWord);
            if ((ulong)minimum <= release)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref releaseWord, (ulong)minimum, release) == release)
            {
                return true;
            }
        }
    }

    /// <summary>
    /// Overrun: moves the release position (the frontier) over every committed record, so producers may reuse
    /// the space below it. One producer walks at a time (the walker word is its lock, holding its pid and slot
    /// so a dead holder can be told from a live one); others wait for it to finish. The walker stamps, in the
    /// header at the new frontier, how many messages lie below it: a lapped subscriber jumps to the frontier
    /// and so knows exactly how many it lost.
    /// </summary>
    private bool AdvanceFrontier(int slot)
    {
        ref ulong releaseWord = ref U64(ChannelLayout.ReleaseOffset);
        ref ulong walkerWord = ref U64(ChannelLayout.WalkerOffset);
        ulong before = Volatile.Read(ref releaseWord);
        ulong me = ((ulong)(uint)Environment.ProcessId << 32) | (uint)(slot + 1);
        for (int spins = 0; spins < 1 << 16; spins++) // a live walker that takes longer: report no room, the caller's wait polls again
        {
            ulong holder = Interlocked.CompareExchange(ref walkerWord, me, 0);
            if (holder == 0)
            {
                try
                {
                    WalkFrontier();
                }
                finally
                {
                    Volatile.Write(ref walkerWord, 0);
                }

                break;
            }

            if (Volatile.Read(ref releaseWord) != before)
            {
                break; // the walker moved it for us
            }

            Thread.SpinWait(20);
            if ((spins & 1023) == 1023 && !IsWalkerAlive(holder))
            {
                Interlocked.CompareExchange(ref walkerWord, 0, holder); // its walk was idempotent: take over
            }
        }

        bool moved = Volatile.Read(ref releaseWord) != before;
        if (moved)
        {
            WakeAll(ChannelLayout.SpaceSeqOffset, ChannelLayout.SpaceSleepersOffset, slot);
        }

        return moved;
    }

    // Under the walker lock. The sequence at the old frontier was stamped when it became the frontier; the
    // new one is stamped before the release position moves, so a walker that dies in between leaves a walk
    // the next one simply repeats.
    private void WalkFrontier()
    {
        ref ulong releaseWord = ref U64(ChannelLayout.ReleaseOffset);
        long release = (long)Volatile.Read(ref releaseWord);
        ulong sequence = Volatile.Read(ref RecordSequence(Record(release)));
        long position = WalkCommitted(release, ref sequence);
        if (position != release)
        {
            Volatile.Write(ref RecordSequence(Record(position)), sequence);
            Volatile.Write(ref releaseWord, (ulong)position);
        }
    }

    // From a record boundary towards the tail over committed and padding records, counting messages; stops
    // at the first record still being written. A length that cannot be (torn by a producer lapping a reader
    // that walks without the lock) also stops it; that reader's check against the tail then repeats the walk.
    private long WalkCommitted(long position, ref ulong sequence)
    {
        long tail = (long)Volatile.Read(ref U64(ChannelLayout.TailOffset));
        while (position < tail)
        {
            byte* record = Record(position);
            ulong commit = Volatile.Read(ref RecordCommit(record));
            if ((uint)RecordLength(record) > (uint)Capacity)
            {
                break;
            }

            if (commit == ((ulong)position | ChannelLayout.Committed))
            {
                sequence++;
            }
            else if (commit != ((ulong)position | ChannelLayout.Padding))
            {
                break; // a producer is still writing it
            }

            position += RecordSpan(record, commit);
        }

        return position;
    }

    private bool IsWalkerAlive(ulong holder)
    {
        int index = (int)(uint)holder - 1;
        if ((uint)index >= (uint)SlotCount)
        {
            return false;
        }

        byte* slot = Slot(index);
        return Volatile.Read(ref *(int*)(slot + ChannelLayout.SlotStateOffset)) == ChannelLayout.StateProducer
            && *(uint*)(slot + ChannelLayout.SlotPidOffset) == (uint)(holder >> 32)
            && IsSlotAlive(slot);
    }

    /// <summary>
    /// Overrun: where a new subscriber starts, and how many messages lie below that position: the frontier's
    /// stamped sequence, counted on over the committed records up to the tail (or the first one still being
    /// written). The walk is checked against the tail afterwards, and repeated if producers lapped it.
    /// </summary>
    internal (long Cursor, ulong Sequence) OverrunStart()
    {
        while (true)
        {
            (long frontier, ulong sequence) = OverrunFrontier();
            long position = WalkCommitted(frontier, ref sequence);
            if (IsIntactSince(frontier, ChannelLayout.RecordHeaderSize))
            {
                return (position, sequence);
            }
        }
    }

    /// <summary>
    /// Overrun: the frontier and the count of messages below it, for a lapped subscriber to jump to; read
    /// again until no producer has lapped the stamp while it was read.
    /// </summary>
    internal (long Position, ulong Sequence) OverrunFrontier()
    {
        while (true)
        {
            long release = (long)Volatile.Read(ref U64(ChannelLayout.ReleaseOffset));
            ulong sequence = Volatile.Read(ref RecordSequence(Record(release)));
            if (IsIntactSince(release, ChannelLayout.RecordHeaderSize))
            {
                return (release, sequence);
            }
        }
    }

    /// <summary>
    /// Overrun (a seqlock on the tail): everything read so far at positions from <paramref name="position"/> on
    /// is what was there, if no producer has reserved a position a full ring above it, which it must do before
    /// writing a byte there. The full fence keeps the earlier reads before the look at the tail. A sequence
    /// stamp (bytes 16-23 of a header) asks for <paramref name="slack"/> = 32: the frontier one ring ahead,
    /// stamped when the tail is exactly there, shares its bytes.
    /// </summary>
    internal bool IsIntactSince(long position, long slack = 0)
    {
        Interlocked.MemoryBarrier();
        return (long)Volatile.Read(ref U64(ChannelLayout.TailOffset)) - position <= Capacity - slack;
    }

    /// <summary>
    /// After a release: moves the release position only once a good share of the ring (a quarter) waits
    /// behind it, or, when producers sleep, a sixteenth (or everything has been read). That saves a CAS and a fence on most reads; a producer that
    /// finds the ring full catches the position up itself before waiting (AdvanceRelease).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void AdvanceReleaseLazily(int slot)
    {
        long release = (long)Volatile.Read(ref U64(ChannelLayout.ReleaseOffset));
        long read = (long)Volatile.Read(ref U64(ChannelLayout.ReadOffset));
        long behind = read - release;
        if (behind >= Capacity / 4
            || (Volatile.Read(ref I32(ChannelLayout.SpaceSleepersOffset)) != 0
                && (behind >= Capacity / 16 || read == (long)Volatile.Read(ref U64(ChannelLayout.TailOffset)))))
        {
            // Sleeping producers are woken for a batch of space (or once everything is read), not per message.
            AdvanceRelease(slot);
        }
    }

    /// <summary>
    /// Moves the release position over every released record at its front, in one CAS per walk (not one per
    /// record); wakes sleeping producers if it moved. The records walked lie between the release position read
    /// and the read position, so none of them can be reused while the release position stays where it was read;
    /// a CAS that finds it moved (another consumer advanced it) discards the walk, which may have read reused bytes.
    /// </summary>
    internal bool AdvanceRelease(int slot)
    {
        ref ulong releaseWord = ref U64(ChannelLayout.ReleaseOffset);
        bool advanced = false;
        while (true)
        {
            long release = (long)Volatile.Read(ref releaseWord);
            long read = (long)Volatile.Read(ref U64(ChannelLayout.ReadOffset));
            long position = release;
            while (position < read)
            {
                byte* record = Record(position);
                ulong commit = Volatile.Read(ref RecordCommit(record));
                if (!IsComplete(commit, position)
                    || Volatile.Read(ref RecordClaim(record)) != ((ulong)position | ChannelLayout.Released)
                    || (uint)RecordLength(record) > (uint)Capacity)
                {
                    break; // (a length no producer writes, e.g. forged in the world-writable object, would stall the walk: stop)
                }

                position += RecordSpan(record, commit);
            }

            if (position == release)
            {
                break;
            }

            if (Interlocked.CompareExchange(ref releaseWord, (ulong)position, (ulong)release) == (ulong)release)
            {
                advanced = true;
            }
        }

        if (advanced)
        {
            WakeAll(ChannelLayout.SpaceSeqOffset, ChannelLayout.SpaceSleepersOffset, slot);
        }

        return advanced;
    }
}

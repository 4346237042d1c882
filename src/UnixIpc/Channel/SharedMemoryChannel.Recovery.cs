using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace UnixIpc;

// Crash recovery: what dead producers, claimers and recoverers left (docs/channel-protocol.md, "Recovery").
public sealed unsafe partial class SharedMemoryChannel
{
    /// <summary>
    /// Repairs what dead participants left: a record a dead producer reserved but never committed becomes
    /// padding (skipped, counted as abandoned); a message a dead consumer claimed but never released is kept
    /// by its slot, now an orphan, for another consumer to adopt; slots of dead processes that hold nothing are freed. Runs on slow
    /// paths only (a reader finding nothing, a writer finding no room), at most every 20 ms unless forced.
    /// </summary>
    internal void Recover(bool force = false, int recoveringSlot = -1, long stalledAt = -1)
    {
        long now = Stopwatch.GetTimestamp();
        long last = Volatile.Read(ref _lastRecovery);
        if (!force && Stopwatch.GetElapsedTime(last, now) < RecoveryInterval)
        {
            return;
        }

        Volatile.Write(ref _lastRecovery, now);
        // Where a record may stall: a queue's read position; in broadcast, the release position producers wait at
        // (subscribers pass their own cursor).
        AbandonStalledRecord(recoveringSlot, stalledAt >= 0 ? stalledAt : (long)Volatile.Read(ref U64(IsBroadcast ? ChannelLayout.ReleaseOffset : ChannelLayout.ReadOffset)));
        FreeDeadSlots();
        FreeAbandonedClaims();
        if (!IsBroadcast && Volatile.Read(ref I32(ChannelLayout.OrphansOffset)) <= 0 && AnyOrphanSlot())
        {
            Interlocked.Increment(ref I32(ChannelLayout.OrphansOffset)); // its maker died before raising the hint
        }
    }

    // The record at `read` (the queue's read position, or a subscriber's cursor) is not committed: skip it
    // if the producer that reserved it is dead.
    private void AbandonStalledRecord(int recoveringSlot, long read)
    {
        long tail = (long)Volatile.Read(ref U64(ChannelLayout.TailOffset));
        if (read >= tail)
        {
            return;
        }

        byte* record = Record(read);
        ref ulong commitWord = ref RecordCommit(record);
        ulong commit = Volatile.Read(ref commitWord);
        if (IsComplete(commit, read))
        {
            return; // not stalled
        }

        AfterStallSeen?.Invoke();

        // Which producer reserved the range holding this position? Its slot says, from before its CAS.
        // A live one may still commit: wait. Among dead ones, a confirmed reservation is surely real; an
        // announced one may be a CAS that failed, so it is trusted only when no other explains the record.
        bool anyAlive = false;
        long end = -1;
        int owner = -1;
        int ownerPid = 0;
        bool ownerConfirmed = false;
        int candidates = 0;
        for (int i = 0; i < SlotCount; i++)
        {
            byte* slot = Slot(i);
            int state = Volatile.Read(ref *(int*)(slot + ChannelLayout.SlotStateOffset));
            if (state != ChannelLayout.StateProducer && !ChannelLayout.IsClaimedOrHeld(state))
            {
                continue;
            }

            ulong raw = Volatile.Read(ref *(ulong*)(slot + ChannelLayout.SlotPendingOffset));
            long start = (long)(raw & ~ChannelLayout.PendingFlags);
            long size = (long)Volatile.Read(ref *(ulong*)(slot + ChannelLayout.SlotPendingSizeOffset));
            if (raw == 0 || read < start || read >= start + size)
            {
                continue;
            }

            if (state != ChannelLayout.StateProducer)
            {
                return; // held: another recoverer is padding this reservation (if it dies, its hold is undone)
            }

            int pid = Volatile.Read(ref *(int*)(slot + ChannelLayout.SlotPidOffset));
            if (ProcessIdentity.IsAlive(pid, Volatile.Read(ref *(ulong*)(slot + ChannelLayout.SlotStartTimeOffset))))
            {
                anyAlive = true;
                continue;
            }

            bool confirmed = (raw & ChannelLayout.Confirmed) != 0;
            candidates++;
            if (owner < 0 || (confirmed && !ownerConfirmed))
            {
                (end, owner, ownerPid, ownerConfirmed) = (start + size, i, pid, confirmed);
            }
        }

        if (anyAlive || owner < 0 || (candidates > 1 && !ownerConfirmed))
        {
            return; // someone may still commit it, or the dead candidates cannot be told apart yet
        }

        // Hold the dead owner's slot (producer -> our -pid, checked with its pid so a slot that changed hands is
        // left alone): one recoverer at a time pads a reservation, and nobody writes into a record it no longer
        // owns. Under the hold, look again: the record may have been committed after all (the announcement we
        // went by was a CAS that failed, and the real owner committed and cleared its mark while we looked),
        // and then its header must not be touched. While it stays uncommitted the ring cannot pass it, so the
        // writes below land in this lap's record.
        byte* ownerSlot = Slot(owner);
        if (!TrySwapSlot(ownerSlot, ChannelLayout.StateProducer, ownerPid, -Environment.ProcessId, ownerPid))
        {
            return;
        }

        commit = Volatile.Read(ref commitWord);
        if (IsComplete(commit, read) || (long)Volatile.Read(ref U64(ChannelLayout.TailOffset)) - read > Capacity)
        {
            Volatile.Write(ref *(int*)(ownerSlot + ChannelLayout.SlotStateOffset), ChannelLayout.StateProducer); // not ours to skip
            return;
        }

        // Skip the rest of the dead producer's reservation as one padding record, then free its slot.
        *(int*)(record + ChannelLayout.RecordLengthOffset) = (int)(end - read - ChannelLayout.RecordHeaderSize);
        *(int*)(record + ChannelLayout.RecordProducerOffset) = owner;
        InitializeClaim(record, read, padding: true);
        Volatile.Write(ref commitWord, (ulong)read | ChannelLayout.Padding);
        Vacate(owner, ChannelLayout.StateProducer);
        if (recoveringSlot >= 0)
        {
            Interlocked.Increment(ref *(long*)(Slot(recoveringSlot) + ChannelLayout.SlotAbandonedOffset));
        }

        WakeAll(ChannelLayout.DataSeqOffset, ChannelLayout.DataSleepersOffset, -1);
    }

    /// <summary>Tests: runs in crash recovery between seeing a stalled record and looking for its producer.</summary>
    internal Action? AfterStallSeen { get; set; }

    /// <summary>Tests: runs in crash recovery between reading a dead consumer's claim and deciding who owns that message.</summary>
    internal Action<long>? AfterDeadClaimSeen { get; set; }

    /// <summary>Tests: runs in crash recovery after the other claimers of a dead consumer's message were looked at, before the record is.</summary>
    internal Action<long>? AfterClaimersScanned { get; set; }

    /// <summary>Tests: runs while a broadcast subscriber registers, between reading the tail and storing its cursor there.</summary>
    internal Action? AfterSubscriberStartSeen { get; set; }

    /// <summary>Tests: runs in crash recovery between judging a slot's participant dead and freeing the slot.</summary>
    internal Action<int>? AfterDeadSlotSeen { get; set; }

    /// <summary>Whether the record at <paramref name="position"/> is complete: a committed message, or padding to skip.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool IsComplete(ulong commit, long position)
        => commit == ((ulong)position | ChannelLayout.Committed) || commit == ((ulong)position | ChannelLayout.Padding);

    // State -pid with a pending reservation: a recoverer (process pid) holds a dead producer's slot while it pads
    // the record that producer left. (A slot being claimed, also -pid, has pending 0: frees clear it.)
    private bool IsHeldForAbandon(int state, byte* slot)
        => ChannelLayout.IsClaimedOrHeld(state) && Volatile.Read(ref *(ulong*)(slot + ChannelLayout.SlotPendingOffset)) != 0;

    // Queue: a dead consumer's slot that still names a claim (state consumer, pending p). Decides from the slots
    // alone who owned the message at p, then from the record whether it was released:
    // - it was the slot's own (confirmed, or among announced-only claimers that are all dead the lowest slot)
    //   and unreleased: the slot becomes an orphan (one CAS of state and pid), which another consumer adopts;
    // - someone else owns it, it was released, or the claim was never made: the slot holds nothing and is freed;
    // - a live process may still own it (announced, not yet confirmed): left for a later look.
    // Nothing is written into the ring. The record cannot change under these checks once its owner is known to
    // be dead: only the owner (or the consumer that adopts its orphan) releases it, and the release position
    // cannot pass an unreleased record, so the space is not reused.
    private void ResolveDeadClaim(int index, int pid, ulong raw)
    {
        byte* slot = Slot(index);
        long position = (long)(raw & ~ChannelLayout.PendingFlags);
        bool confirmed = (raw & ChannelLayout.Confirmed) != 0;
        AfterDeadClaimSeen?.Invoke(position);

        // The read position first: if a consumer has claimed p by now, it announced p before its CAS, so the scan
        // below sees its mark (or, once it has moved on, the release it stored before). Read after the scan, a
        // claim made between the two would go unseen and its live owner be taken for this dead one.
        if ((long)Volatile.Read(ref U64(ChannelLayout.ReadOffset)) <= position)
        {
            FreeHoldingNothing(index, pid); // the claim was never made (and, this consumer being dead, never will be)
            return;
        }

        Interlocked.MemoryBarrier();
        bool someoneElseOwns = false;
        bool liveClaimer = false;
        bool lowestDead = true;
        for (int i = 0; i < SlotCount && !confirmed; i++)
        {
            byte* other = Slot(i);
            int state = Volatile.Read(ref *(int*)(other + ChannelLayout.SlotStateOffset));
            ulong pending = Volatile.Read(ref *(ulong*)(other + ChannelLayout.SlotPendingOffset));
            if (i == index || pending == 0 || (long)(pending & ~ChannelLayout.PendingFlags) != position)
            {
                continue;
            }

            if (state is ChannelLayout.StateOrphan or ChannelLayout.StateAdopted
                || (state == ChannelLayout.StateConsumer && (pending & ChannelLayout.Confirmed) != 0))
            {
                someoneElseOwns = true;
            }
            else if (state == ChannelLayout.StateConsumer)
            {
                liveClaimer |= IsSlotAlive(other); // announced, and still between its CAS and its confirmation (or about to retry)
                lowestDead &= i > index;
            }
        }

        AfterClaimersScanned?.Invoke(position);

        // The release is stored before the claimer's mark is cleared: a claimer gone from the slots above shows here.
        byte* record = Record(position);
        ulong commit = Volatile.Read(ref RecordCommit(record));
        ulong claim = Volatile.Read(ref RecordClaim(record));
        Interlocked.MemoryBarrier();
        bool settled = someoneElseOwns
            || (long)Volatile.Read(ref U64(ChannelLayout.ReleaseOffset)) > position // released and passed (what was read above may be a later lap's)
            || commit != ((ulong)position | ChannelLayout.Committed)
            || claim == ((ulong)position | ChannelLayout.Released);
        if (settled)
        {
            FreeHoldingNothing(index, pid);
            return;
        }

        if (!confirmed && (liveClaimer || !lowestDead))
        {
            return; // a live claimer may own it; or the lowest of the dead claimers becomes the orphan (one, whoever recovers)
        }

        MakeOrphan(slot, ChannelLayout.StateConsumer, pid);
    }

    private void FreeDeadSlots()
    {
        long read = (long)Volatile.Read(ref U64(ChannelLayout.ReadOffset));
        for (int i = 0; i < SlotCount; i++)
        {
            byte* slot = Slot(i);
            int state = Volatile.Read(ref *(int*)(slot + ChannelLayout.SlotStateOffset));
            int pid = Volatile.Read(ref *(int*)(slot + ChannelLayout.SlotPidOffset));
            if (state == ChannelLayout.StateAdopted)
            {
                if (ProcessIdentity.StartTime(pid) is null)
                {
                    ResolveDeadAdopter(i, pid);
                }

                continue;
            }

            if (state is not (ChannelLayout.StateProducer or ChannelLayout.StateConsumer)
                || ProcessIdentity.IsAlive(pid, Volatile.Read(ref *(ulong*)(slot + ChannelLayout.SlotStartTimeOffset))))
            {
                continue;
            }

            // A dead producer's pending reservation must stay visible until it is skipped; a dead consumer's
            // claim until it is settled or its slot has become an orphan.
            ulong raw = Volatile.Read(ref *(ulong*)(slot + ChannelLayout.SlotPendingOffset));
            long pending = (long)(raw & ~ChannelLayout.PendingFlags);
            if (raw != 0 && state == ChannelLayout.StateConsumer && !IsBroadcast)
            {
                ResolveDeadClaim(i, pid, raw);
                continue;
            }

            bool holdsNothing = raw == 0 || state == ChannelLayout.StateConsumer
                || (IsBroadcast ? IsReservationDone(pending, (long)Volatile.Read(ref *(ulong*)(slot + ChannelLayout.SlotPendingSizeOffset))) : pending < read);
            if (!holdsNothing)
            {
                continue;
            }

            AfterDeadSlotSeen?.Invoke(i);
            if (TrySwapSlot(slot, state, pid, ChannelLayout.StateFreeing + state, Environment.ProcessId))
            {
                Vacate(i, state);
            }
        }
    }

    // Slots whose owner process no longer runs, though no role says so (a pid alone is trusted here in the safe
    // direction only: a reused pid keeps the slot, it never frees a live one's):
    // - state -pid, no pending mark: it died claiming the slot. Nothing of it is in use yet, but a subscriber's
    //   cursor may already hold back-pressure: freed.
    // - state -pid with a pending mark: it died holding a dead producer's slot to pad that producer's record. The
    //   slot goes back to being the dead producer's, and the next recovery pads the record again.
    // - state "freeing": the recoverer freeing it died. Another takes the slot over and finishes (folding is
    //   an exchange per counter, so nothing is counted twice).
    private void FreeAbandonedClaims()
    {
        for (int i = 0; i < SlotCount; i++)
        {
            byte* slot = Slot(i);
            ulong word = Volatile.Read(ref *(ulong*)(slot + ChannelLayout.SlotStateOffset));
            int state = (int)(uint)word;
            int pid = (int)(word >> 32);
            if (state >= 0 || IsClaimerAlive(slot, state, pid))
            {
                continue;
            }

            if (ChannelLayout.IsFreeing(state))
            {
                if (TrySwapSlot(slot, state, pid, state, Environment.ProcessId))
                {
                    Vacate(i, state - ChannelLayout.StateFreeing);
                }
            }
            else if (IsHeldForAbandon(state, slot))
            {
                Interlocked.CompareExchange(ref *(int*)(slot + ChannelLayout.SlotStateOffset), ChannelLayout.StateProducer, state);
            }
            else if (TrySwapSlot(slot, state, pid, ChannelLayout.StateFreeing, Environment.ProcessId))
            {
                Vacate(i, ChannelLayout.StateFree); // nothing to fold: it never had a role
            }
        }
    }

    // Whether the process behind a negative state still runs: a freeing recoverer's pid (in the pid field), a
    // holder's (-state: the pid field is the dead producer's), or a claimer's, by its pid and start time once it
    // has written both (a reused pid then does not keep a dead claimer's slot, which would hold broadcast
    // producers back), else by pid alone.
    private static bool IsClaimerAlive(byte* slot, int state, int pid)
    {
        if (ChannelLayout.IsFreeing(state))
        {
            return ProcessIdentity.StartTime(pid) is not null;
        }

        ulong start = Volatile.Read(ref *(ulong*)(slot + ChannelLayout.SlotStartTimeOffset));
        bool claiming = Volatile.Read(ref *(ulong*)(slot + ChannelLayout.SlotPendingOffset)) == 0;
        return claiming && pid == -state && start != 0 ? ProcessIdentity.IsAlive(pid, start) : ProcessIdentity.StartTime(-state) is not null;
    }

    // Moves a slot from (state, pid) to (state, pid) in one 64-bit CAS (the two fields sit side by side): it
    // fails if the slot was freed and taken by another process since it was judged.
    private static bool TrySwapSlot(byte* slot, int fromState, int fromPid, int toState, int toPid)
    {
        ulong from = ((ulong)(uint)fromPid << 32) | (uint)fromState;
        return Interlocked.CompareExchange(ref *(ulong*)(slot + ChannelLayout.SlotStateOffset), ((ulong)(uint)toPid << 32) | (uint)toState, from) == from;
    }

    // Frees a slot held in STATE (by its owner leaving, or by the recoverer that won it): counters into the
    // totals, a walker mark naming it cleared, no pending claim or reservation, then free.
    private void Vacate(int index, int state)
    {
        byte* slot = Slot(index);
        ulong walker = Volatile.Read(ref U64(ChannelLayout.WalkerOffset));
        if (walker != 0 && (int)(uint)walker == index + 1)
        {
            Interlocked.CompareExchange(ref U64(ChannelLayout.WalkerOffset), 0, walker);
        }

        FoldCounters(slot, state);
        Volatile.Write(ref *(ulong*)(slot + ChannelLayout.SlotPendingOffset), 0);
        Volatile.Write(ref *(int*)(slot + ChannelLayout.SlotStateOffset), ChannelLayout.StateFree);
    }

    // Whether every record of a producer's reservation (a padding record and its message, or the message
    // alone) is committed: then a dead producer's stale pending mark holds nothing back.
    private bool IsReservationDone(long start, long size)
    {
        for (long position = start; position < start + size;)
        {
            byte* record = Record(position);
            ulong commit = Volatile.Read(ref RecordCommit(record));
            if (!IsComplete(commit, position))
            {
                return (long)Volatile.Read(ref U64(ChannelLayout.TailOffset)) - position > Capacity; // in flight, unless a later lap overwrote it
            }

            position += RecordSpan(record, commit);
        }

        return true;
    }
}

using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace UnixIpc;

// Queue: a dead consumer's unreleased message, kept by its slot (an orphan) until another consumer adopts it.
public sealed unsafe partial class SharedMemoryChannel
{
    private bool AnyOrphanSlot()
    {
        for (int i = 0; i < SlotCount; i++)
        {
            if (Volatile.Read(ref *(int*)(Slot(i) + ChannelLayout.SlotStateOffset)) == ChannelLayout.StateOrphan)
            {
                return true;
            }
        }

        return false;
    }

    private void FreeHoldingNothing(int index, int pid)
    {
        if (TrySwapSlot(Slot(index), ChannelLayout.StateConsumer, pid, ChannelLayout.StateFreeing + ChannelLayout.StateConsumer, Environment.ProcessId))
        {
            Vacate(index, ChannelLayout.StateConsumer);
        }
    }

    // A dead consumer's (or adopter's, or a leaving reader's) unreleased message is put up for adoption: its slot
    // becomes an orphan. Its counters are folded by whoever frees it (the adopter), when the slot is theirs alone.
    internal void MakeOrphan(byte* slot, int fromState, int pid)
    {
        if (TrySwapSlot(slot, fromState, pid, ChannelLayout.StateOrphan, pid))
        {
            Interlocked.Increment(ref I32(ChannelLayout.OrphansOffset)); // after the state: a reader that sees the hint finds the orphan
            WakeAll(ChannelLayout.DataSeqOffset, ChannelLayout.DataSleepersOffset, -1);
        }
    }

    // An adopter (state adopted, its pid in the pid field) that no longer runs: if it released the message, the
    // slot is freed; otherwise the message is an orphan again. (A pid alone is trusted in the safe direction:
    // a reused pid keeps the slot.)
    private void ResolveDeadAdopter(int index, int pid)
    {
        byte* slot = Slot(index);
        long position = (long)(Volatile.Read(ref *(ulong*)(slot + ChannelLayout.SlotPendingOffset)) & ~ChannelLayout.PendingFlags);
        ulong claim = Volatile.Read(ref RecordClaim(Record(position)));
        Interlocked.MemoryBarrier();
        if (claim == ((ulong)position | ChannelLayout.Released) || (long)Volatile.Read(ref U64(ChannelLayout.ReleaseOffset)) > position)
        {
            if (TrySwapSlot(slot, ChannelLayout.StateAdopted, pid, ChannelLayout.StateFreeing + ChannelLayout.StateConsumer, Environment.ProcessId))
            {
                Vacate(index, ChannelLayout.StateConsumer);
            }

            return;
        }

        MakeOrphan(slot, ChannelLayout.StateAdopted, pid);
    }

    /// <summary>
    /// Queue: hands the oldest orphan (a dead consumer's unreleased message) that fits to this consumer: one CAS
    /// of the orphan slot's state and pid makes it ours; the message is released through that slot. Resets the
    /// orphans hint when there is none.
    /// </summary>
    internal bool TryAdoptOrphan(int bufferLength, out int orphanSlot, out long position, out int tooLarge)
    {
        tooLarge = 0;
        int hint = Volatile.Read(ref I32(ChannelLayout.OrphansOffset));
        bool found = false;
        for (int i = 0; i < SlotCount; i++)
        {
            byte* slot = Slot(i);
            ulong word = Volatile.Read(ref *(ulong*)(slot + ChannelLayout.SlotStateOffset));
            if ((int)(uint)word != ChannelLayout.StateOrphan)
            {
                continue;
            }

            found = true;
            long at = (long)(Volatile.Read(ref *(ulong*)(slot + ChannelLayout.SlotPendingOffset)) & ~ChannelLayout.PendingFlags);
            int length = RecordLength(Record(at));
            if (length > bufferLength)
            {
                tooLarge = length; // the caller says its buffer is too small, as for any message (else a waiting reader would spin)
                continue;
            }

            if (TrySwapSlot(slot, ChannelLayout.StateOrphan, (int)(word >> 32), ChannelLayout.StateAdopted, Environment.ProcessId))
            {
                (orphanSlot, position) = (i, at);
                return true;
            }
        }

        if (!found && hint > 0)
        {
            Interlocked.CompareExchange(ref I32(ChannelLayout.OrphansOffset), 0, hint); // fails if an orphan was made meanwhile
        }

        (orphanSlot, position) = (-1, 0);
        return false;
    }

    /// <summary>Queue: whether an orphan waits (resets a stale hint, so an idle reader sleeps).</summary>
    internal bool HasOrphan()
    {
        int hint = Volatile.Read(ref I32(ChannelLayout.OrphansOffset));
        if (hint <= 0)
        {
            return false;
        }

        if (AnyOrphanSlot())
        {
            return true;
        }

        Interlocked.CompareExchange(ref I32(ChannelLayout.OrphansOffset), 0, hint);
        return false;
    }

    /// <summary>Queue: an adopted message is released: its record, then the orphan slot that kept it.</summary>
    internal void ReleaseAdopted(int orphanSlot, long position)
    {
        Volatile.Write(ref RecordClaim(Record(position)), (ulong)position | ChannelLayout.Released);
        Vacate(orphanSlot, ChannelLayout.StateConsumer); // the dead consumer's counters join the totals
    }
}

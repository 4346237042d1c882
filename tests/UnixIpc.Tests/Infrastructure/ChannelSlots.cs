namespace UnixIpc.Tests;

/// <summary>
/// Participant slots for crash-recovery tests: forged with an identity that cannot be alive, found by owner and
/// pending position, or made to look dead. Kill -9 exercises the same paths in the cross-process tests.
/// </summary>
internal static unsafe class ChannelSlots
{
    /// <summary>Above PID_MAX_LIMIT (2^22): never a running process.</summary>
    public const int NoSuchPid = 1 << 30;

    /// <summary>Puts a participant of ROLE that cannot be alive into the first free slot, with PENDING (and SIZE, for a producer); its index.</summary>
    public static int ForgeDead(SharedMemoryChannel channel, int role, ulong pending, long size = 0)
    {
        for (int i = 0; i < channel.SlotCount; i++)
        {
            byte* slot = channel.Slot(i);
            if (Interlocked.CompareExchange(ref *(int*)(slot + ChannelLayout.SlotStateOffset), -Environment.ProcessId, ChannelLayout.StateFree) == ChannelLayout.StateFree)
            {
                *(int*)(slot + ChannelLayout.SlotPidOffset) = NoSuchPid;
                *(ulong*)(slot + ChannelLayout.SlotStartTimeOffset) = 1;
                *(ulong*)(slot + ChannelLayout.SlotPendingSizeOffset) = (ulong)size;
                *(ulong*)(slot + ChannelLayout.SlotPendingOffset) = pending;
                Volatile.Write(ref *(int*)(slot + ChannelLayout.SlotStateOffset), role);
                return i;
            }
        }

        throw new InvalidOperationException("no free slot");
    }

    /// <summary>The slot of process PID in STATE whose pending reservation or claim is at POSITION.</summary>
    public static int Find(SharedMemoryChannel channel, int pid, int state, long position)
    {
        for (int i = 0; i < channel.SlotCount; i++)
        {
            byte* slot = channel.Slot(i);
            ulong pending = *(ulong*)(slot + ChannelLayout.SlotPendingOffset);
            if (*(int*)(slot + ChannelLayout.SlotStateOffset) == state && *(int*)(slot + ChannelLayout.SlotPidOffset) == pid
                && pending != 0 && (long)(pending & ~ChannelLayout.PendingFlags) == position)
            {
                return i;
            }
        }

        throw new InvalidOperationException("no such slot");
    }

    /// <summary>The slot's process is no longer the one that took it (as after kill -9 and pid reuse): dead.</summary>
    public static void MarkDead(SharedMemoryChannel channel, int index) => *(ulong*)(channel.Slot(index) + ChannelLayout.SlotStartTimeOffset) += 1;
}

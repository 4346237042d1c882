using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace UnixIpc;

// Participant slots: claiming one, leaving it, judging whether its process lives, freeing it.
public sealed unsafe partial class SharedMemoryChannel
{
    // startSequence: overrun subscribers, the messages below where they start.
    private int ClaimSlot(int role, out ulong startSequence)
    {
        startSequence = 0;
        ThrowIfDisposed();
        for (int attempt = 0; attempt < 2; attempt++)
        {
            for (int i = 0; i < SlotCount; i++)
            {
                byte* slot = Slot(i);
                if (Interlocked.CompareExchange(ref *(int*)(slot + ChannelLayout.SlotStateOffset), -Environment.ProcessId, ChannelLayout.StateFree) == ChannelLayout.StateFree)
                {
                    // Held as -pid while the identity is written: nobody judges a half-written slot, and if this
                    // process dies before publishing its role, recovery sees whose claim it was and frees it.
                    new Span<byte>(slot + 4, ChannelLayout.SlotSize - 4).Clear();
                    *(int*)(slot + ChannelLayout.SlotPidOffset) = Environment.ProcessId;
                    *(ulong*)(slot + ChannelLayout.SlotStartTimeOffset) = ProcessIdentity.SelfStartTime;
                    if (IsOverrun && role == ChannelLayout.StateConsumer)
                    {
                        // Fixed before the role is published: whoever sees this subscriber registered knows it
                        // gets (or is told it lost) every message committed from then on.
                        (long cursor, startSequence) = OverrunStart();
                        *(ulong*)(slot + ChannelLayout.SlotCursorOffset) = (ulong)cursor;
                    }
                    else if (IsBroadcast && role == ChannelLayout.StateConsumer)
                    {
                        // A subscriber starts at the newest message; its cursor counts for back-pressure from now on.
                        // Producers do not raise the release position while a slot is being claimed, so nothing at
                        // or above this tail is given up before the cursor is stored (RefreshBroadcastRelease).
                        ulong tail = Volatile.Read(ref U64(ChannelLayout.TailOffset));
                        AfterSubscriberStartSeen?.Invoke();
                        *(ulong*)(slot + ChannelLayout.SlotCursorOffset) = tail;
                    }

                    Volatile.Write(ref *(int*)(slot + ChannelLayout.SlotStateOffset), role);
                    return i;
                }
            }

            Recover(force: true); // frees the slots of dead participants that hold nothing
        }

        throw new InvalidOperationException($"All {SlotCount} participant slots of {Name} are taken by live processes: dispose unused readers and writers.");
    }

    /// <summary>A writer or reader leaves: its slot is freed and its hold on the mapping given back.</summary>
    internal void Leave(int index)
    {
        Vacate(index, Volatile.Read(ref *(int*)(Slot(index) + ChannelLayout.SlotStateOffset)));
        ReleaseMappingReference();
    }

    // A leaving participant's counters join the channel's totals, so Stat still counts its work.
    private void FoldCounters(byte* slot, int role)
    {
        if (role is not (ChannelLayout.StateProducer or ChannelLayout.StateConsumer))
        {
            return;
        }

        long* totals = (long*)(_base + ChannelLayout.TotalsOffset) + ((role - 1) * ChannelLayout.TotalsPerRole);
        for (int i = 0; i < ChannelLayout.TotalsPerRole; i++)
        {
            Interlocked.Add(ref totals[i], Interlocked.Exchange(ref *(long*)(slot + ChannelLayout.SlotMessagesOffset + (i * 8)), 0));
        }
    }

    private bool IsSlotAlive(byte* slot)
        => ProcessIdentity.IsAlive(*(int*)(slot + ChannelLayout.SlotPidOffset), *(ulong*)(slot + ChannelLayout.SlotStartTimeOffset));
}

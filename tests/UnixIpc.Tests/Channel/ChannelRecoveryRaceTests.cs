namespace UnixIpc.Tests;

/// <summary>
/// Crash recovery at its awkward moments, made deterministic: a participant's slot is given an identity that
/// cannot be alive (a pid no process has), and a test hook runs at the point a race would strike. The same
/// paths are exercised with real kill -9 in the cross-process and chaos tests; these pin the interleavings.
/// </summary>
public sealed unsafe class ChannelRecoveryRaceTests : IDisposable
{
    private readonly string _name = TestNames.Unique("chrec");

    public void Dispose() => SharedMemoryChannel.TryUnlink(_name);

    [Fact]
    public void A_dead_producers_failed_announcement_never_rewrites_a_record_the_real_owner_committed()
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.CreateNew(_name, new SharedMemoryChannelOptions { Capacity = 4096 });
        using SharedMemoryChannelReader reader = channel.CreateReader();
        using SharedMemoryChannelWriter writer = channel.CreateWriter();
        byte[] message = Enumerable.Range(0, 100).Select(i => (byte)(i + 1)).ToArray();
        Assert.True(writer.TryReserve(message.Length, out WriteLease lease));
        message.CopyTo(lease.Span);

        // A dead producer announced position 0 too (its CAS lost to the writer's), with a larger size.
        ChannelSlots.ForgeDead(channel, ChannelLayout.StateProducer, ChannelLayout.Announced, 1024); // announced position 0

        // Recovery sees the record uncommitted; before it looks at the slots, the writer commits and clears
        // its mark, so the dead announcement is the only one left that covers position 0.
        channel.AfterStallSeen = () =>
        {
            channel.AfterStallSeen = null;
            writer.Commit(position: 0, length: message.Length, reservationStart: 0);
        };
        channel.Recover(force: true);

        var buffer = new byte[channel.MaxMessageSize];
        Assert.True(reader.TryRead(buffer, out int length));
        Assert.Equal(message, buffer[..length]); // recovery used to write the dead one's padding length into it first
        Assert.Equal(0, channel.Stat().Abandoned);
    }

    [Fact]
    public void A_recoverer_that_dies_while_padding_a_dead_producers_record_is_undone_and_the_padding_redone()
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.CreateNew(_name, new SharedMemoryChannelOptions { Capacity = 4096 });
        using SharedMemoryChannelReader reader = channel.CreateReader();
        using SharedMemoryChannelWriter writer = channel.CreateWriter();
        using SharedMemoryChannelWriter dying = channel.CreateWriter();
        Assert.True(dying.TryReserve(100, out _)); // never committed
        Assert.True(writer.TryWrite("after"u8));

        // The producer dies, and so does a recoverer that had taken its slot to pad its record (state -pid).
        byte* slot = channel.Slot(ChannelSlots.Find(channel, Environment.ProcessId, ChannelLayout.StateProducer, 0));
        *(ulong*)(slot + ChannelLayout.SlotStartTimeOffset) += 1; // not this process any more: dead
        Volatile.Write(ref *(int*)(slot + ChannelLayout.SlotStateOffset), -ChannelSlots.NoSuchPid);

        var buffer = new byte[64];
        Assert.False(reader.TryRead(buffer, out _)); // held by the dead recoverer: nobody else pads it meanwhile
        Assert.True(reader.TryRead(buffer, TimeSpan.FromSeconds(30), out int length), "the dead recoverer's hold wedged the channel");
        Assert.Equal("after"u8.ToArray(), buffer[..length]);
        Assert.Equal(1, channel.Stat().Abandoned);
    }

    [Fact]
    public void A_slot_judged_dead_is_not_freed_once_another_process_has_taken_it()
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.CreateNew(_name, new SharedMemoryChannelOptions { Capacity = 4096 });
        int dead = ChannelSlots.ForgeDead(channel, ChannelLayout.StateProducer, pending: 0); // slot 0, holds nothing

        // Between recovery's verdict on slot 0 and its free, the slot is freed by someone else and taken by a
        // live writer (this process): recovery must leave the new owner's slot alone.
        SharedMemoryChannelWriter? successor = null;
        channel.AfterDeadSlotSeen = index =>
        {
            channel.AfterDeadSlotSeen = null;
            Assert.Equal(dead, index);
            Volatile.Write(ref *(int*)(channel.Slot(dead) + ChannelLayout.SlotStateOffset), ChannelLayout.StateFree);
            successor = channel.CreateWriter();
        };
        try
        {
            channel.Recover(force: true);
            Assert.NotNull(successor);
            ChannelParticipant producer = Assert.Single(channel.Stat().Participants);
            Assert.Equal((dead, "producer", Environment.ProcessId, true), (producer.Slot, producer.Role, producer.ProcessId, producer.IsAlive));

            using SharedMemoryChannelReader reader = channel.CreateReader(); // takes the next free slot, not the writer's
            Assert.True(successor.TryWrite("still mine"u8));
            var buffer = new byte[64];
            Assert.True(reader.TryRead(buffer, out int length));
            Assert.Equal("still mine"u8.ToArray(), buffer[..length]);
            Assert.Equal(2, channel.Stat().Participants.Count);
        }
        finally
        {
            successor?.Dispose();
        }
    }

    [Fact]
    public void A_recoverer_that_dies_while_freeing_a_slot_is_taken_over_and_the_slot_counted_and_freed()
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.CreateNew(_name, new SharedMemoryChannelOptions { Capacity = 4096 });
        int index = ChannelSlots.ForgeDead(channel, ChannelLayout.StateProducer, pending: 0);
        byte* slot = channel.Slot(index);
        *(long*)(slot + ChannelLayout.SlotMessagesOffset) = 5; // what the dead producer wrote
        *(long*)(slot + ChannelLayout.SlotBytesOffset) = 500;

        // A recoverer took it for freeing (state "freeing" + role, its own pid in the pid field) and died there.
        *(int*)(slot + ChannelLayout.SlotPidOffset) = ChannelSlots.NoSuchPid;
        Volatile.Write(ref *(int*)(slot + ChannelLayout.SlotStateOffset), ChannelLayout.StateFreeing + ChannelLayout.StateProducer);

        channel.Recover(force: true);
        Assert.Equal(ChannelLayout.StateFree, Volatile.Read(ref *(int*)(slot + ChannelLayout.SlotStateOffset)));
        SharedMemoryChannelStatus status = channel.Stat();
        Assert.Equal((5, 500), (status.MessagesWritten, status.BytesWritten)); // counted once, with the producers
        using SharedMemoryChannelWriter writer = channel.CreateWriter();
        Assert.Equal(index, Assert.Single(channel.Stat().Participants).Slot); // and free to take again
    }

    [Fact]
    public void A_back_pressure_broadcast_without_subscribers_does_not_pass_a_record_being_padded()
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.CreateNew(_name, new SharedMemoryChannelOptions { Capacity = 4096, Delivery = ChannelDelivery.Broadcast });
        using SharedMemoryChannelWriter writer = channel.CreateWriter();
        using SharedMemoryChannelWriter dying = channel.CreateWriter();
        Assert.True(dying.TryReserve(100, out _)); // [0, 160), never committed
        byte* slot = channel.Slot(ChannelSlots.Find(channel, Environment.ProcessId, ChannelLayout.StateProducer, 0));
        Volatile.Write(ref *(int*)(slot + ChannelLayout.SlotStateOffset), -Environment.ProcessId); // held by a live recoverer (us)

        // With nobody subscribed, the release position may run up to the tail, but not past a reservation
        // someone is padding: its header is still to be written.
        int written = 0;
        while (written < 100 && writer.TryWrite(new byte[100])) // unbounded if the release position ran past the held record
        {
            written++;
        }

        Assert.Equal(0, channel.Stat().Positions.Release);
        Assert.InRange(written, 1, (4096 / 160) - 1);
        Volatile.Write(ref *(int*)(slot + ChannelLayout.SlotStateOffset), ChannelLayout.StateProducer);
    }
}

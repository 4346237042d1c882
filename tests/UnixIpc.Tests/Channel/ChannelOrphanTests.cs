namespace UnixIpc.Tests;

/// <summary>
/// Queue mode: a message whose consumer died before releasing it goes to another consumer, exactly once, and
/// recovery never writes into a record it does not own. Dead consumers are forged (a slot whose identity
/// cannot be alive) and test hooks stall recovery where a race would strike; kill -9 covers the same paths
/// in the cross-process tests and the stress harness (tests/Stress).
/// </summary>
public sealed unsafe class ChannelOrphanTests : IDisposable
{
    private readonly string _name = TestNames.Unique("chorph");

    public void Dispose() => SharedMemoryChannel.TryUnlink(_name);

    [Fact]
    public void A_recoverer_stalled_while_the_real_owner_releases_and_the_space_is_reused_leaves_the_new_message_intact()
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.CreateNew(_name, new SharedMemoryChannelOptions { Capacity = 4096 });
        using SharedMemoryChannelWriter writer = channel.CreateWriter();
        using SharedMemoryChannelReader owner = channel.CreateReader();
        var buffer = new byte[channel.MaxMessageSize];
        Assert.True(writer.TryWrite(new byte[32]));             // [0, 64)
        Assert.True(writer.TryWrite(Pattern(32, 7)));           // [64, 128): the record recovery will look at
        Assert.True(owner.TryRead(buffer, out _));
        Assert.True(owner.TryRead(out ReadLease lease));        // live owner of position 64
        Assert.Equal(Pattern(32, 7), lease.Span.ToArray());

        // A consumer that announced position 64 too (its claim lost to the owner's) and then died.
        ChannelSlots.ForgeDead(channel, ChannelLayout.StateConsumer, (ulong)64 | ChannelLayout.Announced);

        // Recovery looks at position 64; before it decides, the owner releases the record, the release position
        // passes it and a producer writes a message over its bytes, with zeros where the claim word was.
        byte[] victim = Pattern(100, 1);
        victim.AsSpan(48, 8).Clear(); // ring bytes 80..87 (position 64's claim word) in the next lap
        channel.AfterDeadClaimSeen = position =>
        {
            if (position != 64)
            {
                return;
            }

            channel.AfterDeadClaimSeen = null;
            owner.Release(64, 32);
            channel.AdvanceRelease(-1);
            Assert.True(writer.TryWrite(new byte[1952]));   // [128, 2112)
            Assert.True(writer.TryWrite(new byte[1952]));   // [2112, 4096)
            Assert.True(owner.TryRead(buffer, out _));       // frees [128, 2112) for the next lap
            channel.AdvanceRelease(-1);
            Assert.True(writer.TryWrite(victim));           // [4096, 4256): ring bytes 0..159
        };
        channel.Recover(force: true);
        Assert.Null(channel.AfterDeadClaimSeen); // the hook ran

        Assert.True(owner.TryRead(buffer, out int length));
        Assert.Equal(1952, length);
        Assert.True(owner.TryRead(buffer, out length));
        Assert.Equal(victim, buffer[..length]);                 // recovery used to write "64 | orphaned" into it
        Assert.False(owner.TryRead(buffer, out _));             // and nothing is handed out a second time
        Assert.Equal(0, channel.Stat().Redelivered);
        Assert.Equal(0, Volatile.Read(ref channel.I32(ChannelLayout.OrphansOffset)));
    }

    [Fact]
    public void A_message_whose_consumer_died_holding_it_goes_to_another_consumer_once_and_an_idle_reader_then_sleeps()
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.CreateNew(_name, new SharedMemoryChannelOptions { Capacity = 4096 });
        using SharedMemoryChannelWriter writer = channel.CreateWriter();
        using SharedMemoryChannelReader survivor = channel.CreateReader();
        using SharedMemoryChannelReader dying = channel.CreateReader();
        Assert.True(writer.TryWrite("precious"u8));
        Assert.True(dying.TryRead(out ReadLease _));            // claimed and confirmed, never released
        ChannelSlots.MarkDead(channel, ChannelSlots.Find(channel, Environment.ProcessId, ChannelLayout.StateConsumer, 0));

        var buffer = new byte[64];
        Assert.True(survivor.TryRead(buffer, TimeSpan.FromSeconds(30), out int length), "the dead consumer's message was lost");
        Assert.Equal("precious"u8.ToArray(), buffer[..length]);
        Assert.Equal(1, channel.Stat().Redelivered);

        // Drained: nothing is handed out again, and the orphans hint no longer says there is something to read.
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        Assert.False(survivor.WaitToRead(TimeSpan.FromMilliseconds(150)));
        TimeoutAssert.GaveUpOnTime(System.Diagnostics.Stopwatch.GetElapsedTime(start), TimeSpan.FromMilliseconds(150), "WaitToRead on a drained channel");
        Assert.Equal(0, Volatile.Read(ref channel.I32(ChannelLayout.OrphansOffset)));
        Assert.Equal(0, channel.Stat().UsedBytes);              // and the space is free again
    }

    [Fact]
    public void Two_dead_consumers_that_both_announced_a_message_one_of_them_owning_it_hand_it_out_exactly_once()
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.CreateNew(_name, new SharedMemoryChannelOptions { Capacity = 4096 });
        using SharedMemoryChannelWriter writer = channel.CreateWriter();
        int loser = ChannelSlots.ForgeDead(channel, ChannelLayout.StateConsumer, (ulong)0 | ChannelLayout.Announced);   // lost the claim on position 0 and died
        using SharedMemoryChannelReader survivor = channel.CreateReader();
        using SharedMemoryChannelReader dying = channel.CreateReader();
        Assert.True(writer.TryWrite("once"u8));
        Assert.True(dying.TryRead(out ReadLease _));
        int owner = ChannelSlots.Find(channel, Environment.ProcessId, ChannelLayout.StateConsumer, 0);
        *(ulong*)(channel.Slot(owner) + ChannelLayout.SlotPendingOffset) = ChannelLayout.Announced; // died before confirming its claim
        ChannelSlots.MarkDead(channel, owner);

        var buffer = new byte[64];
        Assert.True(survivor.TryRead(buffer, TimeSpan.FromSeconds(30), out int length), "the message was lost");
        Assert.Equal("once"u8.ToArray(), buffer[..length]);
        Assert.False(survivor.TryRead(buffer, TimeSpan.FromMilliseconds(100), out _)); // not a second time
        channel.Recover(force: true);
        Assert.Equal(1, channel.Stat().Redelivered);
        Assert.Equal(ChannelLayout.StateFree, Volatile.Read(ref *(int*)(channel.Slot(loser) + ChannelLayout.SlotStateOffset)));
        Assert.Equal(ChannelLayout.StateFree, Volatile.Read(ref *(int*)(channel.Slot(owner) + ChannelLayout.SlotStateOffset)));
    }

    [Fact]
    public void A_dead_claimer_is_not_taken_for_the_owner_while_a_live_consumer_may_still_own_the_message()
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.CreateNew(_name, new SharedMemoryChannelOptions { Capacity = 4096 });
        using SharedMemoryChannelWriter writer = channel.CreateWriter();
        int dead = ChannelSlots.ForgeDead(channel, ChannelLayout.StateConsumer, (ulong)0 | ChannelLayout.Announced);
        using SharedMemoryChannelReader live = channel.CreateReader();
        using SharedMemoryChannelReader other = channel.CreateReader();
        Assert.True(writer.TryWrite("mine"u8));
        Assert.True(live.TryRead(out ReadLease lease));
        int owner = ChannelSlots.Find(channel, Environment.ProcessId, ChannelLayout.StateConsumer, 0);
        *(ulong*)(channel.Slot(owner) + ChannelLayout.SlotPendingOffset) = ChannelLayout.Announced; // alive, between its claim and its confirmation

        channel.Recover(force: true);
        var buffer = new byte[64];
        Assert.False(other.TryRead(buffer, out _));              // not redelivered under the live owner
        Assert.Equal(ChannelLayout.StateConsumer, Volatile.Read(ref *(int*)(channel.Slot(dead) + ChannelLayout.SlotStateOffset)));

        Assert.Equal("mine"u8.ToArray(), lease.Span.ToArray());
        lease.Release();
        channel.Recover(force: true);                           // settled: the dead claimer's slot holds nothing
        Assert.Equal(ChannelLayout.StateFree, Volatile.Read(ref *(int*)(channel.Slot(dead) + ChannelLayout.SlotStateOffset)));
        Assert.False(other.TryRead(buffer, out _));
        Assert.Equal(0, channel.Stat().Redelivered);
    }

    [Fact]
    public void A_consumer_that_dies_while_redelivering_an_orphan_puts_it_up_for_adoption_again()
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.CreateNew(_name, new SharedMemoryChannelOptions { Capacity = 4096 });
        using SharedMemoryChannelWriter writer = channel.CreateWriter();
        using SharedMemoryChannelReader survivor = channel.CreateReader();
        using SharedMemoryChannelReader dying = channel.CreateReader();
        Assert.True(writer.TryWrite("twice orphaned"u8));
        Assert.True(dying.TryRead(out ReadLease _));
        int slot = ChannelSlots.Find(channel, Environment.ProcessId, ChannelLayout.StateConsumer, 0);
        ChannelSlots.MarkDead(channel, slot);
        channel.Recover(force: true);
        Assert.Equal(ChannelLayout.StateOrphan, Volatile.Read(ref *(int*)(channel.Slot(slot) + ChannelLayout.SlotStateOffset)));

        // Another consumer adopted it (state adopted, its pid in the pid field) and died before releasing it.
        Volatile.Write(ref *(ulong*)(channel.Slot(slot) + ChannelLayout.SlotStateOffset), ((ulong)ChannelSlots.NoSuchPid << 32) | ChannelLayout.StateAdopted);

        var buffer = new byte[64];
        Assert.True(survivor.TryRead(buffer, TimeSpan.FromSeconds(30), out int length), "the dead adopter's message was lost");
        Assert.Equal("twice orphaned"u8.ToArray(), buffer[..length]);
        Assert.Equal(ChannelLayout.StateFree, Volatile.Read(ref *(int*)(channel.Slot(slot) + ChannelLayout.SlotStateOffset)));
        Assert.Equal(0, channel.Stat().UsedBytes);
    }

    [Fact]
    public void A_stale_orphans_hint_is_reset_and_a_reader_on_a_drained_channel_sleeps_its_full_time_out()
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.CreateNew(_name, new SharedMemoryChannelOptions { Capacity = 4096 });
        using SharedMemoryChannelReader reader = channel.CreateReader();
        Volatile.Write(ref channel.I32(ChannelLayout.OrphansOffset), 5); // as a recoverer that died mid-way could leave it

        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        Assert.False(reader.WaitToRead(TimeSpan.FromMilliseconds(150)));
        TimeoutAssert.GaveUpOnTime(System.Diagnostics.Stopwatch.GetElapsedTime(start), TimeSpan.FromMilliseconds(150), "WaitToRead (taking the hint for data?)");
        Assert.Equal(0, Volatile.Read(ref channel.I32(ChannelLayout.OrphansOffset)));
    }

    [Fact]
    public void An_orphan_whose_maker_died_before_raising_the_hint_is_still_found()
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.CreateNew(_name, new SharedMemoryChannelOptions { Capacity = 4096 });
        using SharedMemoryChannelWriter writer = channel.CreateWriter();
        using SharedMemoryChannelReader survivor = channel.CreateReader();
        using SharedMemoryChannelReader dying = channel.CreateReader();
        Assert.True(writer.TryWrite("found"u8));
        Assert.True(dying.TryRead(out ReadLease _));
        int slot = ChannelSlots.Find(channel, Environment.ProcessId, ChannelLayout.StateConsumer, 0);
        ulong word = *(ulong*)(channel.Slot(slot) + ChannelLayout.SlotStateOffset);
        Volatile.Write(ref *(ulong*)(channel.Slot(slot) + ChannelLayout.SlotStateOffset), (word & ~0xFFFF_FFFFUL) | ChannelLayout.StateOrphan); // hint never raised

        var buffer = new byte[64];
        Assert.True(survivor.TryRead(buffer, TimeSpan.FromSeconds(30), out int length), "the orphan was never adopted");
        Assert.Equal("found"u8.ToArray(), buffer[..length]);
    }

    [Fact]
    public void A_dead_consumer_that_announced_a_message_it_never_claimed_is_not_taken_for_its_owner_when_a_live_one_claims_it()
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.CreateNew(_name, new SharedMemoryChannelOptions { Capacity = 4096 });
        using SharedMemoryChannelWriter writer = channel.CreateWriter();
        int dead = ChannelSlots.ForgeDead(channel, ChannelLayout.StateConsumer, (ulong)0 | ChannelLayout.Announced);    // announced position 0 and died before its CAS
        using SharedMemoryChannelReader live = channel.CreateReader();
        using SharedMemoryChannelReader other = channel.CreateReader();
        Assert.True(writer.TryWrite("mine"u8));

        // The live consumer claims position 0 after recovery has looked at the other claimers (and found none)
        // but before it looks at the record: recovery must not take the dead announcer for the owner.
        bool claimed = false;
        channel.AfterClaimersScanned = _ =>
        {
            channel.AfterClaimersScanned = null;
            claimed = live.TryRead(out ReadLease _);
        };
        channel.Recover(force: true);
        if (!claimed)
        {
            claimed = live.TryRead(out ReadLease _); // recovery settled the dead claim before looking further
        }

        Assert.True(claimed);
        Assert.NotEqual(ChannelLayout.StateOrphan, Volatile.Read(ref *(int*)(channel.Slot(dead) + ChannelLayout.SlotStateOffset)));
        var buffer = new byte[64];
        Assert.False(other.TryRead(buffer, out _));              // not a second copy
        live.Release(0, 4);
        Assert.False(other.TryRead(buffer, out _));
        Assert.Equal(0, channel.Stat().Redelivered);
        Assert.Equal(0, channel.Stat().UsedBytes);
    }

    [Fact]
    public void A_consumer_killed_right_after_skipping_padding_holds_nothing_back()
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.CreateNew(_name, new SharedMemoryChannelOptions { Capacity = 4096 });
        using SharedMemoryChannelWriter writer = channel.CreateWriter();
        using SharedMemoryChannelReader reader = channel.CreateReader();
        var buffer = new byte[channel.MaxMessageSize];
        for (int i = 0; i < 3; i++)
        {
            Assert.True(writer.TryWrite(new byte[1000]));          // [0, 3168)
            Assert.True(reader.TryRead(buffer, out _));
        }

        Assert.True(writer.TryWrite(Pattern(1000, 3)));            // padding [3168, 4096), then the message at 4096
        ref ulong read = ref channel.U64(ChannelLayout.ReadOffset);
        Assert.Equal(3168UL, Interlocked.CompareExchange(ref read, 4096, 3168)); // a consumer's skip of the padding, and then it is killed

        Assert.True(reader.TryRead(buffer, out int length));
        Assert.Equal(Pattern(1000, 3), buffer[..length]);
        Assert.Equal(0, channel.Stat().UsedBytes);                 // the padding did not hold the release position back
        for (int i = 0; i < 3; i++)
        {
            Assert.True(writer.TryWrite(new byte[1000]));          // and the ring is usable all round
            Assert.True(reader.TryRead(buffer, out _));
        }
    }

    [Fact]
    public void An_orphan_larger_than_the_buffer_is_reported_as_such_and_stays_for_a_larger_one()
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.CreateNew(_name, new SharedMemoryChannelOptions { Capacity = 4096 });
        using SharedMemoryChannelWriter writer = channel.CreateWriter();
        using SharedMemoryChannelReader survivor = channel.CreateReader();
        using SharedMemoryChannelReader dying = channel.CreateReader();
        Assert.True(writer.TryWrite(Pattern(100, 9)));
        Assert.True(dying.TryRead(out ReadLease _));
        ChannelSlots.MarkDead(channel, ChannelSlots.Find(channel, Environment.ProcessId, ChannelLayout.StateConsumer, 0));
        channel.Recover(force: true);

        ArgumentException small = Assert.Throws<ArgumentException>(() => survivor.TryRead(new byte[10], out _)); // not "nothing", which made a waiting reader spin
        Assert.Contains("100 bytes", small.Message, StringComparison.Ordinal);
        var buffer = new byte[100];
        Assert.True(survivor.TryRead(buffer, out int length));
        Assert.Equal(Pattern(100, 9), buffer[..length]);
    }

    [Fact]
    public void A_reader_disposed_while_it_holds_a_message_hands_it_to_another_consumer()
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.CreateNew(_name, new SharedMemoryChannelOptions { Capacity = 4096 });
        using SharedMemoryChannelWriter writer = channel.CreateWriter();
        using SharedMemoryChannelReader survivor = channel.CreateReader();
        Assert.True(writer.TryWrite("held"u8));
        using (SharedMemoryChannelReader holder = channel.CreateReader())
        {
            Assert.True(holder.TryRead(out ReadLease _));     // never released
        }

        var buffer = new byte[64];
        Assert.True(survivor.TryRead(buffer, TimeSpan.FromSeconds(30), out int length), "the message held at Dispose was lost");
        Assert.Equal("held"u8.ToArray(), buffer[..length]);

        // The same for a message the disposed reader had itself adopted.
        Assert.True(writer.TryWrite("again"u8));
        using (SharedMemoryChannelReader first = channel.CreateReader())
        {
            Assert.True(first.TryRead(out ReadLease _));
        }

        using (SharedMemoryChannelReader second = channel.CreateReader())
        {
            Assert.True(second.TryRead(out ReadLease adopted));
            Assert.Equal("again"u8.ToArray(), adopted.Span.ToArray());
        }

        Assert.True(survivor.TryRead(buffer, TimeSpan.FromSeconds(30), out length));
        Assert.Equal("again"u8.ToArray(), buffer[..length]);
        Assert.Equal(0, channel.Stat().UsedBytes);
        Assert.Equal(3, channel.Stat().Redelivered);
    }

    [Fact]
    public void A_large_message_whose_consumer_stopped_after_copying_it_out_is_handed_out_again_intact_and_so_are_its_neighbours()
    {
        // A large copy writes back into the lines it read (QueueCopy): those stores must leave every byte as it was.
        using SharedMemoryChannel channel = SharedMemoryChannel.CreateNew(_name, new SharedMemoryChannelOptions { Capacity = 1 << 16 });
        using SharedMemoryChannelWriter writer = channel.CreateWriter();
        using SharedMemoryChannelReader survivor = channel.CreateReader();
        byte[][] messages = [Pattern(QueueCopy.LargeMessage + 903, 1), Pattern(QueueCopy.LargeMessage + 4, 2), Pattern(13, 3)];
        foreach (byte[] message in messages)
        {
            Assert.True(writer.TryWrite(message));
        }

        var buffer = new byte[1 << 14];
        using (SharedMemoryChannelReader holder = channel.CreateReader())
        {
            holder.AfterCopy = () => throw new OperationCanceledException("stopped between copy and release");
            Assert.Throws<OperationCanceledException>(() => holder.TryRead(buffer, out _));
            Assert.Equal(messages[0], buffer[..messages[0].Length]); // what it copied was the message
        }

        foreach (byte[] message in messages)
        {
            Array.Clear(buffer);
            Assert.True(survivor.TryRead(buffer, TimeSpan.FromSeconds(30), out int length), "a message was lost");
            Assert.Equal(message, buffer[..length]);
        }

        Assert.Equal(1, channel.Stat().Redelivered);
        Assert.Equal(0, channel.Stat().UsedBytes);
    }

    private static byte[] Pattern(int length, int seed) => Enumerable.Range(0, length).Select(i => (byte)(i + seed)).ToArray();
}

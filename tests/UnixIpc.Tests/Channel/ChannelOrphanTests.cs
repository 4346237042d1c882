namespace UnixIpc.Tests;

/// <summary>
/// Queue mode: a message whose consumer died before releasing it goes to another consumer, exactly once, and
/// recovery never writes into a record it does not own. Dead consumers are forged (a slot whose identity
/// cannot be alive) and test hooks stall recovery where a race would strike; kill -9 covers the same paths
/// in the cross-process tests and the stress harness (tests/Stress).
/// </summary>
public sealed unsafe class ChannelOrphanTests : IDisposable
{
    private const int NoSuchPid = 1 << 30; // above PID_MAX_LIMIT (2^22): never a running process
    private readonly string _name = TestNames.Unique("chorph");

    public void Dispose() => SharedMemoryChannel.TryUnlink(_name);

    [Fact]
    public void A_recoverer_stalled_while_the_real_owner_releases_and_the_space_is_reused_leaves_the_new_message_intact()
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.Create(_name, new SharedMemoryChannelOptions { Capacity = 4096 });
        using SharedMemoryChannelWriter writer = channel.CreateWriter();
        using SharedMemoryChannelReader owner = channel.CreateReader();
        var buffer = new byte[channel.MaxMessageSize];
        Assert.True(writer.TryWrite(new byte[32]));             // [0, 64)
        Assert.True(writer.TryWrite(Pattern(32, 7)));           // [64, 128): the record recovery will look at
        Assert.True(owner.TryRead(buffer, out _));
        Assert.True(owner.TryRead(out ReadLease lease));        // live owner of position 64
        Assert.Equal(Pattern(32, 7), lease.Span.ToArray());

        // A consumer that announced position 64 too (its claim lost to the owner's) and then died.
        ForgeDeadConsumer(channel, pendingAt: 64);

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

    private static byte[] Pattern(int length, int seed) => Enumerable.Range(0, length).Select(i => (byte)(i + seed)).ToArray();

    // Puts a consumer that cannot be alive into the first free slot, its pending claim at the position given.
    private static int ForgeDeadConsumer(SharedMemoryChannel channel, long pendingAt)
    {
        for (int i = 0; i < channel.SlotCount; i++)
        {
            byte* slot = channel.Slot(i);
            if (Interlocked.CompareExchange(ref *(int*)(slot + ChannelLayout.SlotStateOffset), -Environment.ProcessId, ChannelLayout.StateFree) == ChannelLayout.StateFree)
            {
                *(int*)(slot + ChannelLayout.SlotPidOffset) = NoSuchPid;
                *(ulong*)(slot + ChannelLayout.SlotStartTimeOffset) = 1;
                *(ulong*)(slot + ChannelLayout.SlotPendingOffset) = (ulong)pendingAt | ChannelLayout.Announced;
                Volatile.Write(ref *(int*)(slot + ChannelLayout.SlotStateOffset), ChannelLayout.StateConsumer);
                return i;
            }
        }

        throw new InvalidOperationException("no free slot");
    }
}

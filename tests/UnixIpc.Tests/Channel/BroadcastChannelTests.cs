using System.Globalization;

namespace UnixIpc.Tests;

/// <summary>Broadcast channels: every subscriber sees every message; back-pressure from the slowest live one.</summary>
public sealed class BroadcastChannelTests : IDisposable
{
    private readonly string _name = TestNames.Unique("bcast");

    public void Dispose() => SharedMemoryChannel.TryUnlink(_name);

    private SharedMemoryChannel NewChannel(long capacity = 4096)
        => SharedMemoryChannel.CreateNew(_name, new SharedMemoryChannelOptions { Capacity = capacity, Delivery = ChannelDelivery.Broadcast });

    [Fact]
    public void A_subscriber_registering_while_a_producer_makes_room_gets_every_message_from_where_it_starts()
    {
        using SharedMemoryChannel channel = NewChannel();
        using SharedMemoryChannelWriter writer = channel.CreateWriter();
        for (int i = 0; i < 10; i++)
        {
            Assert.True(writer.TryWrite(new byte[100])); // nobody subscribed: the release position follows the tail
        }

        // Between the subscriber's look at the tail and the store of its cursor there, the producer writes more
        // than a ring's worth. Had it given up the space the subscriber is about to start at (as it did when a
        // slot being claimed did not count), it would overwrite those records.
        int written = 0;
        channel.AfterSubscriberStartSeen = () =>
        {
            channel.AfterSubscriberStartSeen = null;
            while (written < 40 && writer.TryWrite(BitConverter.GetBytes(written)))
            {
                written++;
            }
        };
        using SharedMemoryChannelReader subscriber = channel.CreateReader();
        Assert.Null(channel.AfterSubscriberStartSeen); // the hook ran

        var buffer = new byte[200];
        for (int i = 0; i < written; i++)
        {
            Assert.True(subscriber.TryRead(buffer, out int length), $"message {i} of {written} written after the subscriber looked at the tail is missing");
            Assert.Equal((4, i), (length, BitConverter.ToInt32(buffer, 0)));
        }

        Assert.InRange(written, 1, 39);                                // the registering subscriber held the producer back at the ring's end
        Assert.True(writer.TryWrite(BitConverter.GetBytes(-1)));      // and the channel flows on
        Assert.True(subscriber.TryRead(buffer, out _));
        Assert.Equal(-1, BitConverter.ToInt32(buffer, 0));
    }

    [Fact]
    public void Every_subscriber_sees_every_message_in_order_and_the_slowest_holds_producers_back()
    {
        using SharedMemoryChannel channel = NewChannel();
        Assert.Equal(ChannelDelivery.Broadcast, channel.Delivery);
        using SharedMemoryChannelWriter writer = channel.CreateWriter();
        using SharedMemoryChannelReader fast = channel.CreateReader();
        using SharedMemoryChannelReader slow = channel.CreateReader();
        var buffer = new byte[200];
        int written = 0;
        while (writer.TryWrite(BitConverter.GetBytes(written)))
        {
            Assert.True(fast.TryRead(buffer, out int length));
            Assert.Equal(written, BitConverter.ToInt32(buffer, 0));
            Assert.Equal(4, length);
            written++;
        }

        Assert.Equal(4096 / 64, written); // the slow subscriber's unread ring is full
        Assert.False(writer.TryWrite(new byte[4], TimeSpan.FromMilliseconds(20)));
        for (int i = 0; i < written; i++)
        {
            Assert.True(slow.TryRead(buffer, out _));
            Assert.Equal(i, BitConverter.ToInt32(buffer, 0));
        }

        Assert.True(writer.TryWrite(new byte[4]));
        SharedMemoryChannelStatus status = channel.Stat();
        Assert.True(status.Participants.Count == 3, string.Join("; ", status.Participants));
        Assert.Equal(2, status.Participants.Count(p => p.Role == "subscriber"));
        Assert.Equal(2L * written, status.MessagesRead);
    }

    [Fact]
    public void A_late_subscriber_starts_at_the_newest_message_and_leaving_frees_the_ring()
    {
        using SharedMemoryChannel channel = NewChannel();
        using SharedMemoryChannelWriter writer = channel.CreateWriter();
        SharedMemoryChannelReader early = channel.CreateReader();
        writer.TryWrite("before"u8);
        using SharedMemoryChannelReader late = channel.CreateReader();
        writer.TryWrite("after"u8);
        var buffer = new byte[16];
        Assert.True(late.TryRead(buffer, out int length));
        Assert.Equal("after"u8.ToArray(), buffer[..length]);
        Assert.False(late.TryRead(buffer, out _));

        Assert.True(early.TryRead(out ReadLease lease));
        Assert.Equal("before"u8.ToArray(), lease.Span.ToArray());
        lease.Release();

        // A subscriber that leaves no longer holds producers back: several rings' worth passes.
        early.Dispose();
        for (int i = 0; i < 200; i++)
        {
            Assert.True(writer.TryWrite(new byte[100]), $"message {i}: the departed subscriber still holds the ring");
            Assert.True(late.TryRead(new byte[100], out _));
        }
    }

    [Fact]
    public async Task Producer_threads_and_subscriber_threads_each_subscriber_gets_everything_in_order()
    {
        using SharedMemoryChannel channel = NewChannel(16384);
        const int Producers = 3;
        const int PerProducer = 20_000;
        var readers = Enumerable.Range(0, 2).Select(_ => channel.CreateReader()).ToArray();
        Task<long>[] subscribers = readers.Select(reader => Task.Run(() =>
        {
            using (reader)
            {
                var last = new int[Producers];
                Array.Fill(last, -1);
                var buffer = new byte[64];
                long count = 0;
                while (count < Producers * PerProducer)
                {
                    int length = reader.Read(buffer);
                    Assert.True(ChannelMessages.TryCheck(buffer.AsSpan(0, length), out int producer, out int sequence));
                    Assert.Equal(last[producer] + 1, sequence); // nothing skipped or repeated
                    last[producer] = sequence;
                    count++;
                }

                return count;
            }
        })).ToArray();
        Task[] producers = Enumerable.Range(0, Producers).Select(p => Task.Run(() =>
        {
            using SharedMemoryChannelWriter writer = channel.CreateWriter();
            var message = new byte[64];
            for (int i = 0; i < PerProducer; i++)
            {
                ChannelMessages.Fill(message, p, i);
                writer.Write(message);
            }
        })).ToArray();
        await Task.WhenAll(producers).WaitAsync(TimeSpan.FromMinutes(2));
        long[] counts = await Task.WhenAll(subscribers).WaitAsync(TimeSpan.FromMinutes(2));
        Assert.All(counts, c => Assert.Equal(Producers * PerProducer, c));
    }
}

/// <summary>Broadcast across processes: subscriber processes, and one killed while producers wait on it.</summary>
[Collection(CrossProcessCollection.Name)]
public sealed class BroadcastChannelCrossProcessTests : IDisposable
{
    private readonly string _name = TestNames.Unique("bcast");

    public void Dispose() => SharedMemoryChannel.TryUnlink(_name);

    [Fact]
    public async Task Two_subscriber_processes_each_receive_every_message_of_a_producer_process()
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.CreateNew(_name, new SharedMemoryChannelOptions { Capacity = 65536, Delivery = ChannelDelivery.Broadcast });
        const int Count = 50_000;
        await using TestChildProcess first = await TestChildProcess.StartAsync("channel-consume", _name);
        await using TestChildProcess second = await TestChildProcess.StartAsync("channel-consume", _name);
        await using TestChildProcess producer = await TestChildProcess.StartAsync("channel-produce", _name, "0", Count.ToString(CultureInfo.InvariantCulture));
        Assert.Equal("done", await producer.ReadLineAsync());
        using (SharedMemoryChannelWriter stopper = channel.CreateWriter())
        {
            var stop = new byte[64];
            ChannelMessages.Fill(stop, -1, 0);
            stopper.Write(stop); // one stop: every subscriber sees it
        }

        long n = Count;
        foreach (TestChildProcess subscriber in new[] { first, second })
        {
            Assert.Equal($"0 {n} {n * (n - 1) / 2} {(n - 1) * n * ((2 * n) - 1) / 6}", await subscriber.ReadLineAsync());
            Assert.Equal("violations 0", await subscriber.ReadLineAsync());
        }
    }

    [Fact]
    public async Task A_subscriber_reading_on_wakes_a_producer_process_asleep_for_room()
    {
        // A small ring the producer fills at once; it then sleeps on the futex until the subscriber frees space.
        using SharedMemoryChannel channel = SharedMemoryChannel.CreateNew(_name, new SharedMemoryChannelOptions { Capacity = 4096, Delivery = ChannelDelivery.Broadcast });
        using SharedMemoryChannelReader reader = channel.CreateReader();
        const int Count = 300;
        await using TestChildProcess producer = await TestChildProcess.StartAsync("channel-produce", _name, "0", Count.ToString(CultureInfo.InvariantCulture));
        // Asleep now, not only once: its wait count goes up as a 20 ms sleep slice ends, when it is awake (looking for room,
        // running recovery), and a subscriber that read on right then found no sleeper to wake, and often none after
        // (the producer, spinning before it sleeps, kept up). Its main thread blocked on a futex is the sleep itself.
        var limit = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!channel.Stat().Participants.Any(p => p.Role == "producer" && p.Waits > 0)
            || !File.ReadAllText($"/proc/{producer.Id}/task/{producer.Id}/wchan").Contains("futex", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < limit, "the producer never slept for room");
            await Task.Yield();
        }

        var message = new byte[64];
        for (int i = 0; i < Count; i++)
        {
            Assert.True(reader.TryRead(message, TimeSpan.FromSeconds(30), out int length), $"message {i} never came");
            Assert.True(ChannelMessages.TryCheck(message.AsSpan(0, length), out int from, out int sequence) && from == 0 && sequence == i, $"message {i} out of order or torn");
        }

        Assert.Equal("done", await producer.ReadLineAsync());

        // Woken by the subscriber's moves (a FUTEX_WAKE, counted on the waker's slot), not left to the producer's
        // own 20 ms recovery slices, which would also get every message through.
        Assert.True(channel.Stat().Participants.Single(p => p.Role == "subscriber").Wakeups > 0, "the subscriber never woke the sleeping producer");
    }

    [Fact]
    public async Task A_killed_subscriber_stops_holding_producers_back()
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.CreateNew(_name, new SharedMemoryChannelOptions { Capacity = 4096, Delivery = ChannelDelivery.Broadcast });
        using SharedMemoryChannelWriter writer = channel.CreateWriter();
        await using TestChildProcess idle = await TestChildProcess.StartAsync("channel-subscribe-and-hang", _name);
        while (writer.TryWrite(new byte[100]))
        {
        }

        Assert.False(writer.TryWrite(new byte[100])); // held back by the idle subscriber
        idle.Kill();
        await idle.WaitForExitAsync();
        Assert.True(writer.TryWrite(new byte[100], TimeSpan.FromSeconds(30)), "a dead subscriber still held the producers back");
        Assert.DoesNotContain(channel.Stat().Participants, p => p.Role == "subscriber");
    }

    [Fact]
    public async Task Without_subscribers_producers_still_never_lap_a_record_another_producer_is_writing()
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.CreateNew(_name, new SharedMemoryChannelOptions { Capacity = 4096, Delivery = ChannelDelivery.Broadcast });
        using SharedMemoryChannelWriter writer = channel.CreateWriter();
        await using TestChildProcess hung = await TestChildProcess.StartAsync("channel-reserve-and-hang", _name);
        int written = 0;
        while (written < 1000 && writer.TryWrite(new byte[100]))
        {
            written++;
        }

        // Nobody subscribes, so nothing else holds the ring; but the hung producer's record (filled with 0xEE)
        // must not be written over while it may still commit it.
        Assert.True(written < 4096 / 160, $"{written} messages written over a ring held by an unfinished record");
        hung.Kill();
        await hung.WaitForExitAsync();
        Assert.True(writer.TryWrite(new byte[100], TimeSpan.FromSeconds(30)), "the dead producer's record still held the ring");
        Assert.Equal(1, channel.Stat().Abandoned);
        for (int i = 0; i < 100; i++)
        {
            Assert.True(writer.TryWrite(new byte[100]), $"message {i}: the ring did not move on");
        }

        Assert.DoesNotContain(channel.Stat().Participants, p => !p.IsAlive);
    }

    [Fact]
    public async Task A_subscriber_killed_while_claiming_its_slot_stops_holding_producers_back()
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.CreateNew(_name, new SharedMemoryChannelOptions { Capacity = 4096, Delivery = ChannelDelivery.Broadcast });
        using SharedMemoryChannelWriter writer = channel.CreateWriter();
        Assert.True(writer.TryWrite(new byte[100])); // so the claimer's cursor (the tail) is not 0, which counts as "not set yet"
        await using TestChildProcess claimer = await TestChildProcess.StartAsync("channel-die-while-claiming", _name);
        int written = 0;
        while (written < 1000 && writer.TryWrite(new byte[100]))
        {
            written++;
        }

        Assert.True(written <= 4096 / 160, $"{written} messages: the half-registered subscriber did not hold the ring"); // it may yet publish its role
        claimer.Kill();
        await claimer.WaitForExitAsync();
        Assert.True(writer.TryWrite(new byte[100], TimeSpan.FromSeconds(30)), "a subscriber that died while claiming its slot still holds the producers");
        for (int i = 0; i < 100; i++)
        {
            Assert.True(writer.TryWrite(new byte[100]), $"message {i}");
        }
    }

    [Fact]
    public async Task A_producer_killed_mid_record_does_not_wedge_subscribers()
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.CreateNew(_name, new SharedMemoryChannelOptions { Capacity = 4096, Delivery = ChannelDelivery.Broadcast });
        using SharedMemoryChannelReader subscriber = channel.CreateReader();
        using SharedMemoryChannelWriter writer = channel.CreateWriter();
        await using TestChildProcess hung = await TestChildProcess.StartAsync("channel-reserve-and-hang", _name);
        writer.TryWrite("after"u8);
        var buffer = new byte[200];
        Assert.False(subscriber.TryRead(buffer, out _));
        hung.Kill();
        await hung.WaitForExitAsync();
        Assert.True(subscriber.TryRead(buffer, TimeSpan.FromSeconds(30), out int length), "the dead producer's record wedged the subscriber");
        Assert.Equal("after"u8.ToArray(), buffer[..length]);
        Assert.Equal(1, channel.Stat().Abandoned);
    }
}

using System.Globalization;

namespace UnixIpc.Tests;

/// <summary>
/// Broadcast with overrun: producers never wait for subscribers; a lapped subscriber skips ahead, is told
/// exactly how many messages it lost, and never gets a torn message.
/// </summary>
/// <remarks>Longer than our ~500-line mark on purpose: every test races producers against lapped subscribers through
/// the same few helpers at the bottom (the torn-message and loss-accounting checks); split, they would be scattered.</remarks>
public sealed class OverrunChannelTests : IDisposable
{
    private readonly string _name = TestNames.Unique("ovr");

    public void Dispose() => SharedMemoryChannel.TryUnlink(_name);

    private SharedMemoryChannel NewChannel(long capacity = 4096)
        => SharedMemoryChannel.CreateNew(_name, new SharedMemoryChannelOptions
        {
            Capacity = capacity,
            Delivery = ChannelDelivery.Broadcast,
            SlowSubscribers = SlowSubscriberPolicy.Overrun,
        });

    [Fact]
    public void Producers_never_wait_and_a_lapped_subscriber_is_told_exactly_how_many_it_lost()
    {
        using SharedMemoryChannel channel = NewChannel();
        Assert.Equal(SlowSubscriberPolicy.Overrun, channel.SlowSubscribers);
        using SharedMemoryChannelReader subscriber = channel.CreateReader();
        using SharedMemoryChannelWriter writer = channel.CreateWriter();
        const int Count = 1000; // about 23 rings of 4 KiB
        for (int i = 0; i < Count; i++)
        {
            Assert.True(writer.TryWrite(BitConverter.GetBytes(i)), $"message {i}: a producer waited for a subscriber");
        }

        var buffer = new byte[16];
        Assert.True(subscriber.TryRead(buffer, out int length, out long lost));
        Assert.Equal(4, length);
        int first = BitConverter.ToInt32(buffer);
        Assert.Equal(first, lost); // messages 0 .. first-1 were overwritten, and it says so
        Assert.True(first > Count - (4096 / 64), $"skipped to {first}: not the oldest message still in the ring");
        int expected = first + 1;
        while (subscriber.TryRead(buffer, out _, out lost))
        {
            Assert.Equal(0, lost);
            Assert.Equal(expected++, BitConverter.ToInt32(buffer));
        }

        Assert.Equal(Count, expected);
        Assert.Equal(first, subscriber.MessagesLost);
        SharedMemoryChannelStatus status = channel.Stat();
        Assert.Equal(first, status.MessagesLost);
        Assert.Equal(1, status.Overruns);
        Assert.Equal(Count - first, status.MessagesRead);
    }

    [Fact]
    public void A_subscriber_that_keeps_up_loses_nothing_and_a_late_one_starts_at_the_newest_message()
    {
        using SharedMemoryChannel channel = NewChannel();
        using SharedMemoryChannelWriter writer = channel.CreateWriter();
        using SharedMemoryChannelReader early = channel.CreateReader();
        var buffer = new byte[200];
        for (int i = 0; i < 500; i++)
        {
            Assert.True(writer.TryWrite(BitConverter.GetBytes(i)));
            Assert.True(early.TryRead(buffer, out _, out long lost));
            Assert.Equal(0, lost);
            Assert.Equal(i, BitConverter.ToInt32(buffer));
        }

        using SharedMemoryChannelReader late = channel.CreateReader();
        Assert.False(late.TryRead(buffer, out _));
        Assert.True(writer.TryWrite("after"u8));
        Assert.True(late.TryRead(buffer, out int length, out long lateLost));
        Assert.Equal("after"u8.ToArray(), buffer[..length]);
        Assert.Equal(0, lateLost);
        Assert.Equal(0, early.MessagesLost);
    }

    [Fact]
    public void Random_sizes_and_bursts_against_a_model_every_read_is_intact_and_every_gap_is_reported()
    {
        using SharedMemoryChannel channel = NewChannel(8192);
        using SharedMemoryChannelWriter writer = channel.CreateWriter();
        using SharedMemoryChannelReader subscriber = channel.CreateReader();
        var random = new Random(20261123);
        var buffer = new byte[channel.MaxMessageSize];
        int written = 0;
        int next = 0; // the id the subscriber expects if nothing is lost
        long lostSeen = 0;
        for (int round = 0; round < 3000; round++)
        {
            int writes = random.Next(0, round % 50 == 0 ? 400 : 12); // now and then a burst of several rings
            for (int i = 0; i < writes; i++)
            {
                byte[] message = Message(written++, random.Next(0, 700));
                Assert.True(writer.TryWrite(message));
            }

            int reads = random.Next(0, 12);
            for (int i = 0; i < reads && subscriber.TryRead(buffer, out int length, out long lost); i++)
            {
                int id = Check(buffer.AsSpan(0, length));
                Assert.Equal(next + lost, id);
                lostSeen += lost;
                next = id + 1;
            }
        }

        while (subscriber.TryRead(buffer, out int length, out long lost))
        {
            int id = Check(buffer.AsSpan(0, length));
            Assert.Equal(next + lost, id);
            lostSeen += lost;
            next = id + 1;
        }

        Assert.Equal(written, next);
        Assert.True(lostSeen > 0, "the bursts never overran the subscriber");
        Assert.Equal(lostSeen, subscriber.MessagesLost);
    }

    [Fact]
    public async Task Producer_threads_overrun_subscriber_threads_nothing_torn_and_read_plus_lost_is_everything()
    {
        using SharedMemoryChannel channel = NewChannel(16384);
        const int Producers = 3;
        const int PerProducer = 100_000;
        const int Total = Producers * PerProducer;
        long produced = 0;
        var readers = Enumerable.Range(0, 2).Select(_ => channel.CreateReader()).ToArray();
        Task<(long Read, long Lost, long Pauses)>[] subscribers = readers.Select((reader, index) => Task.Run(() =>
        {
            using (reader)
            {
                var last = new int[Producers];
                Array.Fill(last, -1);
                var buffer = new byte[256];
                long read = 0, lost = 0, pauses = 0;
                while (read + lost < Total)
                {
                    if (!reader.TryRead(buffer, out int length, out long skipped))
                    {
                        Assert.True(reader.WaitToRead(TimeSpan.FromMinutes(1)), $"subscriber {index} starved at {read} read + {lost} lost");
                        continue;
                    }

                    Assert.True(ChannelMessages.TryCheck(buffer.AsSpan(0, length), out int producer, out int sequence), "a torn message was returned");
                    Assert.True(sequence > last[producer], $"producer {producer}: {sequence} after {last[producer]}");
                    last[producer] = sequence;
                    read++;
                    lost += skipped;

                    // The second subscriber falls far behind now and then: it waits (for an event, not a time)
                    // until the producers have written several rings more, so overruns surely happen.
                    if (index == 1 && read % 5000 == 0)
                    {
                        long target = Math.Min(Total, Interlocked.Read(ref produced) + 2000);
                        SpinWait.SpinUntil(() => Interlocked.Read(ref produced) >= target);
                        pauses++;
                    }
                }

                Assert.Equal(lost, reader.MessagesLost);
                return (read, lost, pauses);
            }
        })).ToArray();
        Task[] producers = Enumerable.Range(0, Producers).Select(p => Task.Run(() =>
        {
            using SharedMemoryChannelWriter writer = channel.CreateWriter();
            var message = new byte[20 + (p * 40)];
            for (int i = 0; i < PerProducer; i++)
            {
                ChannelMessages.Fill(message, p, i);

                // Write, not TryWrite: a producer thread preempted in the middle of a record (or of a frontier
                // walk) holds the others for a moment. Only subscribers are never waited for.
                writer.Write(message);
                Interlocked.Increment(ref produced);
            }
        })).ToArray();
        await Task.WhenAll(producers).WaitAsync(TimeSpan.FromMinutes(2));
        (long Read, long Lost, long Pauses)[] results = await Task.WhenAll(subscribers).WaitAsync(TimeSpan.FromMinutes(2));
        Assert.All(results, r => Assert.Equal(Total, r.Read + r.Lost));
        Assert.True(results[1].Lost > 0, $"the paused subscriber lost nothing over {results[1].Pauses} pauses");
        SharedMemoryChannelStatus status = channel.Stat();
        Assert.Equal(results.Sum(r => r.Lost), status.MessagesLost);
        Assert.True(status.Overruns >= 1);
    }

    [Fact]
    public void A_message_overwritten_while_it_is_copied_is_discarded_and_counted_as_lost()
    {
        using SharedMemoryChannel channel = NewChannel();
        using SharedMemoryChannelReader subscriber = channel.CreateReader();
        using SharedMemoryChannelWriter writer = channel.CreateWriter();
        Assert.True(writer.TryWrite(Message(0, 1000)));

        // Between the copy and the check, a producer laps the subscriber: the copy may be torn.
        int next = 1;
        subscriber.AfterCopy = () =>
        {
            subscriber.AfterCopy = null;
            for (int i = 0; i < 20; i++)
            {
                Assert.True(writer.TryWrite(Message(next++, 1000)));
            }
        };
        var buffer = new byte[channel.MaxMessageSize];
        Assert.True(subscriber.TryRead(buffer, out int length, out long lost));
        int id = Check(buffer.AsSpan(0, length));
        Assert.NotEqual(0, id); // the copy of message 0 was not handed out
        Assert.Equal(id, lost);
        Assert.Equal(1, channel.Stat().Overruns);
    }

    [Fact]
    public void Writing_reading_overrunning_and_walking_the_frontier_allocate_nothing()
    {
        using SharedMemoryChannel channel = NewChannel();
        using SharedMemoryChannelWriter writer = channel.CreateWriter();
        using SharedMemoryChannelReader subscriber = channel.CreateReader();
        var message = new byte[64];
        var buffer = new byte[64];
        for (int i = 0; i < 1000; i++)
        {
            writer.TryWrite(message);
            subscriber.TryRead(buffer, out _, out _);
        }

        const int Messages = 2000; // reads, each after 100 writes: the rarer operation sets the bar
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Messages; i++)
        {
            for (int j = 0; j < 100; j++) // more than a ring: the subscriber is overrun, producers walk the frontier
            {
                Assert.True(writer.TryWrite(message));
            }

            Assert.True(subscriber.TryRead(buffer, out _, out long lost));
            Assert.True(lost > 0);
        }

        // Less than a byte per message: a single object per message would be 24 bytes or more each time. A
        // one-off allocation by the runtime on this thread (a method compiled on the fly under load) is not
        // the code's, and once made the suite fail here.
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < Messages, $"{allocated} bytes allocated over {Messages} messages");
    }

    [Fact]
    public void Zero_copy_reads_are_refused_and_overrun_is_for_broadcast_only()
    {
        using SharedMemoryChannel channel = NewChannel();
        using SharedMemoryChannelReader subscriber = channel.CreateReader();
        NotSupportedException refused = Assert.Throws<NotSupportedException>(() => subscriber.TryRead(out ReadLease _));
        Assert.Contains("TryRead(Span<byte>, out int)", refused.Message, StringComparison.Ordinal);

        ArgumentException queue = Assert.Throws<ArgumentException>(() => SharedMemoryChannel.CreateNew(TestNames.Unique("ovrq"), new SharedMemoryChannelOptions { SlowSubscribers = SlowSubscriberPolicy.Overrun }));
        Assert.Contains("broadcast channels only", queue.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_short_buffer_is_refused_and_the_message_stays()
    {
        using SharedMemoryChannel channel = NewChannel();
        using SharedMemoryChannelReader subscriber = channel.CreateReader();
        using SharedMemoryChannelWriter writer = channel.CreateWriter();
        Assert.True(writer.TryWrite(new byte[100]));
        Assert.Throws<ArgumentException>(() => subscriber.TryRead(new byte[10], out _));
        Assert.True(subscriber.TryRead(new byte[100], out int length));
        Assert.Equal(100, length);
    }

    // The shared self-checking format (ChannelMessages: sequence, filler, checksum), at least 12 bytes.
    private static byte[] Message(int id, int size)
    {
        var message = new byte[Math.Max(12, size)];
        ChannelMessages.Fill(message, 0, id);
        return message;
    }

    private static int Check(ReadOnlySpan<byte> message)
    {
        Assert.True(ChannelMessages.TryCheck(message, out _, out int id), "a torn message was returned");
        return id;
    }
}

/// <summary>Overrun across processes: producer and subscriber processes, a dead producer, a dead frontier walker.</summary>
[Collection(CrossProcessCollection.Name)]
public sealed class OverrunChannelCrossProcessTests : IDisposable
{
    private readonly string _name = TestNames.Unique("ovr");

    public void Dispose() => SharedMemoryChannel.TryUnlink(_name);

    private SharedMemoryChannel NewChannel(long capacity)
        => SharedMemoryChannel.CreateNew(_name, new SharedMemoryChannelOptions
        {
            Capacity = capacity,
            Delivery = ChannelDelivery.Broadcast,
            SlowSubscribers = SlowSubscriberPolicy.Overrun,
        });

    [Fact]
    public async Task A_producer_process_overruns_an_idle_subscriber_which_then_reads_the_newest_ring_and_knows_what_it_missed()
    {
        using SharedMemoryChannel channel = NewChannel(4096);
        using SharedMemoryChannelReader subscriber = channel.CreateReader();
        const int Count = 20_000;
        await using TestChildProcess producer = await TestChildProcess.StartAsync("channel-produce", _name, "7", Count.ToString(CultureInfo.InvariantCulture));
        Assert.Equal("done", await producer.ReadLineAsync()); // it never waited for us

        var buffer = new byte[64];
        Assert.True(subscriber.TryRead(buffer, out int length, out long lost));
        Assert.True(ChannelMessages.TryCheck(buffer.AsSpan(0, length), out int id, out int first));
        Assert.Equal(7, id);
        Assert.Equal(first, lost);
        int expected = first + 1;
        while (subscriber.TryRead(buffer, out length, out lost))
        {
            Assert.Equal(0, lost);
            Assert.True(ChannelMessages.TryCheck(buffer.AsSpan(0, length), out _, out int sequence));
            Assert.Equal(expected++, sequence);
        }

        Assert.Equal(Count, expected);
        Assert.True(Count - first <= 4096 / 96, $"{Count - first} messages left: more than one ring");
    }

    [Fact]
    public async Task Two_producer_processes_and_two_subscriber_processes_every_message_read_or_reported_lost()
    {
        using SharedMemoryChannel channel = NewChannel(16384);
        const int PerProducer = 200_000;
        string total = (2 * PerProducer).ToString(CultureInfo.InvariantCulture);
        await using TestChildProcess first = await TestChildProcess.StartAsync("channel-subscribe-overrun", _name, total);
        await using TestChildProcess second = await TestChildProcess.StartAsync("channel-subscribe-overrun", _name, total);
        string count = PerProducer.ToString(CultureInfo.InvariantCulture);
        await using TestChildProcess producerA = await TestChildProcess.StartAsync("channel-produce", _name, "0", count);
        await using TestChildProcess producerB = await TestChildProcess.StartAsync("channel-produce", _name, "1", count);
        Assert.Equal("done", await producerA.ReadLineAsync());
        Assert.Equal("done", await producerB.ReadLineAsync());
        foreach (TestChildProcess subscriber in new[] { first, second })
        {
            string line = await subscriber.ReadLineAsync() ?? "(nothing)";
            string[] words = line.Split(' ');
            Assert.True(words.Length == 8 && words[0] == "read", line);
            long read = long.Parse(words[1], CultureInfo.InvariantCulture);
            long lost = long.Parse(words[3], CultureInfo.InvariantCulture);
            Assert.Equal(2L * PerProducer, read + lost);
            Assert.Equal(words[3], words[5]); // what it was told message by message = its running total
            Assert.Equal("0", words[7]);
        }

        SharedMemoryChannelStatus status = channel.Stat();
        Assert.Equal(2L * PerProducer, status.MessagesWritten);
    }

    [Fact]
    public async Task A_producer_killed_mid_record_holds_other_producers_only_until_it_is_found_dead()
    {
        using SharedMemoryChannel channel = NewChannel(4096);
        using SharedMemoryChannelReader subscriber = channel.CreateReader();
        using SharedMemoryChannelWriter writer = channel.CreateWriter();
        await using TestChildProcess hung = await TestChildProcess.StartAsync("channel-reserve-and-hang", _name);
        int written = 0;
        while (writer.TryWrite(BitConverter.GetBytes(written)))
        {
            written++;
        }

        // The ring is full up to the record the hung producer is still writing: producers never overwrite that.
        Assert.True(written > 0 && written < 4096 / 64, $"{written} written");
        hung.Kill();
        await hung.WaitForExitAsync();

        // The subscriber, stalled at that record, finds its producer dead, skips it and reads on, losing nothing.
        var buffer = new byte[200];
        for (int i = 0; i < written; i++)
        {
            Assert.True(subscriber.TryRead(buffer, TimeSpan.FromSeconds(30), out int length), "the dead producer's record wedged the subscriber");
            Assert.Equal(4, length);
            Assert.Equal(i, BitConverter.ToInt32(buffer));
        }

        Assert.Equal(0, subscriber.MessagesLost);
        Assert.True(writer.TryWrite(BitConverter.GetBytes(written), TimeSpan.FromSeconds(30)), "the dead producer's record still held the producers");
        Assert.Equal(1, channel.Stat().Abandoned);
    }

    [SkippableFact]
    public async Task A_C_subscriber_written_from_the_protocol_document_gets_every_message_or_its_loss_count()
    {
        using SharedMemoryChannel channel = NewChannel(4096);
        Task<ProcessRunner.Result> subscriber = CPeers.RunAsync("channel_subscribe", _name);
        Assert.True(SpinWait.SpinUntil(() => channel.Stat().Participants.Count == 1 || subscriber.IsCompleted, TimeSpan.FromSeconds(30)), "the C subscriber never registered");
        Assert.False(subscriber.IsCompleted, subscriber.IsCompleted ? subscriber.Result.ToString() : string.Empty);
        const int Count = 3000; // about 80 rings of 4 KiB: whether and where it is lapped depends on timing
        using (SharedMemoryChannelWriter writer = channel.CreateWriter())
        {
            for (int i = 0; i < Count; i++)
            {
                Assert.True(writer.TryWrite(System.Text.Encoding.ASCII.GetBytes($"m{i} " + new string('x', i % 200))));
            }

            Assert.True(writer.TryWrite("stop"u8));
        }

        ProcessRunner.Result result = await subscriber;
        Assert.True(result.ExitCode == 0, result.ToString());
        long next = 0, received = 0, lost = 0;
        foreach (string line in result.Stdout.TrimEnd('\n').Split('\n'))
        {
            string[] words = line.Split(' ');
            long skipped = long.Parse(words[^1], CultureInfo.InvariantCulture);
            long id = words[0] == "stop" ? Count : long.Parse(words[0][1..], CultureInfo.InvariantCulture);
            Assert.Equal(next + skipped, id); // every gap is exactly what it was told
            if (id < Count)
            {
                Assert.Equal(new string('x', (int)(id % 200)), words[1]); // and nothing torn
            }

            received++;
            lost += skipped;
            next = id + 1;
        }

        Assert.Equal(Count + 1, next);
        Assert.Equal(Count + 1, received + lost);
    }

    [Fact]
    public async Task Random_kills_of_producers_never_wedge_or_tear_and_every_committed_message_is_read_or_counted()
    {
        int seed = Environment.TickCount;
        var random = new Random(seed);
        using SharedMemoryChannel channel = NewChannel(8192);
        DirectoryInfo logs = Directory.CreateTempSubdirectory($"{TestNames.Prefix}{Environment.ProcessId}_ovrchaos_");
        var producers = new List<TestChildProcess>();
        var dead = new List<TestChildProcess>();
        using var reader = channel.CreateReader();
        long read = 0, lost = 0, violations = 0;
        var seen = new HashSet<(int Producer, int Sequence)>();
        using var stop = new CancellationTokenSource();
        Task subscriber = Task.Run(() =>
        {
            var last = new Dictionary<int, int>();
            var buffer = new byte[64];
            while (true)
            {
                int length = reader.Read(buffer, stop.Token);
                long total = reader.MessagesLost;
                if (!ChannelMessages.TryCheck(buffer.AsSpan(0, length), out int producer, out int sequence) || sequence <= last.GetValueOrDefault(producer, -1))
                {
                    Interlocked.Increment(ref violations);
                    continue;
                }

                last[producer] = sequence;
                lock (seen)
                {
                    seen.Add((producer, sequence));
                }

                Interlocked.Exchange(ref lost, total);
                Interlocked.Increment(ref read);
                if (producer == -1)
                {
                    return;
                }
            }
        });
        int nextId = 0;
        int kills = 0;
        try
        {
            for (int i = 0; i < 2; i++)
            {
                producers.Add(await StartProducerAsync(nextId++));
            }

            for (int round = 0; round < 20; round++)
            {
                // Wait (for an event, not a time) until the subscriber has moved on, then kill a producer
                // wherever it is: mid-reservation, walking the frontier, between two messages.
                long target = Interlocked.Read(ref read) + 2000;
                Assert.True(SpinWait.SpinUntil(() => Interlocked.Read(ref read) >= target || subscriber.IsCompleted, TimeSpan.FromSeconds(60)), $"no progress for 60 s in round {round} (seed {seed})");
                TestChildProcess victim = producers[random.Next(producers.Count)];
                victim.Kill();
                await victim.WaitForExitAsync();
                kills++;
                producers.Remove(victim);
                dead.Add(victim);
                producers.Add(await StartProducerAsync(nextId++));
            }

            foreach (TestChildProcess producer in producers)
            {
                producer.Kill();
                await producer.WaitForExitAsync();
                kills++;
            }

            using (SharedMemoryChannelWriter last = channel.CreateWriter())
            {
                var message = new byte[64];
                ChannelMessages.Fill(message, -1, 0);
                Assert.True(last.TryWrite(message, TimeSpan.FromSeconds(30)), $"a dead producer's record wedged the channel (seed {seed})");
            }

            await subscriber.WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(0, Interlocked.Read(ref violations));

            // Each producer logged a message once Write returned, so the log misses at most the one it was
            // committing when it was killed: every logged message was read or counted lost, and no more than
            // one per kill besides.
            var logged = Directory.GetFiles(logs.FullName).SelectMany(File.ReadLines).Select(line => line.Split(' ')).Select(w => (int.Parse(w[0], CultureInfo.InvariantCulture), int.Parse(w[1], CultureInfo.InvariantCulture))).ToHashSet();
            long everything = read - 1 + lost; // less the final marker
            Assert.True(everything >= logged.Count && everything <= logged.Count + kills, $"read {read - 1} + lost {lost} = {everything}; logged {logged.Count}, kills {kills} (seed {seed})");
            Assert.True(seen.Count(m => m.Producer >= 0 && !logged.Contains(m)) <= kills, $"messages read that no producer committed (seed {seed})");
        }
        finally
        {
            await stop.CancelAsync();
            foreach (TestChildProcess child in producers.Concat(dead))
            {
                await child.DisposeAsync();
            }

            logs.Delete(recursive: true);
        }

        Task<TestChildProcess> StartProducerAsync(int id) =>
            TestChildProcess.StartAsync("channel-produce", _name, id.ToString(CultureInfo.InvariantCulture), int.MaxValue.ToString(CultureInfo.InvariantCulture), Path.Combine(logs.FullName, $"{id}.produced"));
    }

    [Fact]
    public async Task A_subscriber_asleep_at_a_dead_producers_record_skips_it_although_the_frontier_is_further_back()
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.CreateNew(_name, new SharedMemoryChannelOptions
        {
            Capacity = 65536,
            Delivery = ChannelDelivery.Broadcast,
            SlowSubscribers = SlowSubscriberPolicy.Overrun,
            WaitStrategy = ChannelWaitStrategy.Sleep,
        });
        using SharedMemoryChannelReader subscriber = channel.CreateReader();
        using SharedMemoryChannelWriter writer = channel.CreateWriter();
        var buffer = new byte[200];
        for (int i = 0; i < 10; i++)
        {
            Assert.True(writer.TryWrite(BitConverter.GetBytes(i)));
            Assert.True(subscriber.TryRead(buffer, out _));
        }

        // The frontier is still at 0 (producers move it only when they need room); the subscriber is at the
        // 11th record, which a producer reserves and never commits; one more message follows it.
        await using TestChildProcess hung = await TestChildProcess.StartAsync("channel-reserve-and-hang", _name);
        Assert.True(writer.TryWrite("after"u8));
        Assert.Equal(0, channel.Stat().Positions.Release);
        Task<int> reading = Task.Run(() => subscriber.Read(buffer));
        Assert.True(SpinWait.SpinUntil(() => channel.Stat().Waits > 0, TimeSpan.FromSeconds(30)), "the subscriber never slept");
        hung.Kill();
        await hung.WaitForExitAsync();
        int length = await reading.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("after"u8.ToArray(), buffer[..length]);
        Assert.Equal(1, channel.Stat().Abandoned);
    }

    [Fact]
    public async Task A_frontier_walker_killed_mid_walk_is_taken_over()
    {
        using SharedMemoryChannel channel = NewChannel(4096);
        await using TestChildProcess walker = await TestChildProcess.StartAsync("channel-hold-walker", _name);
        walker.Kill();
        await walker.WaitForExitAsync();
        using SharedMemoryChannelWriter writer = channel.CreateWriter();
        for (int i = 0; i < 1000; i++)
        {
            Assert.True(writer.TryWrite(new byte[100], TimeSpan.FromSeconds(30)), $"message {i}: the dead walker's mark still blocks the frontier");
        }

        Assert.True(channel.Stat().Positions.Release > 4096, "the frontier never moved");
    }
}

using System.Text;

namespace UnixIpc.Tests;

/// <summary>The channel in one process: round trips, limits, wrap-around, leases, full and empty, threads.</summary>
public sealed class SharedMemoryChannelTests : IDisposable
{
    private readonly string _name = TestNames.Unique("chan");

    public void Dispose() => PosixSharedMemory.TryUnlink(_name); // one test leaves a plain object under the name

    private SharedMemoryChannel NewChannel(long capacity = 65536) => SharedMemoryChannel.CreateNew(_name, new SharedMemoryChannelOptions { Capacity = capacity });

    [Fact]
    public async Task Stat_never_counts_the_messages_of_a_writer_that_leaves_meanwhile_twice()
    {
        // Writers come and go (each leaving folds its counters into the channel's totals) while Stat is called in a loop.
        // Both loops run on threads of their own, not the thread pool's, which other tests' counts look at.
        using SharedMemoryChannel channel = NewChannel(1 << 23); // room for every message: nobody reads them
        const int Writers = 10_000, Each = 10;
        long written = 0;
        string? overcount = null;
        var writing = new Thread(() =>
        {
            for (int w = 0; w < Writers; w++)
            {
                using SharedMemoryChannelWriter writer = channel.CreateWriter();
                for (int i = 0; i < Each; i++)
                {
                    if (!writer.TryWrite([]))
                    {
                        throw new InvalidOperationException("the ring was full");
                    }

                    Interlocked.Increment(ref written);
                }
            }
        });
        var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var statting = new Thread(() =>
        {
            writing.Start(); // from here, so the writers come and go while Stat is being called
            while (writing.IsAlive && overcount is null)
            {
                long stat = channel.Stat().MessagesWritten;
                long after = Volatile.Read(ref written);
                if (stat > after + 1)
                {
                    overcount = $"Stat counted {stat} messages written when {after} were (a leaving writer's counted twice)";
                }
            }

            writing.Join();
            finished.SetResult();
        });
        statting.Start();
        await finished.Task.WaitAsync(TimeSpan.FromMinutes(5));
        Assert.Null(overcount);
        Assert.Equal(Writers * Each, channel.Stat().MessagesWritten);
    }

    [Fact]
    public void Messages_of_every_size_come_back_exactly_in_order()
    {
        using SharedMemoryChannel channel = NewChannel(4096);
        using SharedMemoryChannelWriter writer = channel.CreateWriter();
        using SharedMemoryChannelReader reader = channel.CreateReader();
        Assert.Equal(2048 - 32, channel.MaxMessageSize);
        var buffer = new byte[channel.MaxMessageSize];
        foreach (int size in new[] { 0, 1, 7, 8, 31, 32, 33, 63, 64, 100, 1000, channel.MaxMessageSize })
        {
            byte[] message = Enumerable.Range(0, size).Select(i => (byte)(i * 7 + size)).ToArray();
            Assert.True(writer.TryWrite(message), $"size {size}");
            Assert.True(reader.TryRead(buffer, out int length));
            Assert.Equal(message, buffer[..length]);
        }

        Assert.False(reader.TryRead(buffer, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.TryWrite(new byte[channel.MaxMessageSize + 1]));
    }

    [Fact]
    public void Every_small_size_fills_the_ring_and_comes_back_exactly_with_nothing_written_past_it()
    {
        // Sizes up to 130 take every branch of the copy (0, 1-3, 4-7, 8-16, 17-32, 33-64, longer), each at every
        // alignment the ring gives it; a full ring puts records next to ones not yet read.
        using SharedMemoryChannel channel = NewChannel(4096);
        using SharedMemoryChannelWriter writer = channel.CreateWriter();
        using SharedMemoryChannelReader reader = channel.CreateReader();
        var buffer = new byte[256];
        for (int size = 0; size <= 130; size++)
        {
            int written = 0;
            while (writer.TryWrite(Message(size, written)))
            {
                written++;
            }

            for (int i = 0; i < written; i++)
            {
                Array.Fill(buffer, (byte)0xEE);
                Assert.True(reader.TryRead(buffer, out int length), $"size {size}, message {i}");
                Assert.Equal(Message(size, i), buffer[..length]);
                Assert.True(buffer.AsSpan(length).IndexOfAnyExcept((byte)0xEE) < 0, $"size {size}: the read wrote past the message");
            }

            Assert.False(reader.TryRead(buffer, out _));
        }

        static byte[] Message(int size, int index) => Enumerable.Range(0, size).Select(i => (byte)(i + index + 1)).ToArray();
    }

    [Fact]
    public void Bad_capacities_and_names_are_rejected_clearly()
    {
        var options = new SharedMemoryChannelOptions();
        ArgumentOutOfRangeException e = Assert.Throws<ArgumentOutOfRangeException>(() => options.Capacity = 100_000);
        Assert.Contains("power of two", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.Capacity = 2048);
        Assert.Throws<ArgumentException>(() => SharedMemoryChannel.CreateNew("a/b"));
        Assert.Equal(Errno.ENOENT, Assert.Throws<UnixIpcException>(() => SharedMemoryChannel.OpenExisting(_name)).Error);
    }

    [Fact]
    public void A_shared_memory_object_that_is_not_a_channel_is_refused()
    {
        using var shm = PosixSharedMemory.CreateNew(_name, 65536);
        using (MappedRegion region = shm.Map())
        {
            region.AtomicWriteInt32(40, 1); // "ready", but no magic
        }

        Assert.Throws<InvalidDataException>(() => SharedMemoryChannel.OpenExisting(_name));
    }

    [Fact]
    public void Wrap_around_keeps_every_message_intact_across_thousands_of_laps()
    {
        using SharedMemoryChannel channel = NewChannel(4096);
        using SharedMemoryChannelWriter writer = channel.CreateWriter();
        using SharedMemoryChannelReader reader = channel.CreateReader();
        var random = new Random(42);
        var pending = new Queue<byte[]>();
        var buffer = new byte[channel.MaxMessageSize];
        long written = 0;
        for (int round = 0; round < 20_000; round++)
        {
            if (random.Next(3) != 0)
            {
                byte[] message = new byte[random.Next(0, 700)];
                random.NextBytes(message);
                if (writer.TryWrite(message))
                {
                    pending.Enqueue(message);
                    written++;
                }
                else
                {
                    Assert.NotEmpty(pending); // only a ring holding unread messages can be full
                }
            }
            else if (reader.TryRead(buffer, out int length))
            {
                Assert.Equal(pending.Dequeue(), buffer[..length]);
            }
            else
            {
                Assert.Empty(pending);
            }
        }

        while (reader.TryRead(buffer, out int length))
        {
            Assert.Equal(pending.Dequeue(), buffer[..length]);
        }

        Assert.Empty(pending);
        SharedMemoryChannelStatus status = channel.Stat();
        Assert.True(status.Positions.Tail > 10 * channel.Capacity, "the test should wrap many times");
        Assert.Equal(0, status.UsedBytes);
        Assert.Equal(written, status.MessagesWritten);
        Assert.Equal(written, status.MessagesRead);
    }

    [Fact]
    public void Zero_copy_leases_write_and_read_in_place_and_hold_their_space_until_released()
    {
        using SharedMemoryChannel channel = NewChannel(4096);
        using SharedMemoryChannelWriter writer = channel.CreateWriter();
        using SharedMemoryChannelReader reader = channel.CreateReader();
        Assert.True(writer.TryReserve(5, out WriteLease lease));
        Assert.Equal(5, lease.Length);
        "lease"u8.CopyTo(lease.Span);
        Assert.False(reader.TryRead(out _)); // not committed yet
        lease.Commit();

        Assert.True(reader.TryRead(out ReadLease read));
        Assert.Equal("lease"u8.ToArray(), read.Span.ToArray());
        long used = channel.Stat().UsedBytes;
        Assert.Equal(64, used);
        read.Release();
        Assert.Equal(0, channel.Stat().UsedBytes);
        Assert.Throws<InvalidOperationException>(() => default(WriteLease).Commit());
        Assert.Throws<InvalidOperationException>(() => default(ReadLease).Release());
    }

    [Fact]
    public void The_release_position_passes_released_records_in_one_walk_and_stops_at_the_first_still_held()
    {
        using SharedMemoryChannel channel = NewChannel(4096);
        using SharedMemoryChannelWriter writer = channel.CreateWriter();
        using SharedMemoryChannelReader first = channel.CreateReader();
        using SharedMemoryChannelReader second = channel.CreateReader();
        using SharedMemoryChannelReader third = channel.CreateReader();
        for (int i = 0; i < 3; i++)
        {
            Assert.True(writer.TryWrite("12345"u8)); // 64-byte records
        }

        Assert.True(first.TryRead(out ReadLease a));
        Assert.True(second.TryRead(out ReadLease b));
        Assert.True(third.TryRead(out ReadLease c));
        a.Release();
        c.Release();
        Assert.Equal(128, channel.Stat().UsedBytes); // the first is given back; the walk stops at the second, still held, with the third released behind it
        b.Release();
        Assert.Equal(0, channel.Stat().UsedBytes);
    }

    [Fact]
    public unsafe void A_released_record_with_a_forged_length_stops_the_release_walk_instead_of_moving_it_backwards()
    {
        using SharedMemoryChannel channel = NewChannel(4096);
        using SharedMemoryChannelWriter writer = channel.CreateWriter();
        using SharedMemoryChannelReader reader = channel.CreateReader();
        var buffer = new byte[16];
        for (int i = 0; i < 3; i++)
        {
            Assert.True(writer.TryWrite("12345"u8)); // 64-byte records at 0, 64 and 128
            Assert.True(reader.TryRead(buffer, out _)); // read and released; the release position is advanced lazily
        }

        *(int*)(channel.Record(64) + ChannelLayout.RecordLengthOffset) = -64; // the object is world-writable: anyone may write this
        SharedMemoryChannelStatus status = channel.Stat();
        Assert.Equal(64, status.Positions.Release); // past the intact first record, stopped at the forged one
        Assert.Equal(128, status.UsedBytes);
    }

    [Fact]
    public void A_full_ring_refuses_then_times_out_then_accepts_once_read()
    {
        using SharedMemoryChannel channel = NewChannel(4096);
        using SharedMemoryChannelWriter writer = channel.CreateWriter();
        using SharedMemoryChannelReader reader = channel.CreateReader();
        int written = 0;
        while (writer.TryWrite(new byte[100]))
        {
            written++;
        }

        Assert.Equal(4096 / 160, written); // 32-byte header + 100 bytes, rounded to 32: 160 bytes each
        Assert.False(writer.TryWrite(new byte[100], TimeSpan.FromMilliseconds(50)));
        Assert.True(reader.TryRead(new byte[100], out _));
        Assert.True(writer.TryWrite(new byte[100], TimeSpan.FromMilliseconds(50)));
    }

    [Fact]
    public void A_too_small_buffer_is_refused_and_the_message_stays()
    {
        using SharedMemoryChannel channel = NewChannel();
        using SharedMemoryChannelWriter writer = channel.CreateWriter();
        using SharedMemoryChannelReader reader = channel.CreateReader();
        writer.TryWrite(new byte[50]);
        ArgumentException e = Assert.Throws<ArgumentException>(() => reader.TryRead(new byte[10], out _));
        Assert.Contains("50 bytes", e.Message, StringComparison.Ordinal);
        Assert.True(reader.TryRead(new byte[50], out int length));
        Assert.Equal(50, length);
    }

    [Theory]
    [InlineData(ChannelWaitStrategy.SpinThenSleep)]
    [InlineData(ChannelWaitStrategy.Sleep)]
    [InlineData(ChannelWaitStrategy.BusySpin)]
    public async Task Blocked_readers_and_writers_wake_with_every_wait_strategy(ChannelWaitStrategy strategy)
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.CreateNew(_name, new SharedMemoryChannelOptions { Capacity = 4096, WaitStrategy = strategy });
        using SharedMemoryChannelWriter writer = channel.CreateWriter();
        using SharedMemoryChannelReader reader = channel.CreateReader();
        // A strategy that sleeps is seen asleep (the participant's wait count) before the wake-up is sent, so the
        // wake-up path runs every time; a busy-spinning waiter never sleeps, and is only seen not to have returned.
        bool sleeps = strategy != ChannelWaitStrategy.BusySpin;
        long waits = channel.Stat().Waits;
        Task<int> reading = Task.Run(() => reader.Read(new byte[64]));
        Assert.True(SpinWait.SpinUntil(() => sleeps ? channel.Stat().Waits > waits : !reading.IsCompleted, TimeSpan.FromSeconds(30)), "the reader never slept");
        writer.Write("wake"u8);
        Assert.Equal(4, await reading.WaitAsync(TimeSpan.FromSeconds(30)));

        while (writer.TryWrite(new byte[1000]))
        {
        }

        waits = channel.Stat().Waits;
        Task writing = Task.Run(() => writer.Write(new byte[1000]));
        Assert.True(SpinWait.SpinUntil(() => sleeps ? channel.Stat().Waits > waits : !writing.IsCompleted, TimeSpan.FromSeconds(30)), "the writer never slept");
        Assert.True(reader.TryRead(new byte[1000], out _));
        await writing.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Async_reads_and_writes_and_cancellation_take_nothing()
    {
        using SharedMemoryChannel channel = NewChannel(4096);
        using SharedMemoryChannelWriter writer = channel.CreateWriter();
        using SharedMemoryChannelReader reader = channel.CreateReader();
        using var cancel = new CancellationTokenSource();
        Task<int> cancelled = reader.ReadAsync(new byte[64], cancel.Token).AsTask();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(TimeSpan.FromSeconds(30)));

        Task<int> pending = reader.ReadAsync(new byte[64]).AsTask();
        await writer.WriteAsync(Encoding.UTF8.GetBytes("async"));
        Assert.Equal(5, await pending.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, channel.Stat().UsedBytes);

        using var stop = new CancellationTokenSource();
        var seen = new List<string>();
        await writer.WriteAsync("a"u8.ToArray());
        await writer.WriteAsync("b"u8.ToArray());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (ReadOnlyMemory<byte> message in reader.ReadAllAsync(stop.Token))
            {
                seen.Add(Encoding.UTF8.GetString(message.Span));
                if (seen.Count == 2)
                {
                    await stop.CancelAsync();
                }
            }
        });
        Assert.Equal(new[] { "a", "b" }, seen);
    }

    [Fact]
    public async Task Four_producer_threads_and_two_consumer_threads_lose_duplicate_and_reorder_nothing()
    {
        using SharedMemoryChannel channel = NewChannel(16384);
        const int Producers = 4;
        const int PerProducer = 50_000;
        var received = new System.Collections.Concurrent.ConcurrentBag<(int Producer, int Sequence)>();
        int stopped = 0;
        Task[] consumers = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            using SharedMemoryChannelReader reader = channel.CreateReader();
            var last = new int[Producers];
            Array.Fill(last, -1);
            var buffer = new byte[64];
            while (true)
            {
                int length = reader.Read(buffer);
                Assert.True(ChannelMessages.TryCheck(buffer.AsSpan(0, length), out int producer, out int sequence), "checksum");
                if (producer == -1)
                {
                    Interlocked.Increment(ref stopped);
                    return;
                }

                Assert.True(sequence > last[producer], $"producer {producer}: {sequence} after {last[producer]}");
                last[producer] = sequence;
                received.Add((producer, sequence));
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
        using (SharedMemoryChannelWriter stopper = channel.CreateWriter())
        {
            var stop = new byte[64];
            ChannelMessages.Fill(stop, -1, 0);
            stopper.Write(stop);
            stopper.Write(stop);
        }

        await Task.WhenAll(consumers).WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(Producers * PerProducer, received.Count);
        Assert.Equal(Producers * PerProducer, received.Distinct().Count());
    }

    [Fact]
    public void Stat_lists_participants_with_liveness_and_counters()
    {
        using SharedMemoryChannel channel = NewChannel();
        using SharedMemoryChannelWriter writer = channel.CreateWriter();
        using SharedMemoryChannelReader reader = channel.CreateReader();
        writer.TryWrite(new byte[10]);
        reader.TryRead(new byte[10], out _);
        SharedMemoryChannelStatus status = channel.Stat();
        Assert.Equal(_name, status.Name);
        Assert.Equal(2, status.Participants.Count);
        ChannelParticipant producer = Assert.Single(status.Participants, p => p.Role == "producer");
        Assert.Equal(Environment.ProcessId, producer.ProcessId);
        Assert.True(producer.IsAlive);
        Assert.Equal(1, producer.Messages);
        Assert.Equal(10, producer.Bytes);
        Assert.Equal(1, status.MessagesRead);
        writer.Dispose();
        Assert.Single(channel.Stat().Participants);
        Assert.Throws<ObjectDisposedException>(() => writer.TryWrite(new byte[1]));
    }

    [Fact]
    public void Counters_survive_participants_leaving_and_are_published_as_metrics()
    {
        using SharedMemoryChannel channel = NewChannel();
        using (SharedMemoryChannelWriter writer = channel.CreateWriter())
        using (SharedMemoryChannelReader reader = channel.CreateReader())
        {
            writer.TryWrite(new byte[7]);
            writer.TryWrite(new byte[3]);
            reader.TryRead(new byte[7], out _);
        }

        SharedMemoryChannelStatus status = channel.Stat();
        Assert.Empty(status.Participants);
        Assert.Equal(2, status.MessagesWritten);
        Assert.Equal(10, status.BytesWritten);
        Assert.Equal(1, status.MessagesRead);
        Assert.Equal(7, status.BytesRead);

        var seen = new Dictionary<string, long>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "UnixIpc.SharedMemoryChannel")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                if (tag.Key == "channel" && (string?)tag.Value == _name)
                {
                    seen[instrument.Name] = value;
                }
            }
        });
        listener.Start();
        listener.RecordObservableInstruments();
        Assert.Equal(2, seen["unixipc.channel.messages.written"]);
        Assert.Equal(1, seen["unixipc.channel.messages.read"]);
        Assert.Equal(status.UsedBytes, seen["unixipc.channel.used"]);
    }

    [Fact]
    public async Task Disposing_the_channel_under_a_waiting_reader_ends_the_wait_with_ObjectDisposedException()
    {
        SharedMemoryChannel channel = SharedMemoryChannel.CreateNew(_name, new SharedMemoryChannelOptions { Capacity = 4096, WaitStrategy = ChannelWaitStrategy.Sleep });
        SharedMemoryChannelReader reader = channel.CreateReader();
        Task<int> waiting = Task.Run(() => reader.Read(new byte[64]));
        Assert.True(SpinWait.SpinUntil(() => channel.Stat().Waits > 0, TimeSpan.FromSeconds(30)), "the reader never slept"); // asleep on the futex, in 20 ms slices
        channel.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Throws<ObjectDisposedException>(() => reader.TryRead(new byte[64], out _));
        reader.Dispose(); // its slot is still mapped: the reader kept the mapping alive
    }

    [Fact]
    public async Task Stat_racing_Dispose_on_another_thread_gets_a_status_or_ObjectDisposedException()
    {
        // What a metrics listener does: it calls Stat on every open channel of the process, whenever it likes.
        for (int round = 0; round < 200; round++)
        {
            SharedMemoryChannel channel = SharedMemoryChannel.CreateNew(_name, new SharedMemoryChannelOptions { Capacity = 4096, UnlinkOnDispose = true });
            using var started = new ManualResetEventSlim();
            Task observer = Task.Run(() =>
            {
                started.Set();
                for (int i = 0; i < 1000; i++)
                {
                    try
                    {
                        Assert.Equal(4096, channel.Stat().Capacity);
                    }
                    catch (ObjectDisposedException)
                    {
                        return;
                    }
                }
            });
            started.Wait(TimeSpan.FromSeconds(30));
            channel.Dispose();
            await observer.WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    [Fact]
    public void The_Try_and_lease_paths_allocate_nothing_per_message()
    {
        using SharedMemoryChannel channel = NewChannel();
        using SharedMemoryChannelWriter writer = channel.CreateWriter();
        using SharedMemoryChannelReader reader = channel.CreateReader();
        var message = new byte[64];
        var buffer = new byte[64];
        for (int i = 0; i < 1000; i++)
        {
            writer.TryWrite(message);
            reader.TryRead(buffer, out _);
        }

        const int Messages = 20_000;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Messages / 2; i++)
        {
            Assert.True(writer.TryWrite(message));
            Assert.True(reader.TryRead(buffer, out _));
            Assert.True(writer.TryReserve(32, out WriteLease lease));
            lease.Span[0] = 1;
            lease.Commit();
            Assert.True(reader.TryRead(out ReadLease read));
            read.Release();
        }

        // Less than a byte per message: a single object per message would be 24 bytes or more each time. A
        // one-off allocation by the runtime on this thread (a method compiled on the fly under load) is not
        // the code's, and once made the suite fail here.
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < Messages, $"{allocated} bytes allocated over {Messages} messages");
    }

    [Fact]
    public async Task Channel_adapters_carry_messages_through_System_Threading_Channels()
    {
        using SharedMemoryChannel channel = NewChannel(4096);
        using SharedMemoryChannelWriter writer = channel.CreateWriter();
        using SharedMemoryChannelReader reader = channel.CreateReader();
        System.Threading.Channels.ChannelWriter<ReadOnlyMemory<byte>> output = writer.AsChannelWriter();
        System.Threading.Channels.ChannelReader<ReadOnlyMemory<byte>> input = reader.AsChannelReader();
        Task<ReadOnlyMemory<byte>> pending = input.ReadAsync().AsTask();
        await output.WriteAsync("one"u8.ToArray());
        Assert.Equal("one"u8.ToArray(), (await pending.WaitAsync(TimeSpan.FromSeconds(30))).ToArray());

        while (output.TryWrite(new byte[500]))
        {
        }

        ValueTask<bool> room = output.WaitToWriteAsync();
        Assert.True(input.TryRead(out _));
        Assert.True(await room.AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void Async_writes_and_reads_that_complete_at_once_allocate_nothing()
    {
        using SharedMemoryChannel channel = NewChannel();
        using SharedMemoryChannelWriter writer = channel.CreateWriter();
        using SharedMemoryChannelReader reader = channel.CreateReader();
        ReadOnlyMemory<byte> message = new byte[64];
        Memory<byte> buffer = new byte[64];
        const int Calls = 1000;
        long allocated = Allocations.Over(Calls, () =>
        {
            ValueTask<bool> room = writer.WaitToWriteAsync();
            ValueTask written = writer.WriteAsync(message);
            ValueTask<bool> data = reader.WaitToReadAsync();
            ValueTask<int> read = reader.ReadAsync(buffer);
            if (!room.IsCompletedSuccessfully || !written.IsCompletedSuccessfully || !data.IsCompletedSuccessfully || !read.IsCompletedSuccessfully || read.Result != 64)
            {
                throw new InvalidOperationException("an async call had to wait on an uncontended channel");
            }
        });

        // Less than a byte per call: a closure or task made on each call would be 24 bytes or more.
        Assert.True(allocated < Calls, $"{allocated} bytes allocated over {Calls} calls");
    }
}

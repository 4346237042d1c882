using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace UnixIpc.Cli;

/// <summary>
/// What each tour process does, with the library's public API only. Each step prints one line per action:
/// <c>MICROSECONDS TEXT</c>, the time the action took and what it did; the tour prefixes role, pid and time.
/// </summary>
internal static class TourSteps
{
    public const string PosixText = "Hello, World!";
    public const int SystemVCount = 5;
    public const int PosixSize = 4096;

    public static int Run(string role, string[] args, TextWriter output)
    {
        switch (role)
        {
            case "pshm-producer":
                PosixProducer(args[0], output);
                return 0;
            case "pshm-consumer":
                PosixConsumer(args[0], output);
                return 0;
            case "svshm-producer":
                SystemVProducer(args[0], int.Parse(args[1], CultureInfo.InvariantCulture), output);
                return 0;
            case "svshm-consumer":
                SystemVConsumer(args[0], int.Parse(args[1], CultureInfo.InvariantCulture), output);
                return 0;
            case "mq-producer":
                PosixQueueProducer(args[0], output);
                return 0;
            case "mq-consumer":
                PosixQueueConsumer(args[0], output);
                return 0;
            case "msg-producer":
                SystemVQueueProducer(args[0], int.Parse(args[1], CultureInfo.InvariantCulture), output);
                return 0;
            case "msg-consumer":
                SystemVQueueConsumer(args[0], int.Parse(args[1], CultureInfo.InvariantCulture), output);
                return 0;
            case "writer":
                Writer(args[0], args[1], args.Length > 2 ? args[2] : null, output);
                return 0;
            case "pingpong":
                PingPong(args[0], args[1], args[2], args[3], int.Parse(args[4], CultureInfo.InvariantCulture), output);
                return 0;
            case "channel-producer":
                ChannelProducer(args[0], int.Parse(args[1], CultureInfo.InvariantCulture), int.Parse(args[2], CultureInfo.InvariantCulture), output);
                return 0;
            case "channel-consumer":
                ChannelConsumer(args[0], output);
                return 0;
            case "channel-lagging-subscriber":
                ChannelLaggingSubscriber(args[0], int.Parse(args[1], CultureInfo.InvariantCulture), output);
                return 0;
            default:
                throw new UsageException($"unknown tour step '{role}'.");
        }
    }

    private static void PosixProducer(string name, TextWriter output)
    {
        var clock = Stopwatch.StartNew();
        using PosixSharedMemory shm = PosixSharedMemory.CreateNew(name, PosixSize);
        Say(output, clock, $"shm_open(\"{shm.Name}\", O_CREAT|O_EXCL|O_RDWR) and sized it to {PosixSize} bytes");

        using MappedRegion region = shm.Map();
        byte[] text = System.Text.Encoding.UTF8.GetBytes(PosixText + "\0");
        region.Write(0, text);
        Say(output, clock, $"mapped it and wrote \"{PosixText}\" ({text.Length} bytes with the NUL)");
    }

    private static void PosixConsumer(string name, TextWriter output)
    {
        var clock = Stopwatch.StartNew();
        using (PosixSharedMemory shm = PosixSharedMemory.OpenExisting(name, readOnly: true))
        {
            using MappedRegion region = shm.Map();
            Say(output, clock, $"shm_open(\"{shm.Name}\", O_RDONLY), mapped {region.Length} bytes read-only");

            using MappedRegionAccess view = region.Acquire();
            ReadOnlySpan<byte> bytes = view.ReadOnlySpan;
            int end = bytes.IndexOf((byte)0);
            string text = System.Text.Encoding.UTF8.GetString(end < 0 ? bytes : bytes[..end]);
            Say(output, clock, $"read \"{text}\"");
        }

        PosixSharedMemory.Unlink(name);
        Say(output, clock, $"shm_unlink(\"{name}\"): the object is gone");
    }

    private static void SystemVProducer(string path, int project, TextWriter output)
    {
        var clock = Stopwatch.StartNew();
        IpcKey key = IpcKey.FromPath(path, project);
        SystemVSharedMemory segment = SystemVSharedMemory.CreateNew(key, SystemVCount * sizeof(int));
        Say(output, clock, $"ftok(\"{path}\", {project}) = {key}; shmget(IPC_CREAT|IPC_EXCL, {SystemVCount * sizeof(int)} bytes) = id {segment.Id}");

        using MappedRegion region = segment.Attach();
        for (int i = 0; i < SystemVCount; i++)
        {
            region.Write(i * sizeof(int), i + 1);
        }

        Say(output, clock, $"attached and wrote {string.Join(' ', Enumerable.Range(1, SystemVCount))}");
    }

    private static void SystemVConsumer(string path, int project, TextWriter output)
    {
        var clock = Stopwatch.StartNew();
        IpcKey key = IpcKey.FromPath(path, project);
        SystemVSharedMemory segment = SystemVSharedMemory.OpenExisting(key);
        int[] values = new int[SystemVCount];
        using (MappedRegion region = segment.Attach(readOnly: true))
        {
            Say(output, clock, $"ftok gives {key} again; shmget found id {segment.Id}, attached read-only ({region.Stat(segment)})");
            using MappedRegionAccess view = region.Acquire();
            MemoryMarshal.Cast<byte, int>(view.ReadOnlySlice(0, SystemVCount * sizeof(int))).CopyTo(values);
        }

        Say(output, clock, $"read {string.Join(' ', values)} and detached");
        segment.Remove();
        Say(output, clock, $"shmctl({segment.Id}, IPC_RMID): the segment is gone");
    }

    /// <summary>Messages the queue producer sends, deliberately out of priority order.</summary>
    public static readonly (string Text, int Priority)[] QueueMessages =
    [
        ("routine report", 1), ("fire alarm", 9), ("lunch order", 1), ("server down", 7), ("weekly newsletter", 0),
    ];

    /// <summary>Messages the System V producer sends: types 4, 3, 2, 1 in that order.</summary>
    public static readonly (long Type, string Text)[] TypedMessages = [(4, "four"), (3, "three"), (2, "two"), (1, "one")];

    private static void PosixQueueProducer(string name, TextWriter output)
    {
        var clock = Stopwatch.StartNew();
        using var queue = PosixMessageQueue.CreateNew(name, new PosixMessageQueueOptions { MaxMessages = 8, MaxMessageSize = 64 });
        Say(output, clock, $"mq_open(\"{queue.Name}\", O_CREAT|O_EXCL) with room for {queue.MaxMessages} messages of {queue.MaxMessageSize} bytes");
        foreach ((string text, int priority) in QueueMessages)
        {
            queue.Send(System.Text.Encoding.UTF8.GetBytes(text), priority);
        }

        Say(output, clock, "sent, in this order: " + string.Join(", ", QueueMessages.Select(m => $"\"{m.Text}\" (priority {m.Priority})")));
    }

    private static void PosixQueueConsumer(string name, TextWriter output)
    {
        var clock = Stopwatch.StartNew();
        using (var queue = PosixMessageQueue.OpenExisting(name, MessageQueueAccess.Receive))
        {
            var buffer = new byte[queue.MaxMessageSize];
            var received = new List<(string Text, int Priority)>();
            while (queue.TryReceive(buffer, out PosixMessageInfo info))
            {
                received.Add((System.Text.Encoding.UTF8.GetString(buffer, 0, info.Length), info.Priority));
            }

            Say(output, clock, "received, highest priority first: " + string.Join(", ", received.Select(m => $"\"{m.Text}\" ({m.Priority})")));

            // Highest priority first, send order within a priority: a stable sort of what was sent.
            if (!received.SequenceEqual(QueueMessages.OrderByDescending(m => m.Priority)))
            {
                throw new InvalidOperationException("the messages did not arrive in priority order");
            }
        }

        PosixMessageQueue.Unlink(name);
        Say(output, clock, $"mq_unlink(\"{name}\"): the queue is gone");
    }

    private static void SystemVQueueProducer(string path, int project, TextWriter output)
    {
        var clock = Stopwatch.StartNew();
        IpcKey key = IpcKey.FromPath(path, project);
        SystemVMessageQueue queue = SystemVMessageQueue.CreateNew(key);
        Say(output, clock, $"ftok(\"{path}\", {project}) = {key}; msgget(IPC_CREAT|IPC_EXCL) = id {queue.Id}");
        foreach ((long type, string text) in TypedMessages)
        {
            queue.Send(type, System.Text.Encoding.UTF8.GetBytes(text));
        }

        Say(output, clock, "sent types " + string.Join(", ", TypedMessages.Select(m => $"{m.Type} \"{m.Text}\"")));
    }

    private static void SystemVQueueConsumer(string path, int project, TextWriter output)
    {
        var clock = Stopwatch.StartNew();
        SystemVMessageQueue queue = SystemVMessageQueue.OpenExisting(IpcKey.FromPath(path, project));
        var buffer = new byte[64];
        (MessageSelector Selector, long Expected)[] plan = [(MessageSelector.Type(3), 3), (MessageSelector.LowestUpTo(2), 1), (MessageSelector.Any, 4), (MessageSelector.Any, 2)];
        foreach ((MessageSelector selector, long expected) in plan)
        {
            SystemVMessageInfo info = queue.Receive(buffer, selector);
            Say(output, clock, $"msgrcv({selector}) took type {info.Type} \"{System.Text.Encoding.UTF8.GetString(buffer, 0, info.Length)}\"");
            if (info.Type != expected)
            {
                throw new InvalidOperationException($"msgrcv({selector}) should have taken type {expected}");
            }
        }

        queue.Remove();
        Say(output, clock, $"msgctl({queue.Id}, IPC_RMID): the queue is gone");
    }

    // Appends the digits 0-9 to FILE one write at a time, pausing between them, after the start GATE
    // opens; with a MUTEX semaphore the whole run is one critical section.
    private static void Writer(string file, string gate, string? mutex, TextWriter output)
    {
        using PosixSemaphore start = PosixSemaphore.OpenExisting(gate);
        using PosixSemaphore? exclusive = mutex is null ? null : PosixSemaphore.OpenExisting(mutex);
        output.WriteLine("0 ready");
        output.Flush();
        start.Wait();
        var clock = Stopwatch.StartNew();
        exclusive?.Wait();
        using (var stream = new FileStream(file, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, bufferSize: 1))
        {
            for (int digit = 0; digit < 10; digit++)
            {
                // .NET opens FileMode.Append without O_APPEND, so each write goes to the end found just before it.
                stream.Seek(0, SeekOrigin.End);
                stream.WriteByte((byte)('0' + digit));
                stream.Flush();
                Thread.Sleep(1); // gives the other writers a chance to cut in, as in the classic demonstration
            }
        }

        exclusive?.Release();
        Say(output, clock, mutex is null ? "appended 0123456789 without a lock" : $"appended 0123456789 holding {mutex}");
    }

    // Strict alternation: wait for MINE, log "ROLE i" to LOG, post OTHER; ROUNDS times.
    private static void PingPong(string mine, string other, string role, string log, int rounds, TextWriter output)
    {
        using PosixSemaphore myTurn = PosixSemaphore.OpenExisting(mine);
        using PosixSemaphore theirTurn = PosixSemaphore.OpenExisting(other);
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < rounds; i++)
        {
            myTurn.Wait();
            File.AppendAllText(log, $"{role} {i} (pid {Environment.ProcessId})\n");
            theirTurn.Release();
        }

        Say(output, clock, $"took {rounds} turns, each after the other process posted {mine}");
    }

    // Writes COUNT messages "order #i", then one "stop" per consumer.
    private static void ChannelProducer(string name, int count, int consumers, TextWriter output)
    {
        var clock = Stopwatch.StartNew();
        using SharedMemoryChannel channel = SharedMemoryChannel.OpenExisting(name);
        using SharedMemoryChannelWriter writer = channel.CreateWriter();
        Span<byte> message = stackalloc byte[32];
        for (int i = 0; i < count; i++)
        {
            System.Text.Encoding.ASCII.TryGetBytes($"order #{i}", message, out int length);
            writer.Write(message[..length]);
        }

        double seconds = clock.Elapsed.TotalSeconds;
        Say(output, clock, string.Create(CultureInfo.InvariantCulture, $"wrote {count} messages into {name}, a ring of {channel.Capacity} bytes ({count / seconds / 1e6:F1} M messages/s, three processes sharing the machine's cores)"));
        for (int i = 0; i < consumers; i++)
        {
            writer.Write("stop"u8);
        }
    }

    // Reads until "stop"; reports how many it got and the sum of their numbers, so the tour can check the split.
    private static void ChannelConsumer(string name, TextWriter output)
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.OpenExisting(name);
        using SharedMemoryChannelReader reader = channel.CreateReader();
        output.WriteLine("0 ready");
        output.Flush();
        var clock = Stopwatch.StartNew();
        var buffer = new byte[64];
        long count = 0;
        long sum = 0;
        while (true)
        {
            int length = reader.Read(buffer);
            string text = System.Text.Encoding.ASCII.GetString(buffer, 0, length);
            if (text == "stop")
            {
                break;
            }

            count++;
            sum += long.Parse(text.AsSpan("order #".Length), CultureInfo.InvariantCulture);
        }

        Say(output, clock, $"received {count} messages, ids summing to {sum}");
    }

    // Overrun: reads, looks away once (until the producer is four rings further on, watched through Stat,
    // not a timer), then reads on until "stop". Checks that every gap in the ids is exactly what the channel
    // said it lost, and reports how many it got and lost, so the tour can check they add up to COUNT.
    private static void ChannelLaggingSubscriber(string name, int count, TextWriter output)
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.OpenExisting(name);
        using SharedMemoryChannelReader reader = channel.CreateReader();
        output.WriteLine("0 ready");
        output.Flush();
        var clock = Stopwatch.StartNew();
        var buffer = new byte[64];
        long received = 0;
        long lost = 0;
        long last = -1;
        bool gapsMatched = true;
        bool lookedAway = false;
        while (true)
        {
            int length = reader.Read(buffer);
            long skipped = reader.MessagesLost - lost;
            lost = reader.MessagesLost;
            string text = System.Text.Encoding.ASCII.GetString(buffer, 0, length);
            if (text == "stop")
            {
                gapsMatched &= last + 1 + skipped == count;
                break;
            }

            long id = long.Parse(text.AsSpan("order #".Length), CultureInfo.InvariantCulture);
            gapsMatched &= id == last + 1 + skipped;
            last = id;
            received++;
            if (!lookedAway)
            {
                lookedAway = true;
                long target = Math.Min(count, id + (4 * channel.Capacity / 64));
                while (channel.Stat().MessagesWritten < target)
                {
                    Thread.Yield();
                }

                Say(output, clock, $"read message {id}, then looked away until the producer had written at least {target} (the ring holds about {channel.Capacity / 64})");
            }
        }

        Say(output, clock, $"received {received} messages, told it lost {lost}; every gap in the ids matched what it was told: {(gapsMatched ? "yes" : "no")}");
    }

    private static string Stat(this MappedRegion region, SystemVSharedMemory segment)
        => $"{region.Length} bytes, {segment.Stat().AttachCount} attachment(s)";

    private static void Say(TextWriter output, Stopwatch clock, string text)
    {
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{clock.Elapsed.TotalMicroseconds:F0} {text}"));
        output.Flush();
        clock.Restart();
    }
}

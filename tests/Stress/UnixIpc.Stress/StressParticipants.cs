namespace UnixIpc.Stress;

/// <summary>The child processes: a producer or a consumer incarnation, until told to stop or killed.</summary>
internal static class StressParticipants
{
    /// <summary>produce NAME DIR ID MIN MAX: writes messages 0, 1, 2, … and logs each once committed.</summary>
    public static int Produce(string[] args)
    {
        (string name, string directory, int id, int minSize, int maxSize) = (args[1], args[2], int.Parse(args[3]), int.Parse(args[4]), int.Parse(args[5]));
        WatchCoordinator(int.Parse(args[7]));
        using var control = StressLog.Open(Path.Combine(directory, "control"));
        using var log = StressLog.Open(Path.Combine(directory, $"p{id}"));
        using SharedMemoryChannel channel = SharedMemoryChannel.OpenExisting(name);
        using SharedMemoryChannelWriter writer = channel.CreateWriter();
        log[StressLog.Ready] = 1;
        var message = new byte[maxSize];
        for (long sequence = 0; control[StressControl.StopProducers] == 0; sequence++)
        {
            int size = StressMessages.SizeOf(id, sequence, minSize, maxSize);
            if ((sequence & 1) == 0)
            {
                StressMessages.Fill(message.AsSpan(0, size), id, sequence);
                writer.Write(message.AsSpan(0, size));
            }
            else
            {
                // Zero copy: filled in the ring. Wait for room as Write does, with a bounded wait and a look at the stop flag.
                WriteLease lease;
                while (!writer.TryReserve(size, out lease))
                {
                    if (!writer.WaitToWriteAsync().AsTask().Wait(TimeSpan.FromSeconds(1)) && control[StressControl.StopProducers] != 0)
                    {
                        return 0;
                    }
                }

                StressMessages.Fill(lease.Span, id, sequence);
                lease.Commit();
            }

            log[StressLog.Entries] = sequence + 1; // committed: from here on it must be delivered
        }

        return 0;
    }

    /// <summary>consume NAME DIR ID MIN MAX [WIDEN-MS]: reads (zero copy in queue and back-pressure modes), checks and logs each message before releasing it.</summary>
    public static int Consume(string[] args)
    {
        (string name, string directory, int id, int minSize, int maxSize) = (args[1], args[2], int.Parse(args[3]), int.Parse(args[4]), int.Parse(args[5]));
        WatchCoordinator(int.Parse(args[7]));
        using var control = StressLog.Open(Path.Combine(directory, "control"));
        using var log = StressLog.Open(Path.Combine(directory, $"c{id}"));
        using SharedMemoryChannel channel = SharedMemoryChannel.OpenExisting(name);
        int widen = args.Length > 6 ? int.Parse(args[6]) : 0;
        if (widen > 0)
        {
            // Widens the window of a subscriber's registration (between its look at the tail and its cursor), and
            // waits before the first read, so producers have every chance to overwrite where it starts.
            channel.AfterSubscriberStartSeen = () => Thread.Sleep(widen);
        }

        using SharedMemoryChannelReader reader = channel.CreateReader();
        log[StressLog.Ready] = 1;
        Thread.Sleep(10 * widen);
        var buffer = new byte[channel.MaxMessageSize];
        int idle = 0;
        bool wokeForNothing = false;
        while (true)
        {
            bool got;
            if (channel.SlowSubscribers == SlowSubscriberPolicy.Overrun)
            {
                got = reader.TryRead(buffer, out int length, out long lost);
                if (got)
                {
                    log[StressLog.Lost] += lost;
                    Record(log, buffer.AsSpan(0, length), minSize, maxSize);
                }
            }
            else
            {
                got = reader.TryRead(out ReadLease lease);
                if (got)
                {
                    Record(log, lease.Span, minSize, maxSize);
                    lease.Release(); // only after the log entry: a kill in between redelivers it, and the log says so
                }
            }

            if (got)
            {
                (idle, wokeForNothing) = (0, false);
                continue;
            }

            // The loop of the issue: WaitToRead, then TryRead. On a drained channel WaitToRead must sleep its
            // time-out; one that keeps saying "data" with nothing to take never lets this consumer finish draining.
            if (wokeForNothing)
            {
                log[StressLog.EmptyWakeups] += 1;
            }

            wokeForNothing = reader.WaitToRead(TimeSpan.FromMilliseconds(200));
            if (!wokeForNothing && control[StressControl.Drain] != 0 && ++idle >= 2)
            {
                return 0;
            }
        }
    }

    // A participant whose coordinator is gone (killed, or stopped with Ctrl-C before it could clean up) ends too.
    private static void WatchCoordinator(int pid)
    {
        var watcher = new Thread(() =>
        {
            while (Directory.Exists($"/proc/{pid}"))
            {
                Thread.Sleep(200);
            }

            Environment.Exit(3);
        }) { IsBackground = true };
        watcher.Start();
    }

    private static void Record(StressLog log, ReadOnlySpan<byte> message, int minSize, int maxSize)
    {
        if (StressMessages.Check(message, minSize, maxSize, out int producer, out long sequence))
        {
            log.Append(producer, sequence);
            return;
        }

        log[StressLog.Torn] += 1;
        if (log[StressLog.Torn] <= 5 && message.Length >= StressMessages.HeaderSize)
        {
            // Say how it differs from what its header says it should be.
            int claimed = BitConverter.ToInt32(message);
            long claimedSequence = BitConverter.ToInt64(message[4..]);
            int expectedSize = StressMessages.SizeOf(claimed, claimedSequence, minSize, maxSize);
            var expected = new byte[Math.Max(expectedSize, StressMessages.HeaderSize)];
            StressMessages.Fill(expected, claimed, claimedSequence);
            int first = -1;
            for (int i = 0; i < Math.Min(expected.Length, message.Length); i++)
            {
                if (i is >= 12 and < 16)
                {
                    continue;
                }

                if (expected[i] != message[i])
                {
                    first = i;
                    break;
                }
            }

            string got = first >= 0 ? Convert.ToHexString(message.Slice(first, Math.Min(8, message.Length - first))) : "-";
            Console.Error.WriteLine($"TORN: {message.Length} bytes claiming producer {claimed} seq {claimedSequence} ({expectedSize} bytes); first difference at byte {first}: {got}");
        }
    }
}

/// <summary>Flags the coordinator sets in the control file.</summary>
internal static class StressControl
{
    public const int StopProducers = 0;
    public const int Drain = 1;
}

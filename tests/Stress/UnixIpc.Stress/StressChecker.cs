namespace UnixIpc.Stress;

/// <summary>What a round showed, and whether that passes.</summary>
internal sealed record StressResult
{
    public int Round { get; init; }

    public TimeSpan Elapsed { get; init; }

    public long Committed { get; init; }

    public long Delivered { get; init; }

    public int ProducersKilled { get; init; }

    public int ConsumersKilled { get; init; }

    public long Torn { get; init; }

    public long Lost { get; init; }

    public long Duplicates { get; init; }

    public long Inversions { get; init; }

    public long ReportedLost { get; init; }

    public long Abandoned { get; init; }

    public long Redelivered { get; init; }

    public long EmptyWakeups { get; init; }

    public IReadOnlyList<string> Failures { get; init; } = [];

    public bool Passed => Failures.Count == 0;
}

/// <summary>
/// Reads every log of a round and the channel it ran on, and says what went wrong: a torn message, a
/// committed message never delivered (or, broadcast, missing from a subscriber's stream), a duplicate no
/// consumer kill explains, a producer's messages out of order at one consumer beyond what redeliveries
/// explain, a channel that did not drain, a slot still held once everyone is gone.
/// </summary>
internal sealed unsafe class StressChecker(StressPlan plan, SharedMemoryChannel channel, string directory, IReadOnlyList<Participant> participants)
{
    public StressResult Check(List<string> failures)
    {
        var committed = new Dictionary<int, long>();
        foreach (Participant producer in participants.Where(p => p.IsProducer))
        {
            using var log = StressLog.Open(Path.Combine(directory, $"p{producer.Id}"));
            committed[producer.Id] = log[StressLog.Entries];
        }

        HashSet<int> killedProducers = [.. participants.Where(p => p.IsProducer && p.Killed).Select(p => p.Id)];
        var delivered = committed.ToDictionary(p => p.Key, p => new byte[p.Value + 1]);
        long deliveries = 0, torn = 0, duplicates = 0, inversions = 0, reportedLost = 0, gaps = 0, emptyWakeups = 0;
        var lastOfKilled = new HashSet<(int, long)>();
        foreach (Participant consumer in participants.Where(p => !p.IsProducer))
        {
            using var log = StressLog.Open(Path.Combine(directory, $"c{consumer.Id}"));
            torn += log[StressLog.Torn];
            reportedLost += log[StressLog.Lost];
            emptyWakeups += log[StressLog.EmptyWakeups];
            var last = new Dictionary<int, long>();
            long count = log.Count;
            for (long i = 0; i < count; i++)
            {
                (int producer, long sequence) = log.Entry(i);
                deliveries++;
                if (!committed.TryGetValue(producer, out long made) || sequence > made || (sequence == made && !killedProducers.Contains(producer)))
                {
                    Fail(failures, $"consumer {consumer.Id} got producer {producer}'s message {sequence}, which was never logged as committed ({(committed.ContainsKey(producer) ? made : -1)} were)");
                    continue;
                }

                if (delivered[producer][sequence] < byte.MaxValue)
                {
                    delivered[producer][sequence]++;
                }

                if (last.TryGetValue(producer, out long previous))
                {
                    if (plan.Mode == "queue")
                    {
                        inversions += sequence <= previous ? 1 : 0;
                    }
                    else if (sequence <= previous || (plan.Mode == "broadcast" && sequence != previous + 1))
                    {
                        Fail(failures, $"subscriber {consumer.Id}: producer {producer}'s message {sequence} came after {previous}");
                    }
                    else
                    {
                        gaps += sequence - previous - 1;
                    }
                }

                if (sequence > previous || !last.ContainsKey(producer))
                {
                    last[producer] = sequence;
                }
            }

            if (consumer.Killed && count > 0)
            {
                lastOfKilled.Add(log.Entry(count - 1));
            }
            else if (!consumer.Killed && plan.Mode == "broadcast")
            {
                // Drained: a surviving subscriber got each producer it heard from up to its last committed message.
                foreach ((int producer, long sequence) in last.Where(l => l.Value < committed[l.Key] - 1))
                {
                    Fail(failures, $"subscriber {consumer.Id} stopped at producer {producer}'s message {sequence} of {committed[producer]}");
                }
            }
        }

        long lost = 0;
        if (plan.Mode == "queue")
        {
            foreach ((int producer, byte[] counts) in delivered)
            {
                for (long sequence = 0; sequence < counts.Length; sequence++)
                {
                    if (counts[sequence] == 0 && sequence < committed[producer])
                    {
                        lost++;
                        Fail(failures, $"producer {producer}'s message {sequence} was committed and never delivered");
                    }
                    else if (counts[sequence] > 1)
                    {
                        duplicates += counts[sequence] - 1;
                        if (counts[sequence] > 2 || !lastOfKilled.Contains((producer, sequence)))
                        {
                            Fail(failures, $"producer {producer}'s message {sequence} was delivered {counts[sequence]} times; no consumer kill explains it");
                        }
                    }
                }
            }

            int consumersKilled = participants.Count(p => !p.IsProducer && p.Killed);
            if (inversions > consumersKilled)
            {
                Fail(failures, $"{inversions} messages came before an earlier one of their producer at the same consumer; at most one per killed consumer ({consumersKilled}) is a redelivery");
            }
        }
        else if (plan.Mode == "overrun" && gaps > reportedLost)
        {
            Fail(failures, $"subscribers missed {gaps} messages between ones they got but were told of {reportedLost} lost");
        }

        if (torn > 0)
        {
            Fail(failures, $"{torn} torn messages (details on stderr)");
        }

        CheckChannel(failures);
        SharedMemoryChannelStatus status = channel.Stat();
        return new StressResult
        {
            Committed = committed.Values.Sum(),
            Delivered = deliveries,
            ProducersKilled = participants.Count(p => p.IsProducer && p.Killed),
            ConsumersKilled = participants.Count(p => !p.IsProducer && p.Killed),
            Torn = torn,
            Lost = lost,
            Duplicates = duplicates,
            Inversions = inversions,
            ReportedLost = reportedLost,
            Abandoned = status.Abandoned,
            Redelivered = status.Redelivered,
            EmptyWakeups = emptyWakeups,
            Failures = failures,
        };
    }

    // Everyone has gone: after one recovery no slot may be held (a dead process's included), a queue is empty
    // and its space free, and the orphans hint is back at zero.
    private void CheckChannel(List<string> failures)
    {
        channel.Recover(force: true);
        for (int i = 0; i < channel.SlotCount; i++)
        {
            ulong word = Volatile.Read(ref *(ulong*)(channel.Slot(i) + ChannelLayout.SlotStateOffset));
            if (word != 0 && (int)(uint)word != ChannelLayout.StateFree)
            {
                Fail(failures, $"slot {i} is still held after everyone left: state {(int)(uint)word}, pid {(int)(word >> 32)}");
            }
        }

        SharedMemoryChannelStatus status = channel.Stat();
        if (plan.Mode == "queue")
        {
            if (status.Positions.Read != status.Positions.Tail || status.UsedBytes != 0)
            {
                Fail(failures, $"the queue did not drain: tail {status.Positions.Tail}, read {status.Positions.Read}, release {status.Positions.Release}");
            }

            int hint = Volatile.Read(ref channel.I32(ChannelLayout.OrphansOffset));
            if (hint != 0)
            {
                Fail(failures, $"the orphans hint is {hint} with no orphan left");
            }
        }
    }

    private static void Fail(List<string> failures, string failure)
    {
        if (failures.Count < 20)
        {
            failures.Add(failure);
        }
        else if (failures.Count == 20)
        {
            failures.Add("(more failures not listed)");
        }
    }
}

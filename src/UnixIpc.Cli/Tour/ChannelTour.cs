using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using static UnixIpc.Cli.TourSteps;

namespace UnixIpc.Cli;

/// <summary>The tour over shared-memory channels: a queue, a broadcast, and a broadcast with overrun.</summary>
internal sealed class ChannelTour : TourScenario
{
    public override IReadOnlyDictionary<string, Action<string[], TextWriter>> Roles { get; } = new Dictionary<string, Action<string[], TextWriter>>
    {
        ["channel-producer"] = (a, o) => ChannelProducer(a[0], int.Parse(a[1], CultureInfo.InvariantCulture), int.Parse(a[2], CultureInfo.InvariantCulture), o),
        ["channel-consumer"] = (a, o) => ChannelConsumer(a[0], o),
        ["channel-lagging-subscriber"] = (a, o) => ChannelLaggingSubscriber(a[0], int.Parse(a[1], CultureInfo.InvariantCulture), o),
    };

    public override async Task RunAsync(TourRunner tour, CancellationToken cancellationToken)
    {
        await ChannelAsync(tour, ChannelDelivery.Queue, cancellationToken).ConfigureAwait(false);
        await ChannelAsync(tour, ChannelDelivery.Broadcast, cancellationToken).ConfigureAwait(false);
        await ChannelOverrunAsync(tour, cancellationToken).ConfigureAwait(false);
    }

    // Broadcast with overrun: the producer never waits; a subscriber that looks away is lapped, skips ahead,
    // and is told exactly how many messages it missed.
    private static async Task ChannelOverrunAsync(TourRunner tour, CancellationToken cancellationToken)
    {
        string name = $"/unixipc_tour_{Environment.ProcessId}_overrun";
        const int Count = 100_000;
        tour.Heading($"Shared-memory channel, broadcast with overrun: the producer never waits; a subscriber that looks away skips ahead and learns how many of {Count} messages it lost, over {name}");
        using var cleanup = new TourCleanup(() => SharedMemoryChannel.TryUnlink(name));
        using SharedMemoryChannel channel = SharedMemoryChannel.CreateNew(name, new SharedMemoryChannelOptions
        {
            Capacity = 1 << 16,
            Delivery = ChannelDelivery.Broadcast,
            SlowSubscribers = SlowSubscriberPolicy.Overrun,
        });
        var lines = new List<string>();
        await tour.RunTogetherAsync("subscriber", 1, () => { }, ["channel-lagging-subscriber", name, Count.ToString(CultureInfo.InvariantCulture)], _ => tour.StepAsync("producer", cancellationToken, "channel-producer", name, Count.ToString(CultureInfo.InvariantCulture), "1"), lines, cancellationToken).ConfigureAwait(false);

        string? report = lines.LastOrDefault(l => l.Contains(" received ", StringComparison.Ordinal));
        string[] words = report?.Split(' ') ?? [];
        int at = Array.IndexOf(words, "received");
        bool parsed = at >= 0 && words.Length > at + 6;
        long received = parsed ? long.Parse(words[at + 1], CultureInfo.InvariantCulture) : -1;
        long lost = parsed ? long.Parse(words[at + 6].TrimEnd(';'), CultureInfo.InvariantCulture) : -1;
        tour.Check(parsed && received + lost == Count && report!.EndsWith("yes", StringComparison.Ordinal), $"the subscriber received {received} and was told it lost {lost}: {Count} in all, every gap accounted for");
        SharedMemoryChannelStatus status = channel.Stat();
        tour.Line("tour", Environment.ProcessId, $"channel counters: {status.MessagesWritten} written, {status.MessagesRead} read, {status.MessagesLost} lost (overrun {status.Overruns} time(s)), {status.Waits} sleeps");
    }

    private static async Task ChannelAsync(TourRunner tour, ChannelDelivery delivery, CancellationToken cancellationToken)
    {
        bool broadcast = delivery == ChannelDelivery.Broadcast;
        string name = $"/unixipc_tour_{Environment.ProcessId}_{(broadcast ? "broadcast" : "channel")}";
        const int Count = 100_000;
        tour.Heading(broadcast
            ? $"Shared-memory channel, broadcast: one producer, two subscribers, each sees all {Count} messages, over {name}"
            : $"Shared-memory channel, queue: one producer, two competing consumers, {Count} messages over {name}");
        using var cleanup = new TourCleanup(() => SharedMemoryChannel.TryUnlink(name));
        using SharedMemoryChannel channel = SharedMemoryChannel.CreateNew(name, new SharedMemoryChannelOptions { Capacity = 1 << 16, Delivery = delivery });
        var lines = new List<string>();
        // The consumers register and wait first; then the producer runs alongside them.
        string role = broadcast ? "subscriber" : "consumer";
        string stops = broadcast ? "1" : "2"; // one stop reaches every subscriber; a queue needs one per consumer
        await tour.RunTogetherAsync(role, 2, () => { }, ["channel-consumer", name], _ => tour.StepAsync("producer", cancellationToken, "channel-producer", name, Count.ToString(CultureInfo.InvariantCulture), stops), lines, cancellationToken).ConfigureAwait(false);

        var received = new List<(long Count, long Sum)>();
        foreach (string line in lines)
        {
            string[] words = line.Split(' ');
            int at = Array.IndexOf(words, "received");
            if (at >= 0)
            {
                received.Add((long.Parse(words[at + 1], CultureInfo.InvariantCulture), long.Parse(words[Array.IndexOf(words, "to") + 1], CultureInfo.InvariantCulture)));
            }
        }

        long all = (long)Count * (Count - 1) / 2;
        if (broadcast)
        {
            tour.Check(received.Count == 2 && received.All(r => r == (Count, all)), $"both subscribers saw all {Count} messages");
        }
        else
        {
            tour.Check(received.Sum(r => r.Count) == Count && received.Sum(r => r.Sum) == all, $"the two consumers shared the {Count} messages, each exactly once");
        }

        SharedMemoryChannelStatus status = channel.Stat();
        tour.Line("tour", Environment.ProcessId, $"channel counters: {status.MessagesWritten} written, {status.MessagesRead} read, {status.Waits} sleeps, {status.Wakeups} futex wake-ups");
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
}

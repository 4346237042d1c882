using System.Globalization;

namespace UnixIpc.Tests;

/// <summary>
/// Kill -9 of randomly chosen producers and consumers, again and again, while messages flow: the channel
/// must never wedge, corrupt or lose a committed message. Each crash kind also has a focused test in
/// <see cref="SharedMemoryChannelCrossProcessTests"/>; this one checks that they compose.
/// </summary>
[Collection(CrossProcessCollection.Name)]
public sealed class SharedMemoryChannelChaosTests : IDisposable
{
    private const int Rounds = 30;
    private const int FinalCount = 2000;
    private readonly string _name = TestNames.Unique("chaos");

    // One log per process: .NET's FileMode.Append does not open with O_APPEND, so processes sharing a file
    // would overwrite each other's lines.
    private readonly DirectoryInfo _logs = Directory.CreateTempSubdirectory($"{TestNames.Prefix}{Environment.ProcessId}_chaos_");
    private int _consumerLogs;
    private long _lastLength;

    public void Dispose()
    {
        SharedMemoryChannel.TryUnlink(_name);
        _logs.Delete(recursive: true);
    }

    [Fact]
    public async Task Random_kills_of_producers_and_consumers_lose_and_corrupt_nothing()
    {
        int seed = Environment.TickCount;
        var random = new Random(seed);
        using SharedMemoryChannel channel = SharedMemoryChannel.CreateNew(_name, new SharedMemoryChannelOptions { Capacity = 8192 });
        var producers = new List<TestChildProcess>();
        var consumers = new List<TestChildProcess>();
        var dead = new List<TestChildProcess>();
        int nextProducerId = 0;
        int consumersKilled = 0;
        try
        {
            for (int i = 0; i < 2; i++)
            {
                producers.Add(await StartProducerAsync(nextProducerId++, int.MaxValue));
                consumers.Add(await StartConsumerAsync());
            }

            for (int round = 0; round < Rounds; round++)
            {
                // Wait for the consumers to move on since the last kill, then kill one participant wherever it is:
                // mid-reservation, holding a lease, asleep on the futex, between two messages.
                await WaitForProgressAsync(minimumGrowth: 4000, $"round {round}, seed {seed}");
                bool killProducer = random.Next(2) == 0;
                consumersKilled += killProducer ? 0 : 1;
                List<TestChildProcess> role = killProducer ? producers : consumers;
                TestChildProcess victim = role[random.Next(role.Count)];
                victim.Kill();
                await victim.WaitForExitAsync();
                role.Remove(victim);
                dead.Add(victim);
                role.Add(killProducer ? await StartProducerAsync(nextProducerId++, int.MaxValue) : await StartConsumerAsync());
            }

            // Stop the endless producers, then prove the channel still carries a known set of messages end to end.
            foreach (TestChildProcess producer in producers)
            {
                producer.Kill();
                await producer.WaitForExitAsync();
            }

            const int FinalProducer = 1_000_000;
            await using (TestChildProcess last = await StartProducerAsync(FinalProducer, FinalCount))
            {
                Assert.Equal("done", await last.ReadLineAsync());
            }

            using (SharedMemoryChannelWriter stopper = channel.CreateWriter())
            {
                var stop = new byte[64];
                ChannelMessages.Fill(stop, -1, 0);
                foreach (TestChildProcess _ in consumers)
                {
                    Assert.True(stopper.TryWrite(stop, TimeSpan.FromSeconds(30)), $"the channel wedged (seed {seed})");
                }
            }

            long violations = 0;
            foreach (TestChildProcess consumer in consumers)
            {
                string line;
                while (!(line = await consumer.ReadLineAsync()).StartsWith("violations", StringComparison.Ordinal))
                {
                }

                violations += long.Parse(line["violations ".Length..], CultureInfo.InvariantCulture);
            }

            // Out of order per producer only where a redelivery explains it: at most one per killed consumer.
            Assert.True(violations <= consumersKilled, $"{violations} order violations with {consumersKilled} consumers killed (seed {seed})");

            string[] consumedLines = [.. Logs("*.consumed").SelectMany(File.ReadLines)];
            Assert.DoesNotContain("corrupt", consumedLines);
            HashSet<string> consumed = [.. consumedLines];
            string[] missing = [.. Logs("*.produced").SelectMany(File.ReadLines).Where(m => !consumed.Contains(m))];
            Assert.True(missing.Length == 0, $"{missing.Length} committed messages never arrived, first {string.Join(", ", missing.Take(5))} (seed {seed})");
            Assert.All(Enumerable.Range(0, FinalCount), i => Assert.Contains($"{FinalProducer} {i}", consumed));
            Assert.Equal(0, channel.Stat().UsedBytes);

            // Recovery ran: a process killed with -9 cannot free its own slot, yet once the consumers have left
            // (they stop at the marker) every slot is free.
            channel.Recover(force: true);
            Assert.Equal(Rounds, dead.Count);
            Assert.Empty(channel.Stat().Participants);
        }
        finally
        {
            foreach (TestChildProcess child in producers.Concat(consumers).Concat(dead))
            {
                await child.DisposeAsync();
            }
        }
    }

    private Task<TestChildProcess> StartProducerAsync(int id, int count) =>
        TestChildProcess.StartAsync("channel-produce", _name, id.ToString(CultureInfo.InvariantCulture), count.ToString(CultureInfo.InvariantCulture), Path.Combine(_logs.FullName, $"{id}.produced"));

    private Task<TestChildProcess> StartConsumerAsync() =>
        TestChildProcess.StartAsync("channel-consume", _name, Path.Combine(_logs.FullName, $"{_consumerLogs++}.consumed"));

    private string[] Logs(string pattern) => Directory.GetFiles(_logs.FullName, pattern);

    // Bounded wait on a condition (the consumers' logs grew), not a sleep that orders events.
    private async Task WaitForProgressAsync(long minimumGrowth, string context)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(60);
        while (ConsumedBytes() < _lastLength + minimumGrowth)
        {
            Assert.True(DateTime.UtcNow < deadline, $"no progress for 60 s: the channel wedged ({context})");
            await Task.Delay(1);
        }

        _lastLength = ConsumedBytes();
    }

    private long ConsumedBytes() => Logs("*.consumed").Sum(path => new FileInfo(path).Length);
}

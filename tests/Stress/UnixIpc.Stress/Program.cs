using System.CommandLine;
using System.Diagnostics;
using System.Runtime.InteropServices;
using UnixIpc.Stress;

// The channel stress harness (tests/Stress/README.md). Children are this same program: produce / consume.
if (args.Length > 0 && args[0] == "produce")
{
    return StressParticipants.Produce(args);
}

if (args.Length > 0 && args[0] == "consume")
{
    return StressParticipants.Consume(args);
}

var mode = new Option<string>("--mode") { Description = "queue, broadcast (back-pressure) or overrun.", DefaultValueFactory = _ => "queue" };
mode.AcceptOnlyFromAmong("queue", "broadcast", "overrun");
var producers = new Option<int>("--producers") { Description = "Producer processes.", DefaultValueFactory = _ => 3 };
var consumers = new Option<int>("--consumers") { Description = "Consumer (subscriber) processes.", DefaultValueFactory = _ => 2 };
var capacity = new Option<long>("--capacity") { Description = "Ring bytes (a power of two).", DefaultValueFactory = _ => 1 << 20 };
var messages = new Option<long>("--messages") { Description = "Messages to commit in all, over rounds.", DefaultValueFactory = _ => 20_000_000 };
var roundMessages = new Option<long>("--round") { Description = "Messages per round (each round: a fresh channel, then the check).", DefaultValueFactory = _ => 10_000_000 };
var kill = new Option<int>("--kill-ms") { Description = "Kill -9 a random producer or consumer about every N ms and start another (0: no kills).", DefaultValueFactory = _ => 0 };
var minSize = new Option<int>("--min-size") { Description = "Smallest message (at least 16).", DefaultValueFactory = _ => 16 };
var maxSize = new Option<int>("--max-size") { Description = "Largest message.", DefaultValueFactory = _ => 2000 };
var seed = new Option<int>("--seed") { Description = "Seed of the kill schedule.", DefaultValueFactory = _ => Environment.ProcessId };
var widen = new Option<int>("--widen-ms") { Description = "Consumers pause N ms between a subscriber's look at the tail and storing its cursor, and 10 N ms before their first read.", DefaultValueFactory = _ => 0 };
var quick = new Option<bool>("--quick") { Description = "About a minute: queue with and without kills, broadcast and overrun with kills (what CI runs)." };
var root = new RootCommand("Stress the shared-memory channel with producer and consumer processes, kill -9 and a checker.")
{
    mode, producers, consumers, capacity, messages, roundMessages, kill, minSize, maxSize, seed, widen, quick,
};
using var interrupted = new CancellationTokenSource();
using PosixSignalRegistration onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using PosixSignalRegistration onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
void Stop(PosixSignalContext context)
{
    context.Cancel = true; // the round in progress stops, drains, checks and removes what it made
    interrupted.Cancel();
}

root.SetAction(parse =>
{
    if (parse.GetValue(minSize) < StressMessages.HeaderSize || parse.GetValue(maxSize) < parse.GetValue(minSize))
    {
        Console.Error.WriteLine($"--min-size is at least {StressMessages.HeaderSize} and at most --max-size.");
        return 2;
    }

    StressPlan Plan(string m, int killMs, long count, TimeSpan limit, int widenMs = -1)
        => new(m, parse.GetValue(producers), parse.GetValue(consumers), parse.GetValue(capacity), count, limit, killMs, parse.GetValue(minSize), parse.GetValue(maxSize), parse.GetValue(seed), widenMs < 0 ? parse.GetValue(widen) : widenMs);

    List<(StressPlan Plan, long Total)> runs = parse.GetValue(quick)
        ? [
            (Plan("queue", 150, long.MaxValue, TimeSpan.FromSeconds(20)), 0),
            (Plan("queue", 0, long.MaxValue, TimeSpan.FromSeconds(10)), 0),
            (Plan("broadcast", 150, long.MaxValue, TimeSpan.FromSeconds(10), widenMs: 5), 0),
            (Plan("overrun", 150, long.MaxValue, TimeSpan.FromSeconds(10)), 0),
        ]
        : [(Plan(parse.GetValue(mode)!, parse.GetValue(kill), parse.GetValue(roundMessages), TimeSpan.FromMinutes(30)), parse.GetValue(messages))];
    bool passed = true;
    int round = 0;
    foreach ((StressPlan plan, long total) in runs)
    {
        Console.WriteLine($"== {plan}");
        var totals = new StressResult();
        var clock = Stopwatch.StartNew();
        do
        {
            StressResult result = new StressRound(plan, round++, interrupted.Token).Run();
            Report(result);
            passed &= result.Passed;
            totals = Add(totals, result);
        }
        while (passed && totals.Committed < total && !interrupted.IsCancellationRequested);

        Console.WriteLine($"   total: {totals.Committed:N0} messages in {clock.Elapsed.TotalSeconds:F0} s ({totals.Committed / clock.Elapsed.TotalSeconds / 1e6:F2} M/s committed), "
            + $"{totals.Delivered:N0} deliveries; killed {totals.ProducersKilled} producers, {totals.ConsumersKilled} consumers; "
            + $"torn {totals.Torn}, lost {totals.Lost}, duplicates {totals.Duplicates} (each from a consumer killed between logging and releasing), "
            + $"redelivered {totals.Redelivered}, abandoned {totals.Abandoned}, reported lost to overrun {totals.ReportedLost}");
    }

    if (interrupted.IsCancellationRequested)
    {
        Console.WriteLine("INTERRUPTED");
        return 130;
    }

    Console.WriteLine(passed ? "PASSED" : "FAILED");
    return passed ? 0 : 1;
});
return root.Parse(args).Invoke();

static void Report(StressResult r)
{
    Console.WriteLine($"   round {r.Round}: {r.Committed:N0} committed, {r.Delivered:N0} delivered in {r.Elapsed.TotalSeconds:F1} s; "
        + $"killed {r.ProducersKilled}p/{r.ConsumersKilled}c; torn {r.Torn}, lost {r.Lost}, dup {r.Duplicates}, out of order {r.Inversions}, "
        + $"redelivered {r.Redelivered}, abandoned {r.Abandoned}, overrun-lost {r.ReportedLost}, empty wake-ups {r.EmptyWakeups}: {(r.Passed ? "ok" : "FAILED")}");
    foreach (string failure in r.Failures)
    {
        Console.WriteLine($"     {failure}");
    }
}

static StressResult Add(StressResult a, StressResult b) => new()
{
    Committed = a.Committed + b.Committed,
    Delivered = a.Delivered + b.Delivered,
    ProducersKilled = a.ProducersKilled + b.ProducersKilled,
    ConsumersKilled = a.ConsumersKilled + b.ConsumersKilled,
    Torn = a.Torn + b.Torn,
    Lost = a.Lost + b.Lost,
    Duplicates = a.Duplicates + b.Duplicates,
    Inversions = a.Inversions + b.Inversions,
    ReportedLost = a.ReportedLost + b.ReportedLost,
    Abandoned = a.Abandoned + b.Abandoned,
    Redelivered = a.Redelivered + b.Redelivered,
    EmptyWakeups = a.EmptyWakeups + b.EmptyWakeups,
};

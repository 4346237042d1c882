using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using static UnixIpc.Cli.TourSteps;

namespace UnixIpc.Cli;

/// <summary>The tour's strict alternation: two processes take turns over two named semaphores.</summary>
internal sealed class AlternationTour : TourScenario
{
    public override IReadOnlyDictionary<string, Action<string[], TextWriter>> Roles { get; } = new Dictionary<string, Action<string[], TextWriter>>
    {
        ["pingpong"] = (a, o) => PingPong(a[0], a[1], a[2], a[3], int.Parse(a[4], CultureInfo.InvariantCulture), o),
    };

    public override async Task RunAsync(TourRunner tour, CancellationToken cancellationToken)
    {
        string ping = $"/unixipc_tour_{Environment.ProcessId}_ping";
        string pong = $"/unixipc_tour_{Environment.ProcessId}_pong";
        string log = Path.Combine(Path.GetTempPath(), $"unixipc-tour-{Environment.ProcessId}-turns.txt");
        const int Rounds = 5;
        tour.Heading($"Strict alternation: two processes take turns over two named semaphores ({ping} starts at 1, {pong} at 0)");
        using var cleanup = new TourCleanup(() =>
        {
            PosixSemaphore.TryUnlink(ping);
            PosixSemaphore.TryUnlink(pong);
            File.Delete(log);
        });
        using var pingSemaphore = PosixSemaphore.CreateNew(ping, 1);
        using var pongSemaphore = PosixSemaphore.CreateNew(pong, 0);
        File.WriteAllBytes(log, []);
        string rounds = Rounds.ToString(CultureInfo.InvariantCulture);
        Task first = tour.StepAsync("ping", cancellationToken, "pingpong", ping, pong, "ping", log, rounds);
        Task second = tour.StepAsync("pong", cancellationToken, "pingpong", pong, ping, "pong", log, rounds);
        await Task.WhenAll(first, second).ConfigureAwait(false);
        string[] turns = await File.ReadAllLinesAsync(log, cancellationToken).ConfigureAwait(false);
        foreach (string turn in turns)
        {
            tour.Line("log", Environment.ProcessId, turn);
        }

        bool alternated = turns.Length == 2 * Rounds && turns.Select((t, i) => t.StartsWith(i % 2 == 0 ? $"ping {i / 2} " : $"pong {i / 2} ", StringComparison.Ordinal)).All(ok => ok);
        tour.Check(alternated, "ping and pong strictly alternated");
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
}

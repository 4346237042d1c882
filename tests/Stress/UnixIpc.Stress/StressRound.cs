using System.Diagnostics;

namespace UnixIpc.Stress;

/// <summary>What one round runs: the channel, the participants and how often one is killed.</summary>
internal sealed record StressPlan(string Mode, int Producers, int Consumers, long Capacity, long Messages, TimeSpan MaxTime, int KillIntervalMs, int MinSize, int MaxSize, int Seed, int WidenMs = 0)
{
    public bool Kills => KillIntervalMs > 0;

    public override string ToString()
        => $"{Mode}, {Producers} producers x {Consumers} consumers, {Capacity >> 10} KiB ring, {MinSize}-{MaxSize} B messages, "
            + (Kills ? $"kill -9 every ~{KillIntervalMs} ms" : "no kills") + (WidenMs > 0 ? $", subscriber registration widened by {WidenMs} ms" : string.Empty);
}

/// <summary>
/// One round: a fresh channel, producer and consumer processes, random kill -9 and replacement, then stop,
/// drain and check (<see cref="StressChecker"/>). Everything it made is removed afterwards.
/// </summary>
internal sealed class StressRound(StressPlan plan, int round, CancellationToken interrupted)
{
    private readonly List<Participant> _participants = [];
    private readonly string _name = $"/uipc_stress_{Environment.ProcessId}_{round}";
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"unixipc-stress-{Environment.ProcessId}-{round}");
    private int _nextId = 1;

    public StressResult Run()
    {
        Directory.CreateDirectory(_directory);
        var failures = new List<string>();
        var clock = Stopwatch.StartNew();
        try
        {
            using var control = StressLog.Create(Path.Combine(_directory, "control"), 0);
            using SharedMemoryChannel channel = SharedMemoryChannel.CreateNew(_name, new SharedMemoryChannelOptions
            {
                Capacity = plan.Capacity,
                Delivery = plan.Mode == "queue" ? ChannelDelivery.Queue : ChannelDelivery.Broadcast,
                SlowSubscribers = plan.Mode == "overrun" ? SlowSubscriberPolicy.Overrun : SlowSubscriberPolicy.BackPressure,
            });
            for (int i = 0; i < plan.Consumers; i++)
            {
                Start(producer: false);
            }

            WaitReady(failures); // subscribers see the stream from its start
            for (int i = 0; i < plan.Producers; i++)
            {
                Start(producer: true);
            }

            var random = new Random(plan.Seed + round);
            while (Committed() < plan.Messages && clock.Elapsed < plan.MaxTime && failures.Count == 0 && !interrupted.IsCancellationRequested)
            {
                Thread.Sleep(plan.Kills ? random.Next(plan.KillIntervalMs / 2, (plan.KillIntervalMs * 3 / 2) + 1) : 50);
                foreach (Participant crashed in _participants.Where(p => !p.Killed && p.Process.HasExited))
                {
                    failures.Add($"{crashed} exited by itself with code {crashed.Process.ExitCode}");
                }

                if (plan.Kills)
                {
                    Participant[] running = [.. _participants.Where(p => !p.Killed && !p.Process.HasExited)];
                    Participant victim = running[random.Next(running.Length)];
                    victim.Killed = true;
                    victim.Process.Kill(); // SIGKILL
                    victim.Process.WaitForExit();
                    Start(victim.IsProducer);
                }
            }

            control[StressControl.StopProducers] = 1;
            Await(_participants.Where(p => p.IsProducer && !p.Killed), TimeSpan.FromSeconds(60), "did not stop", failures);
            control[StressControl.Drain] = 1;
            Await(_participants.Where(p => !p.IsProducer && !p.Killed), TimeSpan.FromSeconds(120), "did not finish draining (a reader that spins never sees two empty waits in a row)", failures);
            TimeSpan elapsed = clock.Elapsed;
            StressResult result = new StressChecker(plan, channel, _directory, _participants).Check(failures);
            return result with { Round = round, Elapsed = elapsed };
        }
        finally
        {
            foreach (Participant participant in _participants.Where(p => !p.Process.HasExited))
            {
                participant.Process.Kill();
                participant.Process.WaitForExit();
            }

            SharedMemoryChannel.TryUnlink(_name);
            Directory.Delete(_directory, recursive: true);
        }
    }

    private long Committed()
    {
        long total = 0;
        foreach (Participant producer in _participants.Where(p => p.IsProducer))
        {
            using var log = StressLog.Open(Path.Combine(_directory, $"p{producer.Id}"));
            total += log[StressLog.Entries];
        }

        return total;
    }

    private void Start(bool producer)
    {
        int id = _nextId++;
        using (StressLog.Create(Path.Combine(_directory, $"{(producer ? 'p' : 'c')}{id}"), producer ? 0 : (2 * plan.Messages) + 10_000_000))
        {
        }

        // This same program, as it was started: its apphost, or "dotnet" with its assembly.
        var start = new ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
        {
            start.ArgumentList.Add(typeof(StressRound).Assembly.Location);
        }

        foreach (string argument in new[] { producer ? "produce" : "consume", _name, _directory, $"{id}", $"{plan.MinSize}", $"{plan.MaxSize}", $"{plan.WidenMs}", $"{Environment.ProcessId}" })
        {
            start.ArgumentList.Add(argument);
        }

        _participants.Add(new Participant(Process.Start(start)!, id, producer));
    }

    private void WaitReady(List<string> failures)
    {
        var clock = Stopwatch.StartNew();
        foreach (Participant participant in _participants)
        {
            using var log = StressLog.Open(Path.Combine(_directory, $"{(participant.IsProducer ? 'p' : 'c')}{participant.Id}"));
            while (log[StressLog.Ready] == 0 && !participant.Process.HasExited && clock.Elapsed < TimeSpan.FromSeconds(60))
            {
                Thread.Sleep(5);
            }

            if (log[StressLog.Ready] == 0)
            {
                failures.Add($"{participant} did not register");
            }
        }
    }

    private static void Await(IEnumerable<Participant> participants, TimeSpan limit, string what, List<string> failures)
    {
        var clock = Stopwatch.StartNew();
        foreach (Participant participant in participants)
        {
            TimeSpan left = limit - clock.Elapsed;
            if (!participant.Process.WaitForExit(left > TimeSpan.Zero ? left : TimeSpan.Zero))
            {
                failures.Add($"{participant} {what} within {limit.TotalSeconds} s");
                participant.Process.Kill();
                participant.Process.WaitForExit();
            }
            else if (participant.Process.ExitCode != 0)
            {
                failures.Add($"{participant} exited with code {participant.Process.ExitCode}");
            }
        }
    }
}

/// <summary>A producer or consumer incarnation: a process with its own id (and log).</summary>
internal sealed class Participant(Process process, int id, bool isProducer)
{
    public Process Process { get; } = process;

    public int Id { get; } = id;

    public bool IsProducer { get; } = isProducer;

    public bool Killed { get; set; }

    public override string ToString() => $"{(IsProducer ? "producer" : "consumer")} {Id} (pid {Process.Id})";
}

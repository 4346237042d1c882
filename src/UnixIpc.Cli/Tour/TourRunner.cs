using System.Diagnostics;
using System.Globalization;

namespace UnixIpc.Cli;

/// <summary>
/// Runs the tour's scenarios: each starts real child processes (this CLI's hidden <c>tour-step</c>),
/// prints what every process did, in order, with timings, checks the outcome, and cleans up.
/// </summary>
internal sealed class TourRunner
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(30);
    private readonly CliConsole _console;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _failures;

    public TourRunner(CliConsole console)
    {
        _console = console;
    }

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        Line("tour", Environment.ProcessId, $"UnixIpc tour: every mechanism between real processes (pid {Environment.ProcessId} is this one)");
        await PosixSharedMemoryAsync(cancellationToken).ConfigureAwait(false);
        await SystemVSharedMemoryAsync(cancellationToken).ConfigureAwait(false);
        await PosixMessageQueueAsync(cancellationToken).ConfigureAwait(false);
        await SystemVMessageQueueAsync(cancellationToken).ConfigureAwait(false);
        await SynchronisedWritersAsync(cancellationToken).ConfigureAwait(false);
        await AlternationAsync(cancellationToken).ConfigureAwait(false);
        await ChannelAsync(cancellationToken).ConfigureAwait(false);
        _console.Out.WriteLine();
        _console.Out.WriteLine(_failures == 0 ? "tour finished: every scenario passed, nothing left behind." : $"tour finished: {_failures} check(s) failed.");
        return _failures == 0 ? CliExitCode.Success : CliExitCode.Failed;
    }

    private async Task PosixSharedMemoryAsync(CancellationToken cancellationToken)
    {
        string name = $"/unixipc_tour_{Environment.ProcessId}";
        Heading("POSIX shared memory: producer/consumer over " + name);
        try
        {
            await StepAsync("producer", cancellationToken, "pshm-producer", name).ConfigureAwait(false);
            await StepAsync("consumer", cancellationToken, "pshm-consumer", name).ConfigureAwait(false);
            Check(!PosixSharedMemory.TryOpenExisting(name, out PosixSharedMemory? left), $"{name} no longer exists");
            left?.Dispose();
        }
        finally
        {
            PosixSharedMemory.TryUnlink(name);
        }
    }

    private async Task SystemVSharedMemoryAsync(CancellationToken cancellationToken)
    {
        string path = Path.Combine(Path.GetTempPath(), $"unixipc-tour-{Environment.ProcessId}.key");
        const int project = 'U';
        Heading($"System V shared memory: producer/consumer over ftok(\"{path}\", '{(char)project}')");
        File.WriteAllBytes(path, []);
        IpcKey key = IpcKey.FromPath(path, project);
        try
        {
            await StepAsync("producer", cancellationToken, "svshm-producer", path, project.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
            await StepAsync("consumer", cancellationToken, "svshm-consumer", path, project.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
            Check(!SystemVSharedMemory.TryOpenExisting(key, out _), $"no segment has key {key} any more");
        }
        finally
        {
            if (SystemVSharedMemory.TryOpenExisting(key, out SystemVSharedMemory? left))
            {
                left.Remove();
            }

            File.Delete(path);
        }
    }

    private async Task PosixMessageQueueAsync(CancellationToken cancellationToken)
    {
        string name = $"/unixipc_tour_{Environment.ProcessId}_mq";
        Heading("POSIX message queue: a priority queue over " + name);
        try
        {
            await StepAsync("producer", cancellationToken, "mq-producer", name).ConfigureAwait(false);
            await StepAsync("consumer", cancellationToken, "mq-consumer", name).ConfigureAwait(false);
            Check(!PosixMessageQueue.TryOpenExisting(name, out PosixMessageQueue? left), $"{name} no longer exists");
            left?.Dispose();
        }
        finally
        {
            PosixMessageQueue.TryUnlink(name);
        }
    }

    private async Task SystemVMessageQueueAsync(CancellationToken cancellationToken)
    {
        string path = Path.Combine(Path.GetTempPath(), $"unixipc-tour-{Environment.ProcessId}-msg.key");
        const int project = 'Q';
        Heading($"System V message queue: typed messages selected by type over ftok(\"{path}\", '{(char)project}')");
        File.WriteAllBytes(path, []);
        IpcKey key = IpcKey.FromPath(path, project);
        try
        {
            await StepAsync("producer", cancellationToken, "msg-producer", path, project.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
            await StepAsync("consumer", cancellationToken, "msg-consumer", path, project.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
            Check(!SystemVMessageQueue.TryOpenExisting(key, out _), $"no queue has key {key} any more");
        }
        finally
        {
            if (SystemVMessageQueue.TryOpenExisting(key, out SystemVMessageQueue? left))
            {
                left.Remove();
            }

            File.Delete(path);
        }
    }

    private async Task SynchronisedWritersAsync(CancellationToken cancellationToken)
    {
        string file = Path.Combine(Path.GetTempPath(), $"unixipc-tour-{Environment.ProcessId}-writers.txt");
        string gate = $"/unixipc_tour_{Environment.ProcessId}_gate";
        string mutex = $"/unixipc_tour_{Environment.ProcessId}_mutex";
        Heading("Synchronised writers: five processes append 0123456789 to one file, without and then with a named semaphore");
        try
        {
            using var gateSemaphore = PosixSemaphore.CreateNew(gate, 0);
            using var mutexSemaphore = PosixSemaphore.CreateNew(mutex, 1);
            foreach (string? lockName in new[] { null, mutex })
            {
                File.WriteAllBytes(file, []);
                await RunTogetherAsync("writer", 5, () => gateSemaphore.Release(5), lockName is null ? ["writer", file, gate] : ["writer", file, gate, lockName], cancellationToken).ConfigureAwait(false);
                string text = await File.ReadAllTextAsync(file, cancellationToken).ConfigureAwait(false);
                bool clean = text == string.Concat(Enumerable.Repeat("0123456789", 5));
                Line("tour", Environment.ProcessId, $"the file now reads {text}");
                if (lockName is null)
                {
                    // Informational: what a race does varies from run to run.
                    Line("tour", Environment.ProcessId, clean
                        ? "(the writers happened not to overlap this time; run again to see them interleave)"
                        : text.Length == 50
                            ? "without a lock the writers' digits interleave"
                            : $"without a lock the writers' digits interleave, and {50 - text.Length} digit(s) were overwritten where two wrote at the same place");
                }
                else
                {
                    Check(clean, $"with {lockName} as a mutex: five clean runs of 0123456789");
                }
            }
        }
        finally
        {
            PosixSemaphore.TryUnlink(gate);
            PosixSemaphore.TryUnlink(mutex);
            File.Delete(file);
        }
    }

    private async Task AlternationAsync(CancellationToken cancellationToken)
    {
        string ping = $"/unixipc_tour_{Environment.ProcessId}_ping";
        string pong = $"/unixipc_tour_{Environment.ProcessId}_pong";
        string log = Path.Combine(Path.GetTempPath(), $"unixipc-tour-{Environment.ProcessId}-turns.txt");
        const int Rounds = 5;
        Heading($"Strict alternation: two processes take turns over two named semaphores ({ping} starts at 1, {pong} at 0)");
        try
        {
            using var pingSemaphore = PosixSemaphore.CreateNew(ping, 1);
            using var pongSemaphore = PosixSemaphore.CreateNew(pong, 0);
            File.WriteAllBytes(log, []);
            string rounds = Rounds.ToString(CultureInfo.InvariantCulture);
            Task first = StepAsync("ping", cancellationToken, "pingpong", ping, pong, "ping", log, rounds);
            Task second = StepAsync("pong", cancellationToken, "pingpong", pong, ping, "pong", log, rounds);
            await Task.WhenAll(first, second).ConfigureAwait(false);
            string[] turns = await File.ReadAllLinesAsync(log, cancellationToken).ConfigureAwait(false);
            foreach (string turn in turns)
            {
                Line("log", Environment.ProcessId, turn);
            }

            bool alternated = turns.Length == 2 * Rounds && turns.Select((t, i) => t.StartsWith(i % 2 == 0 ? $"ping {i / 2} " : $"pong {i / 2} ", StringComparison.Ordinal)).All(ok => ok);
            Check(alternated, "ping and pong strictly alternated");
        }
        finally
        {
            PosixSemaphore.TryUnlink(ping);
            PosixSemaphore.TryUnlink(pong);
            File.Delete(log);
        }
    }

    private async Task ChannelAsync(CancellationToken cancellationToken)
    {
        await ChannelAsync(ChannelDelivery.Queue, cancellationToken).ConfigureAwait(false);
        await ChannelAsync(ChannelDelivery.Broadcast, cancellationToken).ConfigureAwait(false);
        await ChannelOverrunAsync(cancellationToken).ConfigureAwait(false);
    }

    // Broadcast with overrun: the producer never waits; a subscriber that looks away is lapped, skips ahead,
    // and is told exactly how many messages it missed.
    private async Task ChannelOverrunAsync(CancellationToken cancellationToken)
    {
        string name = $"/unixipc_tour_{Environment.ProcessId}_overrun";
        const int Count = 100_000;
        Heading($"Shared-memory channel, broadcast with overrun: the producer never waits; a subscriber that looks away skips ahead and learns how many of {Count} messages it lost, over {name}");
        try
        {
            using SharedMemoryChannel channel = SharedMemoryChannel.CreateNew(name, new SharedMemoryChannelOptions
            {
                Capacity = 1 << 16,
                Delivery = ChannelDelivery.Broadcast,
                SlowSubscribers = SlowSubscriberPolicy.Overrun,
            });
            var lines = new List<string>();
            await RunTogetherAsync("subscriber", 1, () => { }, ["channel-lagging-subscriber", name, Count.ToString(CultureInfo.InvariantCulture)], _ => StepAsync("producer", cancellationToken, "channel-producer", name, Count.ToString(CultureInfo.InvariantCulture), "1"), lines, cancellationToken).ConfigureAwait(false);

            string? report = lines.LastOrDefault(l => l.Contains(" received ", StringComparison.Ordinal));
            string[] words = report?.Split(' ') ?? [];
            int at = Array.IndexOf(words, "received");
            bool parsed = at >= 0 && words.Length > at + 6;
            long received = parsed ? long.Parse(words[at + 1], CultureInfo.InvariantCulture) : -1;
            long lost = parsed ? long.Parse(words[at + 6].TrimEnd(';'), CultureInfo.InvariantCulture) : -1;
            Check(parsed && received + lost == Count && report!.EndsWith("yes", StringComparison.Ordinal), $"the subscriber received {received} and was told it lost {lost}: {Count} in all, every gap accounted for");
            SharedMemoryChannelStatus status = channel.Stat();
            Line("tour", Environment.ProcessId, $"channel counters: {status.MessagesWritten} written, {status.MessagesRead} read, {status.MessagesLost} lost (overrun {status.Overruns} time(s)), {status.Waits} sleeps");
        }
        finally
        {
            SharedMemoryChannel.TryUnlink(name);
        }
    }

    private async Task ChannelAsync(ChannelDelivery delivery, CancellationToken cancellationToken)
    {
        bool broadcast = delivery == ChannelDelivery.Broadcast;
        string name = $"/unixipc_tour_{Environment.ProcessId}_{(broadcast ? "broadcast" : "channel")}";
        const int Count = 100_000;
        Heading(broadcast
            ? $"Shared-memory channel, broadcast: one producer, two subscribers, each sees all {Count} messages, over {name}"
            : $"Shared-memory channel, queue: one producer, two competing consumers, {Count} messages over {name}");
        try
        {
            using SharedMemoryChannel channel = SharedMemoryChannel.CreateNew(name, new SharedMemoryChannelOptions { Capacity = 1 << 16, Delivery = delivery });
            var lines = new List<string>();
            // The consumers register and wait first; then the producer runs alongside them.
            string role = broadcast ? "subscriber" : "consumer";
            string stops = broadcast ? "1" : "2"; // one stop reaches every subscriber; a queue needs one per consumer
            await RunTogetherAsync(role, 2, () => { }, ["channel-consumer", name], _ => StepAsync("producer", cancellationToken, "channel-producer", name, Count.ToString(CultureInfo.InvariantCulture), stops), lines, cancellationToken).ConfigureAwait(false);

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
                Check(received.Count == 2 && received.All(r => r == (Count, all)), $"both subscribers saw all {Count} messages");
            }
            else
            {
                Check(received.Sum(r => r.Count) == Count && received.Sum(r => r.Sum) == all, $"the two consumers shared the {Count} messages, each exactly once");
            }

            SharedMemoryChannelStatus status = channel.Stat();
            Line("tour", Environment.ProcessId, $"channel counters: {status.MessagesWritten} written, {status.MessagesRead} read, {status.Waits} sleeps, {status.Wakeups} futex wake-ups");
        }
        finally
        {
            SharedMemoryChannel.TryUnlink(name);
        }
    }

    // Starts COUNT processes of ROLE, waits until each says it is ready, calls GO, then relays their lines.
    private Task RunTogetherAsync(string role, int count, Action go, string[] arguments, CancellationToken cancellationToken)
        => RunTogetherAsync(role, count, go, arguments, null, null, cancellationToken);

    // With THEN: once all are ready (and GO ran), THEN runs alongside them; their lines also go to LINES.
    private async Task RunTogetherAsync(string role, int count, Action go, string[] arguments, Func<IReadOnlyList<Process>, Task>? then, List<string>? lines, CancellationToken cancellationToken)
    {
        var processes = new List<Process>();
        try
        {
            for (int i = 0; i < count; i++)
            {
                processes.Add(Process.Start(SelfLauncher.StartInfo(["tour-step", .. arguments])) ?? throw new InvalidOperationException("could not start a tour process"));
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(StepTimeout);
            foreach (Process process in processes)
            {
                string? ready = await process.StandardOutput.ReadLineAsync(timeout.Token).ConfigureAwait(false);
                if (ready != "0 ready")
                {
                    throw new InvalidOperationException($"{role} (pid {process.Id}) did not start: {await process.StandardError.ReadToEndAsync(timeout.Token).ConfigureAwait(false)}");
                }
            }

            Line("tour", Environment.ProcessId, then is null ? $"{count} {role}s are waiting at the start gate; opening it" : count == 1 ? $"the {role} is registered and waiting" : $"{count} {role}s are registered and waiting");
            go();
            Task alongside = then?.Invoke(processes) ?? Task.CompletedTask;
            foreach (Process process in processes)
            {
                string? line;
                while ((line = await process.StandardOutput.ReadLineAsync(timeout.Token).ConfigureAwait(false)) is not null)
                {
                    int space = line.IndexOf(' ', StringComparison.Ordinal);
                    Line(role, process.Id, $"{line[(space + 1)..]}  ({FormatMicros(line[..space])})");
                    lines?.Add(line);
                }

                await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
                Check(process.ExitCode == 0, $"{role} (pid {process.Id}) exited with {process.ExitCode}");
            }

            await alongside.ConfigureAwait(false);
        }
        finally
        {
            foreach (Process process in processes)
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }

                process.Dispose();
            }
        }
    }

    private async Task StepAsync(string role, CancellationToken cancellationToken, params string[] arguments)
    {
        var started = Stopwatch.StartNew();
        using var process = Process.Start(SelfLauncher.StartInfo(["tour-step", .. arguments]))
            ?? throw new InvalidOperationException("could not start a tour process");
        Task<string> errors = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StepTimeout);
        try
        {
            string? line;
            bool first = true;
            while ((line = await process.StandardOutput.ReadLineAsync(timeout.Token).ConfigureAwait(false)) is not null)
            {
                int space = line.IndexOf(' ', StringComparison.Ordinal);
                string micros = space > 0 ? line[..space] : "?";
                string text = space > 0 ? line[(space + 1)..] : line;
                string startup = first ? string.Create(CultureInfo.InvariantCulture, $", process start {started.Elapsed.TotalMilliseconds:F0} ms") : string.Empty;
                Line(role, process.Id, $"{text}  ({FormatMicros(micros)}{startup})");
                first = false;
            }

            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        string stderr = (await errors.ConfigureAwait(false)).Trim();
        Check(process.ExitCode == 0, $"{role} (pid {process.Id}) exited with {process.ExitCode}{(stderr.Length > 0 ? ": " + stderr : string.Empty)}");
    }

    private void Heading(string text)
    {
        _console.Out.WriteLine();
        _console.Out.WriteLine("== " + text);
    }

    private void Check(bool ok, string what)
    {
        if (!ok)
        {
            _failures++;
        }

        Line("tour", Environment.ProcessId, (ok ? "ok: " : "FAILED: ") + what);
    }

    private void Line(string role, int pid, string text)
        => _console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{_clock.Elapsed.TotalMilliseconds,8:F1} ms] {role,-8} pid {pid,-7} {text}"));

    private static string FormatMicros(string micros)
        => double.TryParse(micros, NumberStyles.Float, CultureInfo.InvariantCulture, out double us)
            ? (us >= 1000 ? string.Create(CultureInfo.InvariantCulture, $"{us / 1000:F2} ms") : string.Create(CultureInfo.InvariantCulture, $"{us:F0} µs"))
            : micros;
}

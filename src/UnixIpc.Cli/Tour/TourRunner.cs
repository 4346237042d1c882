using System.Diagnostics;
using System.Globalization;

namespace UnixIpc.Cli;

/// <summary>
/// Runs the tour's scenarios: each starts real child processes (this CLI's hidden <c>tour-step</c>),
/// prints what every process did, in order, with timings, checks the outcome, and cleans up.
/// </summary>
internal sealed class TourRunner
{
    /// <summary>Every scenario, in the order the tour runs them: a new mechanism adds its file and a line here.</summary>
    public static readonly IReadOnlyList<TourScenario> Scenarios =
    [
        new PosixSharedMemoryTour(),
        new SystemVSharedMemoryTour(),
        new PosixMessageQueueTour(),
        new SystemVMessageQueueTour(),
        new SynchronisedWritersTour(),
        new AlternationTour(),
        new ChannelTour(),
        new PipeTour(),
        new PipelineTour(),
        new FifoTour(),
        new ZombieTour(),
        new SignalTour(),
        new UnixSocketTour(),
        new GrpcTour(),
    ];

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
        foreach (TourScenario scenario in Scenarios)
        {
            await scenario.RunAsync(this, cancellationToken).ConfigureAwait(false);
        }
        _console.Out.WriteLine();
        _console.Out.WriteLine(_failures == 0 ? "tour finished: every scenario passed, nothing left behind." : $"tour finished: {_failures} check(s) failed.");
        return _failures == 0 ? CliExitCode.Success : CliExitCode.Failed;
    }

    // Starts COUNT processes of ROLE, waits until each says it is ready, calls GO, then relays their lines.
    internal Task RunTogetherAsync(string role, int count, Action go, string[] arguments, CancellationToken cancellationToken)
        => RunTogetherAsync(role, count, go, arguments, null, null, cancellationToken);

    // With THEN: once all are ready (and GO ran), THEN runs alongside them; their lines also go to LINES.
    internal async Task RunTogetherAsync(string role, int count, Action go, string[] arguments, Func<IReadOnlyList<Process>, Task>? then, List<string>? lines, CancellationToken cancellationToken)
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
                Stop(process);
                process.Dispose();
            }
        }
    }

    internal async Task StepAsync(string role, CancellationToken cancellationToken, params string[] arguments)
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
            Stop(process);
            throw;
        }

        string stderr = (await errors.ConfigureAwait(false)).Trim();
        Check(process.ExitCode == 0, $"{role} (pid {process.Id}) exited with {process.ExitCode}{(stderr.Length > 0 ? ": " + stderr : string.Empty)}");
    }

    /// <summary>Options that start this CLI's <c>tour-step</c> through <see cref="ChildProcess"/>, its stdout a pipe for <see cref="RelayAsync"/>.</summary>
    internal static ChildProcessOptions StepOptions(params string[] arguments)
    {
        ProcessStartInfo info = SelfLauncher.StartInfo(["tour-step", .. arguments]);
        return new ChildProcessOptions(info.FileName, info.ArgumentList)
        {
            StandardOutput = ChildDescriptor.Pipe,
            Environment = info.Environment.Where(e => e.Value is not null).ToDictionary(e => e.Key, e => e.Value!),
        };
    }

    /// <summary>Relays a <see cref="ChildProcess"/> step's lines (MICROS TEXT) until it exits; kills it if the step time-out passes.</summary>
    internal async Task<ChildExitStatus> RelayAsync(string role, ChildProcess child, CancellationToken cancellationToken, Func<string, Task>? onLine = null)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StepTimeout);
        try
        {
            using var reader = new StreamReader(child.StandardOutput!, leaveOpen: true);
            while (await reader.ReadLineAsync(timeout.Token).ConfigureAwait(false) is { } line)
            {
                int space = line.IndexOf(' ', StringComparison.Ordinal);
                Line(role, child.ProcessId, space > 0 ? $"{line[(space + 1)..]}  ({FormatMicros(line[..space])})" : line);
                if (onLine is not null)
                {
                    await onLine(line[(space + 1)..]).ConfigureAwait(false);
                }
            }

            ChildExitStatus status = await child.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            Check(status.Success, $"{role} (pid {child.ProcessId}) {status}");
            return status;
        }
        catch
        {
            Stop(child); // timed out, interrupted or failed: no step is left running
            throw;
        }
    }

    // A step still running when the tour stops early (interrupt, time-out, failure) is killed at once: steps are
    // synchronous and do not watch for cancellation, and the tour itself must finish its clean-up (removing the objects
    // it named) well inside the 3 s the CLI gives an interrupted verb. Steps run with DOTNET_EnableDiagnostics=0
    // (SelfLauncher), so a killed step leaves no runtime files in TMPDIR.
    internal static void Stop(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // it ended meanwhile
        }
    }

    internal static void Stop(ChildProcess child) => child.Kill(); // through its pidfd: never a reused pid

    internal void Heading(string text)
    {
        _console.Out.WriteLine();
        _console.Out.WriteLine("== " + text);
    }

    internal void Check(bool ok, string what)
    {
        if (!ok)
        {
            _failures++;
        }

        Line("tour", Environment.ProcessId, (ok ? "ok: " : "FAILED: ") + what);
    }

    internal void Line(string role, int pid, string text)
        => _console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{_clock.Elapsed.TotalMilliseconds,8:F1} ms] {role,-8} pid {pid,-7} {text}"));

    private static string FormatMicros(string micros)
        => double.TryParse(micros, NumberStyles.Float, CultureInfo.InvariantCulture, out double us)
            ? (us >= 1000 ? string.Create(CultureInfo.InvariantCulture, $"{us / 1000:F2} ms") : string.Create(CultureInfo.InvariantCulture, $"{us:F0} µs"))
            : micros;
}

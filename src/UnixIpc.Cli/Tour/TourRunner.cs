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

using System.Diagnostics;
using System.Globalization;
using static UnixIpc.Cli.TourSteps;

namespace UnixIpc.Cli;

/// <summary>
/// Signals between real processes: the seeds' handshake over a System V segment (SIGUSR1 there and back), and
/// "signals aren't queued" (ten pending SIGUSR1 are one delivery; ten real-time signals are ten, with values).
/// </summary>
internal sealed class SignalTour : TourScenario
{
    public override IReadOnlyDictionary<string, Action<string[], TextWriter>> Roles { get; } = new Dictionary<string, Action<string[], TextWriter>>
    {
        ["signal-child"] = (a, o) => HandshakeChild(int.Parse(a[0], CultureInfo.InvariantCulture), int.Parse(a[1], CultureInfo.InvariantCulture), o),
        ["signal-counter"] = (_, o) => Counter(o),
        ["sigchld-parent"] = (_, o) => ChildExitParent(o),
    };

    private static readonly int[] Numbers = [3, 1, 4, 1, 5, 9, 2, 6];

    public override async Task RunAsync(TourRunner tour, CancellationToken cancellationToken)
    {
        await HandshakeAsync(tour, cancellationToken).ConfigureAwait(false);
        await NotQueuedAsync(tour, cancellationToken).ConfigureAwait(false);
        await ChildExitAsync(tour, cancellationToken).ConfigureAwait(false);
    }

    private static async Task ChildExitAsync(TourRunner tour, CancellationToken cancellationToken)
    {
        tour.Heading("SIGCHLD: a parent is told its child exited, with the child's pid and status, and no zombie remains");
        ChildProcessOptions options = TourRunner.StepOptions("sigchld-parent");
        options.BlockedSignals.Add(UnixSignal.Child);
        using ChildProcess parent = ChildProcess.Start(options);
        var lines = new List<string>();
        await tour.RelayAsync("parent", parent, cancellationToken, line =>
        {
            lines.Add(line);
            return Task.CompletedTask;
        }).ConfigureAwait(false);
        tour.Check(lines.Any(l => l.Contains("exited with 7", StringComparison.Ordinal)) && lines.Any(l => l.StartsWith("no zombie", StringComparison.Ordinal)), "SIGCHLD named the child and its exit status 7, and the child was reaped");
    }

    private static async Task HandshakeAsync(TourRunner tour, CancellationToken cancellationToken)
    {
        tour.Heading("Signals: parent and child hand over a System V segment with SIGUSR1 there and back");
        SystemVSharedMemory segment = SystemVSharedMemory.CreateNew(IpcKey.Private, Numbers.Length * sizeof(int));
        try
        {
            using (MappedRegion region = segment.Attach())
            {
                for (int i = 0; i < Numbers.Length; i++)
                {
                    region.Write(i * sizeof(int), Numbers[i]);
                }
            }

            tour.Line("tour", Environment.ProcessId, $"shmget(IPC_PRIVATE) = {segment.Id}, filled with {string.Join(' ', Numbers)}");
            using SignalListener back = SignalListener.Create(UnixSignal.User1); // before the child can answer
            ChildProcessOptions options = TourRunner.StepOptions("signal-child", segment.Id.ToString(CultureInfo.InvariantCulture), Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
            options.BlockedSignals.Add(UnixSignal.User1); // so its listener reads a signalfd and sees who sent
            using ChildProcess child = ChildProcess.Start(options);
            Task<ChildExitStatus> relay = tour.RelayAsync("child", child, cancellationToken, line =>
            {
                if (line.StartsWith("waiting", StringComparison.Ordinal))
                {
                    UnixSignal.User1.Send(child.ProcessId);
                    tour.Line("tour", Environment.ProcessId, $"kill({child.ProcessId}, SIGUSR1): the numbers are ready");
                }

                return Task.CompletedTask;
            });

            SignalInfo answer = await back.ReceiveAsync(cancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
            tour.Line("tour", Environment.ProcessId, back.KnowsSender
                ? $"got {answer.Signal.Name} from pid {answer.SenderProcessId}"
                : $"got {answer.Signal.Name} (this process was not started with it blocked, so the runtime's handler took it: no sender pid)");
            await relay.ConfigureAwait(false);
            segment.Remove();
            tour.Check(true, $"handshake done; segment {segment.Id} removed");
        }
        finally
        {
            segment.TryRemove();
        }
    }

    private static async Task NotQueuedAsync(TourRunner tour, CancellationToken cancellationToken)
    {
        tour.Heading("Signals aren't queued: ten SIGUSR1 while pending, against ten SIGRTMIN+2 with values");
        UnixSignal rt = UnixSignal.RealTime(2), end = UnixSignal.RealTime(3);
        ChildProcessOptions options = TourRunner.StepOptions("signal-counter");
        options.StandardInput = ChildDescriptor.Pipe;
        foreach (UnixSignal signal in new[] { UnixSignal.User1, rt, end })
        {
            options.BlockedSignals.Add(signal);
        }

        using ChildProcess counter = ChildProcess.Start(options);
        var lines = new List<string>();
        Task<ChildExitStatus> relay = tour.RelayAsync("counter", counter, cancellationToken, async line =>
        {
            lines.Add(line);
            if (line.StartsWith("blocked", StringComparison.Ordinal))
            {
                for (int i = 1; i <= 10; i++)
                {
                    UnixSignal.User1.Send(counter.ProcessId);
                    rt.Queue(counter.ProcessId, i);
                }

                end.Send(counter.ProcessId); // the highest number: taken last
                tour.Line("tour", Environment.ProcessId, $"sent SIGUSR1 ×10 and {rt.Name} ×10 (values 1 to 10), then {end.Name}; all pending there");
                await counter.StandardInput!.WriteAsync("go\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
                counter.StandardInput.Dispose();
            }
        });
        await relay.ConfigureAwait(false);
        tour.Check(lines.Any(l => l.StartsWith("SIGUSR1: 1 delivery", StringComparison.Ordinal)), "the ten pending SIGUSR1 merged into one delivery");
        tour.Check(lines.Any(l => l.StartsWith($"{rt.Name}: 10 deliveries, values 1 2 3 4 5 6 7 8 9 10", StringComparison.Ordinal)), $"the ten {rt.Name} were queued: ten deliveries, in order, with their values");
    }

    private static void HandshakeChild(int segmentId, int parent, TextWriter output)
    {
        var clock = Stopwatch.StartNew();
        using SignalListener listener = SignalListener.Create(UnixSignal.User1);
        Say(output, clock, $"waiting for SIGUSR1 ({(listener.KnowsSender ? "signalfd: started with it blocked" : "runtime handler")})");
        SignalInfo woken = listener.ReceiveAsync().AsTask().GetAwaiter().GetResult();
        Say(output, clock, $"woken by {woken.Signal.Name} from pid {woken.SenderProcessId?.ToString(CultureInfo.InvariantCulture) ?? "?"} (code {CliFormat.Code(woken.Code)})");
        SystemVSharedMemory segment = SystemVSharedMemory.FromId(segmentId);
        using (MappedRegion region = segment.Attach(readOnly: true))
        {
            int[] numbers = [.. Enumerable.Range(0, Numbers.Length).Select(i => region.Read<int>(i * sizeof(int)))];
            Say(output, clock, $"shmat({segmentId}) reads {string.Join(' ', numbers)}");
        }

        UnixSignal.User1.Send(parent);
        Say(output, clock, $"kill({parent}, SIGUSR1): done");
    }

    private static void ChildExitParent(TextWriter output)
    {
        var clock = Stopwatch.StartNew();
        using SignalListener listener = SignalListener.Create(UnixSignal.Child);
        using ChildProcess child = ChildProcess.Start("sh", "-c", "exit 7");
        Say(output, clock, $"started sh -c 'exit 7' (pid {child.ProcessId}); waiting for SIGCHLD");
        SignalInfo s = listener.ReceiveAsync().AsTask().GetAwaiter().GetResult();
        Say(output, clock, $"{s.Signal.Name} from pid {s.SenderProcessId?.ToString(CultureInfo.InvariantCulture) ?? "?"}: code {CliFormat.Code(s.Code)}, {s.ChildStatus?.ToString() ?? "status unknown"}");
        ChildExitStatus status = child.WaitForExit();
        bool gone = !File.Exists($"/proc/{child.ProcessId}/stat") || !File.ReadAllText($"/proc/{child.ProcessId}/stat").Contains(") Z ", StringComparison.Ordinal);
        Say(output, clock, gone ? $"no zombie: pid {child.ProcessId} was reaped ({status})" : $"pid {child.ProcessId} is still a zombie");
    }

    private static void Counter(TextWriter output)
    {
        var clock = Stopwatch.StartNew();
        UnixSignal rt = UnixSignal.RealTime(2), end = UnixSignal.RealTime(3);
        Say(output, clock, $"blocked SIGUSR1, {rt.Name}, {end.Name} from the start; not reading until told");
        Console.In.ReadLine(); // "go": everything has been sent and is pending
        using SignalListener listener = SignalListener.Create(UnixSignal.User1, rt, end);
        int usr1 = 0;
        var values = new List<int>();
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30)); // the tour sends at once; run by hand, nobody may
        while (true)
        {
            SignalInfo s;
            try
            {
                s = listener.ReceiveAsync(bound.Token).AsTask().GetAwaiter().GetResult();
            }
            catch (OperationCanceledException) when (bound.IsCancellationRequested)
            {
                throw new UnixIpcException(Errno.ETIMEDOUT, "signalfd read", $"tour-step signal-counter: no {end.Name} within 30 s");
            }

            if (s.Signal == end)
            {
                break;
            }

            if (s.Signal == UnixSignal.User1)
            {
                usr1++;
            }
            else
            {
                values.Add(s.Value ?? -1);
            }
        }

        Say(output, clock, $"SIGUSR1: {usr1} delivery for 10 sends (a standard signal is pending or not: no count)");
        Say(output, clock, $"{rt.Name}: {values.Count} deliveries, values {string.Join(' ', values)}");
    }
}

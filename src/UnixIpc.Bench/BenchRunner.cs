using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;

namespace UnixIpc.Benchmarking;

/// <summary>How much a run measures, and how it starts a .NET side (the CLI's hidden verb, given the side's arguments).</summary>
internal sealed record BenchSettings(
    IReadOnlyList<BenchMechanism> Mechanisms,
    int Rounds,
    int RoundTrips,
    int Messages,
    int BulkMessages,
    int WakeUps,
    Func<IReadOnlyList<string>, ChildProcessOptions> DotNetSide)
{
    /// <summary>Per round: 20 000 round trips (5 rounds: a histogram of 100 000), 100 000 messages of 64 B, 10 000 of 64 KiB, 2000 wake-ups.</summary>
    public static BenchSettings Full(IReadOnlyList<BenchMechanism> mechanisms, int rounds, Func<IReadOnlyList<string>, ChildProcessOptions> side)
        => new(mechanisms, rounds, 20_000, 100_000, 10_000, 2000, side);

    /// <summary>A smoke run: one round, 2000 round trips, 10 000 messages (250 of 64 KiB), 200 wake-ups.</summary>
    public static BenchSettings Quick(IReadOnlyList<BenchMechanism> mechanisms, Func<IReadOnlyList<string>, ChildProcessOptions> side)
        => new(mechanisms, 1, 2000, 10_000, 250, 200, side);

    /// <summary>How the .NET sides' code is compiled, as the report states it (the CLI chooses: tiered compilation off, or the runtime's defaults).</summary>
    public string DotNetCode { get; init; } = "tiered compilation off";

    /// <summary>How many round trips, messages or wake-ups one measurement of <paramref name="measure"/> times.</summary>
    public int CountFor(BenchMeasure measure) => measure.IsWakeUp ? WakeUps : measure.IsLatency ? RoundTrips : measure.IsBulk ? BulkMessages : Messages;
}

/// <summary>
/// Runs <c>unixipc bench</c>: for each round, each mechanism, each figure, the C pair, then UnixIpc, then .NET's own
/// type (A, B, C, A, B, C…), every measurement two fresh processes the harness starts on objects it made and removes.
/// </summary>
internal sealed class BenchRunner(BenchSettings settings, IBenchProgress progress)
{
    /// <summary>The longest one measurement may take before its two processes are killed.</summary>
    public static readonly TimeSpan MeasurementTimeout = TimeSpan.FromMinutes(2);

    private int serial;

    public async Task<BenchReport> RunAsync(CancellationToken cancellationToken)
    {
        string scratch = Directory.CreateTempSubdirectory($"unixipc_bench_{Environment.ProcessId}_").FullName;
        try
        {
            (string? c, string? note) = await BuildCAsync(scratch, cancellationToken).ConfigureAwait(false);
            var report = new BenchReport(settings, c is not null, note);
            progress.Start(settings.Rounds * settings.Mechanisms.Sum(m => m.Measures.Where(x => m.Unmeasurable(x) is null).Sum(x => Implementations(m, x, c is not null).Count())));
            for (int round = 1; round <= settings.Rounds; round++)
            {
                foreach (BenchMechanism mechanism in settings.Mechanisms)
                {
                    foreach (BenchMeasure measure in mechanism.Measures)
                    {
                        if (mechanism.Unmeasurable(measure) is string reason)
                        {
                            report.Skip(mechanism, measure, reason);
                            continue;
                        }

                        if (c is not null && mechanism.NoNative(measure) is string why)
                        {
                            report.AddNote(why);
                        }

                        foreach (string implementation in Implementations(mechanism, measure, c is not null))
                        {
                            progress.Next(round, settings.Rounds, mechanism, measure, implementation);
                            BenchResult result = await MeasureAsync(mechanism, measure, implementation, implementation == "c" ? c : null, settings.CountFor(measure) * mechanism.CountScale(measure), scratch, cancellationToken).ConfigureAwait(false);
                            report.Add(mechanism, measure, implementation, result);
                        }
                    }
                }
            }

            return report;
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    /// <summary>Who measures a figure, in the order of a round: C (when built and it has the figure), UnixIpc, .NET's own type.</summary>
    private static IEnumerable<string> Implementations(BenchMechanism mechanism, BenchMeasure measure, bool hasC)
    {
        if (hasC && mechanism.HasNative(measure))
        {
            yield return "c";
        }

        if (mechanism.ThroughUnixIpc)
        {
            yield return "unixipc";
        }

        if (mechanism.DotNetBaseline is not null)
        {
            yield return "dotnet";
        }
    }

    /// <summary>Builds native/bench_side.c (embedded, with cpu_pin.h) with gcc: the binary, or null and why not.</summary>
    private static async Task<(string? Binary, string? Note)> BuildCAsync(string scratch, CancellationToken cancellationToken)
    {
        string source = Path.Combine(scratch, "bench_side.c"), binary = Path.Combine(scratch, "bench_side");
        foreach (string name in new[] { "bench_side.c", "cpu_pin.h", "fan_rings.h" })
        {
            using Stream resource = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)!;
            using FileStream file = File.Create(Path.Combine(scratch, name));
            await resource.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
        }

        ChildProcessOutput gcc;
        try
        {
            gcc = await ChildProcess.RunAsync(new ChildProcessOptions("gcc", "-O2", "-o", binary, source, "-lrt", "-pthread"), cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (UnixIpcException e) when (e.Error == Errno.ENOENT)
        {
            return (null, "gcc not found: the C columns are n/a (install gcc for the C baselines)");
        }

        return gcc.Status.Success
            ? (binary, null)
            : (null, "gcc could not build the C baselines, so the C columns are n/a: " + System.Text.Encoding.UTF8.GetString(gcc.StandardError).ReplaceLineEndings(" ").Trim());
    }

    /// <summary>One measurement: the peer, then the measuring side; its samples (latency) or its rate (throughput).</summary>
    private async Task<BenchResult> MeasureAsync(BenchMechanism mechanism, BenchMeasure measure, string implementation, string? cBinary, int count, string scratch, CancellationToken cancellationToken)
    {
        using BenchObjects objects = mechanism.Prepare(implementation, measure, scratch, ++serial);
        string[] common = [cBinary is null ? mechanism.Name : mechanism.NativeName, "", measure.Mode, Text(measure.Size), Text(count)];
        ChildProcessOptions Side(string role, IEnumerable<string> arguments, Dictionary<int, ChildDescriptor> descriptors)
        {
            common[1] = role;
            string[] all = [.. common, .. arguments];
            ChildProcessOptions options = cBinary is not null ? new ChildProcessOptions(cBinary, all) : settings.DotNetSide([implementation, .. all]);
            foreach ((int number, ChildDescriptor descriptor) in descriptors)
            {
                options.Descriptors[number] = descriptor;
            }

            if (objects.BlockSignals)
            {
                options.BlockedSignals.Add(SignalEnd.There);
                options.BlockedSignals.Add(SignalEnd.Back);
            }

            options.StandardInput = ChildDescriptor.Null;
            options.StandardError = ChildDescriptor.Pipe;
            return options;
        }

        // The peers first (a fan figure has several: each gets its index last), then the measuring side.
        var peers = new List<ChildProcess>();
        ChildProcess measurer;
        try
        {
            for (int index = 0; index < measure.Peers; index++)
            {
                string[] peerArguments = objects.MeasureGetsPeerId ? [] : measure.Peers > 1 ? [.. objects.Arguments, Text(index)] : [.. objects.Arguments];
                ChildProcessOptions peerOptions = Side("peer", peerArguments, objects.Peer);
                peerOptions.StandardOutput = ChildDescriptor.Null;
                peers.Add(ChildProcess.Start(peerOptions));
            }

            ChildProcessOptions measureOptions = Side("measure", objects.MeasureGetsPeerId ? [Text(peers[0].ProcessId)] : objects.Arguments, objects.Measure);
            measureOptions.StandardOutput = ChildDescriptor.Pipe;
            measurer = ChildProcess.Start(measureOptions);
        }
        catch
        {
            foreach (ChildProcess started in peers)
            {
                started.Kill();
                started.Dispose();
            }

            throw;
        }

        try
        {
            using (measurer)
            {
                objects.CloseDescriptors();
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(MeasurementTimeout);
                using CancellationTokenRegistration kill = timeout.Token.Register(() =>
                {
                    measurer.Kill();
                    peers.ForEach(p => p.Kill());
                });

                // A side that fails ends the others, which would otherwise wait for it until the time-out.
                Task<(ChildExitStatus, byte[])>[] answered = [.. peers.Select(p => ExitAsync(p, () => measurer.Kill()))];
                Task<(ChildExitStatus, byte[])> measuredTask = ExitAsync(measurer, () => peers.ForEach(p => p.Kill()));
                byte[] output = await ReadAllAsync(measurer.StandardOutput!).ConfigureAwait(false);
                (ChildExitStatus measured, byte[] measureErrors) = await measuredTask.ConfigureAwait(false);
                (ChildExitStatus Status, byte[] Errors)[] peerExits = await Task.WhenAll(answered).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
                if (timeout.IsCancellationRequested)
                {
                    throw new TimeoutException($"{implementation} {mechanism.Name} {measure.Label}: no result in {MeasurementTimeout.TotalSeconds} s");
                }

                if (!measured.Success || peerExits.Any(p => !p.Status.Success))
                {
                    string errors = System.Text.Encoding.UTF8.GetString([.. measureErrors, .. peerExits.SelectMany(p => p.Errors)]);
                    throw new InvalidOperationException($"{implementation} {mechanism.Name} {measure.Label}: measuring side {measured}, {(peers.Count == 1 ? "peer" : "peers")} {string.Join(", ", peerExits.Select(p => p.Status))}: {errors.ReplaceLineEndings(" ").Trim()}");
                }

                return measure.IsLatency
                    ? BenchResult.FromSamples(MemoryMarshal.Cast<byte, long>(output).ToArray(), count)
                    : BenchResult.FromRate(double.Parse(System.Text.Encoding.ASCII.GetString(output).Trim(), CultureInfo.InvariantCulture));
            }
        }
        finally
        {
            peers.ForEach(p => p.Dispose()); // after the time-out's registration, which may kill them, is gone
        }
    }

    // A side's exit and what it wrote to standard error; if it failed, onFailure ends the others.
    private static async Task<(ChildExitStatus, byte[])> ExitAsync(ChildProcess side, Action onFailure)
    {
        byte[] errors = await ReadAllAsync(side.StandardError!).ConfigureAwait(false);
        ChildExitStatus status = await side.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        if (!status.Success)
        {
            onFailure();
        }

        return (status, errors);
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer).ConfigureAwait(false);
        return buffer.ToArray();
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}

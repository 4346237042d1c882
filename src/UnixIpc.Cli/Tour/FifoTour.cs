using System.Diagnostics;
using static UnixIpc.Cli.TourSteps;

namespace UnixIpc.Cli;

/// <summary>A FIFO between two unrelated processes: the reader's blocking open waits until the writer opens.</summary>
internal sealed class FifoTour : TourScenario
{
    private static readonly string[] Lines = ["first line", "second line", "last line"];

    public override IReadOnlyDictionary<string, Action<string[], TextWriter>> Roles { get; } = new Dictionary<string, Action<string[], TextWriter>>
    {
        ["fifo-reader"] = (a, o) => Read(a[0], o),
        ["fifo-writer"] = (a, o) => Write(a[0], o),
    };

    public override async Task RunAsync(TourRunner tour, CancellationToken cancellationToken)
    {
        string path = Path.Combine(Path.GetTempPath(), $"unixipc_tour_{Environment.ProcessId}.fifo");
        tour.Heading("FIFO: two unrelated processes meet on " + path);
        using var cleanup = new TourCleanup(() => File.Delete(path));
        Fifo.Create(path);
        tour.Line("tour", Environment.ProcessId, $"mkfifo(\"{path}\", 0600)");
        using ChildProcess reader = ChildProcess.Start(TourRunner.StepOptions("fifo-reader", path));
        var waiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var received = new List<string>();
        Task<ChildExitStatus> readerDone = tour.RelayAsync("reader", reader, cancellationToken, line =>
        {
            if (line.StartsWith("open(", StringComparison.Ordinal))
            {
                waiting.TrySetResult(); // about to block in open: now start the writer
            }
            else if (line.StartsWith("read \"", StringComparison.Ordinal))
            {
                received.Add(line["read \"".Length..^1]);
            }

            return Task.CompletedTask;
        });

        await waiting.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        using ChildProcess writer = ChildProcess.Start(TourRunner.StepOptions("fifo-writer", path));
        await tour.RelayAsync("writer", writer, cancellationToken).ConfigureAwait(false);
        await readerDone.ConfigureAwait(false);
        tour.Check(received.SequenceEqual(Lines), $"the reader got every line, in order, then end of stream");
    }

    private static void Read(string path, TextWriter output)
    {
        var clock = Stopwatch.StartNew();
        Say(output, clock, "open(O_RDONLY) blocks until some process opens the FIFO for writing");
        using PipeEndStream fifo = Fifo.OpenRead(path);
        Say(output, clock, "opened: a writer has arrived");
        using var text = new StreamReader(fifo);
        while (text.ReadLine() is { } line)
        {
            Say(output, clock, $"read \"{line}\"");
        }

        Say(output, clock, "end of stream: the writer closed its end");
    }

    private static void Write(string path, TextWriter output)
    {
        var clock = Stopwatch.StartNew();
        using PipeEndStream fifo = Fifo.OpenWrite(path);
        Say(output, clock, "open(O_WRONLY): a reader was already waiting, so this returned at once");
        foreach (string line in Lines)
        {
            fifo.Write(System.Text.Encoding.UTF8.GetBytes(line + "\n"));
        }

        Say(output, clock, $"wrote {Lines.Length} lines; closing");
    }
}

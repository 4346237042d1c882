using System.Text;

namespace UnixIpc.Cli;

/// <summary>
/// <c>echo hello | wc -c</c> over kernel pipes, and the same with a write end deliberately kept open: the reader never
/// sees end of stream until that copy is closed.
/// </summary>
internal sealed class PipelineTour : TourScenario
{
    private static readonly TimeSpan Patience = TimeSpan.FromMilliseconds(500);

    public override IReadOnlyDictionary<string, Action<string[], TextWriter>> Roles { get; } = new Dictionary<string, Action<string[], TextWriter>>();

    public override async Task RunAsync(TourRunner tour, CancellationToken cancellationToken)
    {
        tour.Heading("Pipeline: echo hello | wc -c, and why a forgotten write end hangs the reader");
        var wc = new ChildProcessOptions("wc", "-c") { StandardOutput = ChildDescriptor.Pipe };
        using (Pipeline pipeline = Pipeline.Start(new ChildProcessOptions("echo", "hello"), wc))
        {
            tour.Line("tour", Environment.ProcessId, $"started {pipeline} (pids {string.Join(", ", pipeline.Stages.Select(s => s.ProcessId))}); this process holds no write end");
            string count = (await new StreamReader(pipeline.StandardOutput!).ReadToEndAsync(cancellationToken).ConfigureAwait(false)).Trim();
            IReadOnlyList<ChildExitStatus> statuses = await pipeline.WaitForExitAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
            tour.Line("tour", Environment.ProcessId, $"wc printed {count}; stages: {string.Join(", ", statuses)}");
            tour.Check(count == "6" && statuses.All(s => s.Success), "echo hello | wc -c printed 6 (\"hello\" and a newline)");
        }

        // The same by hand, but this process keeps its copy of the pipe's write end.
        using Pipe link = Pipe.Create();
        var reader = new ChildProcessOptions("wc", "-c") { StandardInput = link.Reader, StandardOutput = ChildDescriptor.Pipe };
        using ChildProcess counter = ChildProcess.Start(reader);
        link.Reader.Dispose();
        var writer = new ChildProcessOptions("echo", "hello") { StandardOutput = link.Writer };
        using ChildProcess echo = ChildProcess.Start(writer);
        await echo.WaitForExitAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        bool stuck = !counter.TryWaitForExit(Patience, out _);
        tour.Line("tour", Environment.ProcessId, $"echo (pid {echo.ProcessId}) has exited, but this process still holds the write end: wc (pid {counter.ProcessId}) {(stuck ? $"is still waiting after {Patience.TotalMilliseconds} ms" : "finished anyway")}");
        tour.Check(stuck, "with a write end still open somewhere, the reader gets no end of stream");
        link.Writer.Dispose();
        tour.Line("tour", Environment.ProcessId, "closed our copy of the write end: the last one, so end of stream reaches wc");
        string late = (await new StreamReader(counter.StandardOutput!, Encoding.UTF8).ReadToEndAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false)).Trim();
        ChildExitStatus status = await counter.WaitForExitAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        tour.Check(late == "6" && status.Success, $"wc then printed {late} and {status}");
    }
}

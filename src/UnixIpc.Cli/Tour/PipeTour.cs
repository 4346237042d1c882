using System.Diagnostics;
using System.Text;
using Microsoft.Win32.SafeHandles;
using static UnixIpc.Cli.TourSteps;

namespace UnixIpc.Cli;

/// <summary>
/// The classic assignment: the parent sends a file through a pipe to a child (its stdin), the child writes it to a
/// second file with the word order reversed and signals completion on a second pipe (its descriptor 3).
/// </summary>
internal sealed class PipeTour : TourScenario
{
    private const string Text = "the quick brown fox jumps over the lazy dog";

    public override IReadOnlyDictionary<string, Action<string[], TextWriter>> Roles { get; } = new Dictionary<string, Action<string[], TextWriter>>
    {
        ["pipe-reverser"] = (a, o) => Reverse(a[0], o),
    };

    public override async Task RunAsync(TourRunner tour, CancellationToken cancellationToken)
    {
        string input = Path.Combine(Path.GetTempPath(), $"unixipc_tour_{Environment.ProcessId}_in.txt");
        string output = Path.Combine(Path.GetTempPath(), $"unixipc_tour_{Environment.ProcessId}_out.txt");
        tour.Heading("Pipe: a file through a pipe to a child, words reversed, completion on descriptor 3");
        using var cleanup = new TourCleanup(() =>
        {
            File.Delete(input);
            File.Delete(output);
        });
        await File.WriteAllTextAsync(input, Text, cancellationToken).ConfigureAwait(false);
        using Pipe data = Pipe.Create();
        using Pipe done = Pipe.Create();
        ChildProcessOptions options = TourRunner.StepOptions("pipe-reverser", output);
        options.StandardInput = data.Reader;
        options.Descriptors[3] = done.Writer;
        using ChildProcess child = ChildProcess.Start(options);
        data.Reader.Dispose(); // the child has its copies; ours would only keep the pipes from ending
        done.Writer.Dispose();
        tour.Line("tour", Environment.ProcessId, $"posix_spawn: child {child.ProcessId} has the pipe's read end as stdin and a second pipe's write end as fd 3, nothing else");

        Task<ChildExitStatus> relay = tour.RelayAsync("child", child, cancellationToken);
        await using (FileStream file = File.OpenRead(input))
        {
            await file.CopyToAsync(data.Writer, cancellationToken).ConfigureAwait(false);
        }

        data.Writer.Dispose();
        tour.Line("tour", Environment.ProcessId, $"wrote {Text.Length} bytes of {Path.GetFileName(input)} into the pipe and closed it: the child will see end of stream");
        string signal = await new StreamReader(done.Reader).ReadToEndAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        tour.Line("tour", Environment.ProcessId, $"completion pipe said \"{signal.Trim()}\"");
        await relay.ConfigureAwait(false);

        string expected = string.Join(' ', Text.Split(' ').Reverse());
        string written = await File.ReadAllTextAsync(output, cancellationToken).ConfigureAwait(false);
        tour.Check(signal.Trim() == "done" && written == expected, $"{Path.GetFileName(output)} holds \"{written}\"");
    }

    private static void Reverse(string outputPath, TextWriter output)
    {
        var clock = Stopwatch.StartNew();
        string text;
        using (var stdin = new StreamReader(Console.OpenStandardInput(), Encoding.UTF8))
        {
            text = stdin.ReadToEnd();
        }

        Say(output, clock, $"read {text.Length} bytes from stdin until end of stream");
        File.WriteAllText(outputPath, string.Join(' ', text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Reverse()));
        Say(output, clock, $"wrote the words in reverse order to {Path.GetFileName(outputPath)}");
        using (var completion = new FileStream(new SafeFileHandle(3, ownsHandle: true), FileAccess.Write))
        {
            completion.Write("done\n"u8);
        }

        Say(output, clock, "wrote \"done\" to fd 3 and closed it");
    }
}

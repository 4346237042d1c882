using System.CommandLine;
using System.Globalization;
using Microsoft.Win32.SafeHandles;

namespace UnixIpc.Cli;

/// <summary>
/// <c>unixipc run [--json] [--fd N=PATH]... -- CMD [ARGS...] ['|' CMD [ARGS...]]...</c>: a pipeline over kernel pipes,
/// no shell; each stage's stdout feeds the next stage's stdin, and extra descriptors are mapped explicitly.
/// </summary>
internal static class RunCommand
{
    private const string Noun = "run";
    private const long MaxCapturedBytes = 16 << 20;

    public static Command Build(CliConsole console)
    {
        var commandLine = new Argument<string[]>("COMMAND") { Description = "The program and its arguments, after --; stages separated by a lone '|' (quoted, so the shell passes it).", Arity = ArgumentArity.OneOrMore };
        var json = new Option<bool>("--json") { Description = "Capture the output and print one JSON object: every stage's status and the output." };
        var descriptors = new Option<string[]>("--fd")
        {
            Description = "Give every stage descriptor N: N=PATH read-write, N<PATH read-only, N>PATH write (created or truncated). A FIFO waits for its other end, as the kernel does.",
            HelpName = "N=PATH",
        };
        var command = new Command(Noun, "Run a pipeline of programs over kernel pipes (no shell) and exit with the last stage's status (128+N when killed by signal N).") { json, descriptors, commandLine };
        command.SetAction(CliApp.Handler(console, Noun, "spawn", (parse, cancellationToken) => RunAsync(console, parse.GetRequiredValue(commandLine), parse.GetValue(descriptors) ?? [], parse.GetValue(json), cancellationToken)));
        return command;
    }

    private static async Task<int> RunAsync(CliConsole console, string[] words, string[] fdSpecs, bool json, CancellationToken cancellationToken)
    {
        if (words[0].StartsWith('-'))
        {
            throw new UsageException($"'{words[0]}' is not an option of run, nor a program: put options before --, the command after it.");
        }

        List<string[]> stages = SplitStages(words);
        var opened = new List<IDisposable>();
        try
        {
            Dictionary<int, ChildDescriptor> extra = OpenDescriptors(fdSpecs, opened, cancellationToken);
            List<ChildProcessOptions> options = [.. stages.Select(stage =>
            {
                var o = new ChildProcessOptions(stage[0], stage[1..]);
                foreach ((int number, ChildDescriptor descriptor) in extra)
                {
                    o.Descriptors[number] = descriptor;
                }

                return o;
            })];

            // The real process hands its own stdin/stdout/stderr to the stages; in-memory consoles (tests) are relayed.
            bool relay = !console.IsProcessConsole;
            ChildProcessOptions first = options[0], last = options[^1];
            if (!first.Descriptors.ContainsKey(0))
            {
                first.StandardInput = relay ? ChildDescriptor.Pipe : console.StandardInputUsable ? ChildDescriptor.Inherit : ChildDescriptor.Null;
            }

            if (!last.Descriptors.ContainsKey(1) && (relay || json))
            {
                last.StandardOutput = ChildDescriptor.Pipe;
            }
            else if (!last.Descriptors.ContainsKey(1) && !console.StandardOutputUsable)
            {
                last.StandardOutput = ChildDescriptor.Null; // our fd 1 is closed, or the runtime's own pipe: not the stage's
            }

            foreach (ChildProcessOptions stage in options.Where(o => relay && !o.Descriptors.ContainsKey(2)))
            {
                stage.StandardError = ChildDescriptor.Pipe;
            }

            using Pipeline pipeline = Pipeline.Start(options);
            Task feeding = pipeline.StandardInput is { } input ? FeedAsync(console.StandardInput, input, cancellationToken) : Task.CompletedTask;
            var captured = new MemoryStream();
            Task output = pipeline.StandardOutput is { } stdout
                ? CopyAsync(stdout, json ? captured : null, console, cancellationToken)
                : Task.CompletedTask;
            Task[] errors = [.. pipeline.Stages.Where(s => s.StandardError is not null).Select(s => LineRelay.CopyAsync(s.StandardError!, console.Error, cancellationToken))];

            IReadOnlyList<ChildExitStatus> statuses;
            try
            {
                statuses = await pipeline.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
                await Task.WhenAll([output, .. errors]).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                pipeline.Kill(); // interrupted: leave no stage running
                throw;
            }

            _ = feeding.ContinueWith(static t => _ = t.Exception, TaskScheduler.Default); // a stage that never reads leaves the feeder waiting: fine
            if (json)
            {
                WriteJson(console, pipeline, statuses, captured.ToArray());
            }

            return statuses[^1].ShellStatus;
        }
        finally
        {
            foreach (IDisposable resource in opened)
            {
                resource.Dispose();
            }
        }
    }

    private static List<string[]> SplitStages(string[] words)
    {
        var stages = new List<string[]>();
        var current = new List<string>();
        foreach (string word in words.Append("|"))
        {
            if (word != "|")
            {
                current.Add(word);
                continue;
            }

            if (current.Count == 0)
            {
                throw new UsageException("every stage needs a program: '|' must stand between two commands.");
            }

            stages.Add([.. current]);
            current.Clear();
        }

        return stages;
    }

    // N=PATH, N<PATH, N>PATH. A FIFO is opened through Fifo (checked, waiting as the kernel does, interruptible).
    private static Dictionary<int, ChildDescriptor> OpenDescriptors(string[] specs, List<IDisposable> opened, CancellationToken cancellationToken)
    {
        // Every spec is checked before anything is opened: a usage error leaves no file created or FIFO waited for.
        var parsed = new List<(int Number, char How, string Path, string Spec)>();
        foreach (string spec in specs)
        {
            int at = spec.IndexOfAny(['=', '<', '>']);
            if (at <= 0 || at == spec.Length - 1 || !int.TryParse(spec.AsSpan(0, at), NumberStyles.None, CultureInfo.InvariantCulture, out int number) || number > 1023)
            {
                throw new UsageException($"--fd {spec}: expected N=PATH, N<PATH or N>PATH with N from 0 to 1023.");
            }

            if (parsed.Any(p => p.Number == number))
            {
                throw new UsageException($"--fd {spec}: descriptor {number} is given twice.");
            }

            if (spec[at] == '=' && Fifo.Exists(spec[(at + 1)..]))
            {
                throw new UsageException($"--fd {spec}: a FIFO is opened for reading (N<PATH) or writing (N>PATH), not both.");
            }

            parsed.Add((number, spec[at], spec[(at + 1)..], spec));
        }

        var map = new Dictionary<int, ChildDescriptor>();
        foreach ((int number, char how, string path, string spec) in parsed)
        {
            if (Fifo.Exists(path))
            {
                PipeEndStream end = how == '<' ? Fifo.OpenRead(path, cancellationToken)
                    : how == '>' ? Fifo.OpenWrite(path, cancellationToken)
                    : throw new UsageException($"--fd {spec}: a FIFO is opened for reading (N<PATH) or writing (N>PATH), not both.");
                opened.Add(end);
                map[number] = end;
                continue;
            }

            SafeFileHandle file = OpenFile(path, how);
            opened.Add(file);
            map[number] = ChildDescriptor.From(file);
        }

        return map;
    }

    private static SafeFileHandle OpenFile(string path, char how)
    {
        try
        {
            return how switch
            {
                '<' => File.OpenHandle(path, FileMode.Open, FileAccess.Read),
                '>' => File.OpenHandle(path, FileMode.Create, FileAccess.Write),
                _ => File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite),
            };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw IoErrors.ToErrno(e, "open", path);
        }
    }

    private static async Task FeedAsync(Stream source, PipeEndStream input, CancellationToken cancellationToken)
    {
        using (input)
        {
            try
            {
                await source.CopyToAsync(input, cancellationToken).ConfigureAwait(false);
            }
            catch (UnixIpcException e) when (e.Error == Errno.EPIPE)
            {
                // The first stage stopped reading: what it did not take is not ours to report.
            }
        }
    }

    private static async Task CopyAsync(PipeEndStream output, MemoryStream? capture, CliConsole console, CancellationToken cancellationToken)
    {
        var buffer = new byte[65536];
        int read;
        bool tooLong = false;
        while ((read = await output.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (capture is null)
            {
                console.WriteBytes(buffer.AsSpan(0, read));
            }
            else if (!tooLong && capture.Length + read <= MaxCapturedBytes)
            {
                capture.Write(buffer, 0, read);
            }
            else
            {
                tooLong = true; // keep reading (and dropping) so the last stage is not left blocked on a full pipe
            }
        }

        if (tooLong)
        {
            throw new UnixIpcException(Errno.EFBIG, "read", "the pipeline's output", null, $"--json keeps at most {MaxCapturedBytes} bytes of output: run without --json to stream it.");
        }
    }

    private static void WriteJson(CliConsole console, Pipeline pipeline, IReadOnlyList<ChildExitStatus> statuses, byte[] output)
        => JsonOutput.WriteObject(console, w =>
        {
            w.WriteNumber("status", statuses[^1].ShellStatus);
            w.WriteStartArray("stages");
            for (int i = 0; i < statuses.Count; i++)
            {
                w.WriteStartObject();
                w.WriteString("command", pipeline.Stages[i].Description);
                w.WriteNumber("pid", pipeline.Stages[i].ProcessId);
                if (statuses[i].ExitCode is int code)
                {
                    w.WriteNumber("exit_code", code);
                    w.WriteNull("signal");
                }
                else
                {
                    w.WriteNull("exit_code");
                    w.WriteNumber("signal", statuses[i].Signal!.Value);
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteString("output", System.Text.Encoding.UTF8.GetString(output));
            w.WriteString("output_base64", Convert.ToBase64String(output));
        });
}

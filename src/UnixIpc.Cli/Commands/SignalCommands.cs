using System.CommandLine;
using System.Globalization;

namespace UnixIpc.Cli;

/// <summary><c>unixipc signal</c>: send signals (with a value), wait for them with the sender's identity, list them.</summary>
internal static class SignalCommands
{
    private const string Noun = "signal";

    // Set in the copy of `signal wait` that runs with the signals blocked from the start (see Wait); any value stops a
    // further copy, ParentWatch also makes the copy end when its standard input (a pipe from the starter) ends.
    private const string ReexecMarker = "UNIXIPC_SIGNAL_WAIT_BLOCKED";
    private const string ParentWatch = "parent-stdin";

    // Default actions of the standard signals (signal(7)); real-time signals terminate.
    private static readonly string[] s_defaultActions =
    [
        "", "term", "term", "core", "core", "core", "core", "core", "core", "term", "term", "core", "term", "term", "term", "term",
        "term", "ignore", "continue", "stop", "stop", "stop", "stop", "ignore", "core", "core", "term", "term", "ignore", "term", "term", "core",
    ];

    public static Command Build(CliConsole console) => new(Noun, "Signals: send (kill, sigqueue with a value), wait with the sender's pid, list.")
    {
        Send(console),
        Wait(console),
        List(console),
    };

    private static Command Send(CliConsole console)
    {
        var pid = new Argument<string>("PID") { Description = "The process to signal." };
        var signal = new Argument<string>("SIGNAL") { Description = "A name (USR1, SIGUSR1, RTMIN+2) or a number 1-64; 0 only checks that the process exists." };
        Option<long> value = CliParsers.NumberOption("--value", "Send with sigqueue and this integer (-2147483648 to 2147483647): the receiver sees it and the code SI_QUEUE.");
        var json = new Option<bool>("--json") { Description = "Print what was sent as one JSON object." };
        var command = new Command("send", "Send a signal to a process (kill, or sigqueue with --value).") { pid, signal, value, json };
        command.SetAction(CliApp.Handler(console, Noun, "send", parse =>
        {
            int target = ParsePid(parse.GetRequiredValue(pid));
            string text = parse.GetRequiredValue(signal);
            long? queued = parse.GetResult(value) is { Implicit: false } ? parse.GetValue(value) : null;
            if (queued is < int.MinValue or > int.MaxValue)
            {
                throw new UsageException("--value is a 32-bit integer (-2147483648 to 2147483647).");
            }

            if (text.Trim() == "0")
            {
                if (queued is not null)
                {
                    throw new UsageException("signal 0 sends nothing, so it carries no --value.");
                }

                if (!UnixSignal.ProcessExists(target))
                {
                    return CliApp.Report(console, Noun, "send", Errno.ESRCH);
                }

                if (parse.GetValue(json))
                {
                    JsonOutput.WriteObject(console, w =>
                    {
                        w.WriteNumber("pid", target);
                        w.WriteNumber("number", 0);
                        w.WriteBoolean("exists", true);
                    });
                }

                return CliExitCode.Success;
            }

            UnixSignal sent = ParseSignal(text);
            if (queued is long v)
            {
                sent.Queue(target, (int)v);
            }
            else
            {
                sent.Send(target);
            }

            if (parse.GetValue(json))
            {
                JsonOutput.WriteObject(console, w =>
                {
                    w.WriteNumber("pid", target);
                    w.WriteString("signal", sent.Name);
                    w.WriteNumber("number", sent.Number);
                    if (queued is long q)
                    {
                        w.WriteNumber("value", q);
                    }
                    else
                    {
                        w.WriteNull("value");
                    }
                });
            }

            return CliExitCode.Success;
        }));
        return command;
    }

    private static Command Wait(CliConsole console)
    {
        var signals = new Argument<string>("SIGNALS") { Description = "One or more signals, comma-separated: USR1,USR2,RTMIN+1." };
        Option<long> count = CliParsers.NumberOption("--count", "Stop after this many signals.", defaultValue: 1, min: 1);
        Option<long> timeout = CliParsers.TimeoutOption("Give up after this many milliseconds in all (exit 3, ETIMEDOUT).");
        var json = new Option<bool>("--json") { Description = "One JSON object per line: {\"ready\":PID} first, then one per signal." };
        var command = new Command("wait", "Print \"ready PID\", then one line per signal received: name, sender pid, uid, code, value.") { signals, count, timeout, json };
        command.SetAction(CliApp.Handler(console, Noun, "wait", async (parse, cancellationToken) =>
        {
            UnixSignal[] wanted = [.. parse.GetRequiredValue(signals).Split(',').Select(ParseSignal)];
            long n = parse.GetValue(count), ms = parse.GetValue(timeout);
            if (n < 1 || ms < -1 || ms > int.MaxValue)
            {
                throw new UsageException($"--count must be 1 or more and --timeout 0 to {int.MaxValue} milliseconds.");
            }

            foreach (UnixSignal signal in wanted)
            {
                bool copyWillBlockIt = signal.Number == 13 && Environment.GetEnvironmentVariable(ReexecMarker) is null; // SIGPIPE, see below
                if (!copyWillBlockIt && SignalListener.RefusalReason(signal) is { } reason)
                {
                    throw new UsageException($"{signal.Name} cannot be listened for: {reason}");
                }
            }

            // The sender's pid and the value come only from a signalfd, which needs the signals blocked in every thread:
            // a .NET process can only have that from the start. So run a copy of this command that starts so.
            if (!wanted.All(SignalListener.IsBlockedInEveryThread) && Environment.GetEnvironmentVariable(ReexecMarker) is null)
            {
                return await RunBlockedCopyAsync(console, parse.Tokens.Where(t => t.Type != System.CommandLine.Parsing.TokenType.Command).Select(t => t.Value), wanted, cancellationToken).ConfigureAwait(false);
            }

            // The copy ends with the process that started it: its stdin is a pipe from there, closed when that process dies.
            using var orphaned = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            if (Environment.GetEnvironmentVariable(ReexecMarker) == ParentWatch)
            {
                _ = WatchParentAsync(console, orphaned);
            }

            return await ListenAsync(console, wanted, n, ms, parse.GetValue(json), orphaned.Token).ConfigureAwait(false);
        }));
        return command;
    }

    private static async Task<int> ListenAsync(CliConsole console, UnixSignal[] wanted, long count, long ms, bool json, CancellationToken cancellationToken)
    {
        using SignalListener listener = SignalListener.Create(wanted);
        if (json)
        {
            JsonOutput.WriteObject(console, w => w.WriteNumber("ready", Environment.ProcessId));
        }
        else
        {
            console.Out.WriteLine($"ready {Environment.ProcessId}{(listener.KnowsSender ? string.Empty : " (sender and value unknown: the signals are not blocked in every thread)")}");
        }

        console.Out.Flush();
        using var deadline = ms >= 0 ? new CancellationTokenSource(TimeSpan.FromMilliseconds(ms)) : null;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline?.Token ?? CancellationToken.None);
        for (long i = 0; i < count; i++)
        {
            SignalInfo received;
            try
            {
                received = await listener.ReceiveAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (deadline?.IsCancellationRequested == true && !cancellationToken.IsCancellationRequested)
            {
                return CliApp.Report(console, Noun, "wait", Errno.ETIMEDOUT);
            }

            Print(console, received, json);
        }

        return CliExitCode.Success;
    }

    private static void Print(CliConsole console, SignalInfo s, bool json)
    {
        string code = CliFormat.Code(s.Code);
        if (json)
        {
            JsonOutput.WriteObject(console, w =>
            {
                w.WriteString("signal", s.Signal.Name);
                w.WriteNumber("number", s.Signal.Number);
                w.WriteString("code", code);
                WriteNullable(w, "pid", s.SenderProcessId);
                WriteNullable(w, "uid", s.SenderUserId);
                WriteNullable(w, "value", s.Value);
                if (s.ChildStatus is { } status)
                {
                    w.WriteString("child_status", status.ToString());
                }
            });
            return;
        }

        string Show(int? v) => v?.ToString(CultureInfo.InvariantCulture) ?? "?";
        console.Out.WriteLine($"{s.Signal.Name} pid={Show(s.SenderProcessId)} uid={Show(s.SenderUserId)} code={code} value={Show(s.Value)}{(s.ChildStatus is { } c ? $" child={c}" : string.Empty)}");
        console.Out.Flush();
    }

    private static void WriteNullable(System.Text.Json.Utf8JsonWriter w, string name, int? value)
    {
        if (value is int v)
        {
            w.WriteNumber(name, v);
        }
        else
        {
            w.WriteNull(name);
        }
    }

    // The same command in a child that starts with the signals blocked (posix_spawn's signal mask); its output is ours.
    private static async Task<int> RunBlockedCopyAsync(CliConsole console, IEnumerable<string> arguments, UnixSignal[] wanted, CancellationToken cancellationToken)
    {
        System.Diagnostics.ProcessStartInfo self = SelfLauncher.StartInfo([Noun, "wait", .. arguments]);
        var environment = System.Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? string.Empty, StringComparer.Ordinal);
        environment[ReexecMarker] = ParentWatch;
        var options = new ChildProcessOptions(self.FileName, self.ArgumentList) { Environment = environment };
        foreach (UnixSignal signal in wanted)
        {
            options.BlockedSignals.Add(signal);
        }

        bool relay = !console.IsProcessConsole;
        if (relay)
        {
            options.StandardOutput = ChildDescriptor.Pipe;
            options.StandardError = ChildDescriptor.Pipe;
        }

        options.StandardInput = ChildDescriptor.Pipe; // held open here: the copy sees end of stream when we are gone
        using ChildProcess copy = ChildProcess.Start(options);
        try
        {
            Task output = relay ? LineRelay.CopyAsync(copy.StandardOutput!, console.Out, cancellationToken) : Task.CompletedTask;
            Task errors = relay ? LineRelay.CopyAsync(copy.StandardError!, console.Error, cancellationToken) : Task.CompletedTask;
            ChildExitStatus status = await copy.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            await Task.WhenAll(output, errors).ConfigureAwait(false);
            return status.ShellStatus;
        }
        catch (OperationCanceledException)
        {
            copy.Kill();
            throw;
        }
    }

    private static async Task WatchParentAsync(CliConsole console, CancellationTokenSource orphaned)
    {
        var buffer = new byte[64];
        try
        {
            while (await console.StandardInput.ReadAsync(buffer, orphaned.Token).ConfigureAwait(false) > 0)
            {
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            return;
        }

        await orphaned.CancelAsync().ConfigureAwait(false); // end of stream: the parent is gone
    }

    private static Command List(CliConsole console)
    {
        var json = new Option<bool>("--json") { Description = "One JSON array." };
        var command = new Command("list", "Every signal: number, name, default action, and whether (and how) it can be listened for here.") { json };
        command.SetAction(CliApp.Handler(console, Noun, "list", parse =>
        {
            var rows = Enumerable.Range(1, UnixSignal.MaxNumber).Select(n =>
            {
                var signal = new UnixSignal(n);
                string? refused = SignalListener.RefusalReason(signal);
                string listen = refused is not null ? "no" : SignalListener.IsBlockedInEveryThread(signal) ? "signalfd" : "handler";
                return (signal, action: n < 32 ? s_defaultActions[n] : "term", listen, refused);
            }).ToList();
            if (parse.GetValue(json))
            {
                JsonOutput.WriteObject(console, w =>
                {
                    w.WriteStartArray("signals");
                    foreach (var r in rows)
                    {
                        w.WriteStartObject();
                        w.WriteNumber("number", r.signal.Number);
                        w.WriteString("name", r.signal.Name);
                        w.WriteString("default", r.action);
                        w.WriteString("listen", r.listen);
                        w.WriteEndObject();
                    }

                    w.WriteEndArray();
                });
            }
            else
            {
                console.Out.WriteLine("NUM  NAME          DEFAULT   LISTEN");
                foreach (var r in rows)
                {
                    console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{r.signal.Number,3}  {r.signal.Name,-12}  {r.action,-8}  {r.listen}"));
                }
            }

            return CliExitCode.Success;
        }));
        return command;
    }

    private static int ParsePid(string text)
        => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && pid > 0
            ? pid
            : throw new UsageException($"'{text}' is not a process id (a number from 1 up; groups and -1 are not signalled here).");

    private static UnixSignal ParseSignal(string text)
        => UnixSignal.TryParse(text, out UnixSignal signal) ? signal : throw new UsageException($"'{text}' is not a signal: give a name (USR1, SIGUSR1, RTMIN+3) or a number from 1 to {UnixSignal.MaxNumber}.");
}

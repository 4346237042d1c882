using System.CommandLine;

namespace UnixIpc.Cli;

/// <summary>
/// Builds the <c>unixipc</c> command tree and runs it against a <see cref="CliConsole"/>, turning
/// failures into the documented exit codes and one stderr line each (docs/cli.md).
/// </summary>
internal static class CliApp
{
    public static async Task<int> RunAsync(string[] args, CliConsole console, CancellationToken cancellationToken = default)
    {
        // The runtime decodes arguments as UTF-8 and turns invalid bytes into U+FFFD: a name given that way would
        // reach another object (the one whose name really has U+FFFD). Refuse it instead.
        int invalid = Array.FindIndex(args, a => a.Contains('\uFFFD', StringComparison.Ordinal));
        if (invalid >= 0)
        {
            TryWriteError(console, $"unixipc: argument {invalid + 1} is not valid UTF-8 (names and text must be).");
            return CliExitCode.Usage;
        }

        RootCommand root = Build(console);
        // No response files: an argument starting with '@' is a name or path, never "read more arguments from this file".
        ParseResult parse = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parse.Errors.Count > 0)
        {
            // One line, as for every other failure: the first error, and how many more there were (an unknown option
            // and a missing argument are two errors of one mistyped command line).
            string where = CommandPath(parse.CommandResult.Command);
            string more = parse.Errors.Count > 1 ? $" ({parse.Errors.Count - 1} more)" : string.Empty;
            TryWriteError(console, $"unixipc: {where}{OneLine(FirstError(parse).Message)}{more}");
            return CliExitCode.Usage;
        }

        var invocation = new InvocationConfiguration { Output = console.Out, Error = console.Error, EnableDefaultExceptionHandler = false };
        try
        {
            return await parse.InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
        }
        catch (StandardOutputException e)
        {
            // Help or version text that could not be written.
            TryWriteError(console, $"unixipc: cannot write to standard output: {e.Error} ({UnixIpcException.Describe(e.Error)})");
            return e.Error == Errno.EPIPE ? CliExitCode.Success : CliExitCode.Failed;
        }
        catch (Exception e)
        {
            // Last resort: an exception that reaches here is a bug (the handlers map every expected failure).
            // One line and exit 1 for the user; the tests fail on it (LastInternalError).
            LastInternalError = e;
            TryWriteError(console, $"unixipc: internal error ({e.GetType().Name}): {e.Message.ReplaceLineEndings(" ")}");
            return CliExitCode.Failed;
        }
    }

    /// <summary>The last exception only the last-resort handler caught (tests assert it stays null).</summary>
    public static Exception? LastInternalError { get; set; }

    public static RootCommand Build(CliConsole console)
    {
        var root = new RootCommand("unixipc: create, inspect, use and remove Linux IPC objects (POSIX and System V), and tour them.")
        {
            PshmCommands.Build(console),
            ShmCommands.Build(console),
            MqCommands.Build(console),
            MsgCommands.Build(console),
            PsemCommands.Build(console),
            SemCommands.Build(console),
            LockCommands.Build(console),
            ChannelCommands.Build(console),
            FifoCommands.Build(console),
            RunCommand.Build(console),
            SignalCommands.Build(console),
            UdsCommands.Build(console),
            StreamCommands.Build(console),
            ListCommand.Build(console),
            LimitsCommand.Build(console),
            TourCommand.Build(console),
            TourCommand.BuildStep(console),
            BenchCommand.Build(console),
            BenchCommand.BuildSide(console),
        };
        return root;
    }

    /// <summary>
    /// Wraps a command body: maps kernel failures to exit 1 (or 3 for would-block and time-outs) with the
    /// line <c>unixipc: NOUN VERB: ERRNO (strerror)</c>, and rule violations to exit 2.
    /// </summary>
    public static Func<ParseResult, CancellationToken, Task<int>> Handler(CliConsole console, string noun, string verb, Func<ParseResult, CancellationToken, Task<int>> body)
        => async (parse, cancellationToken) =>
        {
            try
            {
                return await body(parse, cancellationToken).ConfigureAwait(false);
            }
            catch (UnixIpcException e)
            {
                // Exactly one line for scripts; a person at a terminal also gets the hint.
                await console.Error.WriteLineAsync($"unixipc: {Where(noun, verb)}: {e.Error} ({UnixIpcException.Describe(e.Error)})").ConfigureAwait(false);
                if (console.ErrorIsTerminal && e.Hint is not null)
                {
                    await console.Error.WriteLineAsync($"hint: {e.Hint}").ConfigureAwait(false);
                }

                // ENXIO is a would-block only as a non-blocking FIFO open's "no reader yet" (a socket path opened by run --fd is not).
                return e.Error is Errno.EAGAIN or Errno.ETIMEDOUT or Errno.ENOMSG || (e.Error == Errno.ENXIO && noun == "fifo") ? CliExitCode.WouldBlock : CliExitCode.Failed;
            }
            catch (System.Net.Sockets.SocketException e)
            {
                UnixIpcException mapped = UnixSocket.ToUnixIpcException(e, verb, noun);
                await console.Error.WriteLineAsync($"unixipc: {Where(noun, verb)}: {mapped.Error} ({UnixIpcException.Describe(mapped.Error)})").ConfigureAwait(false);
                return mapped.Error is Errno.EAGAIN ? CliExitCode.WouldBlock : CliExitCode.Failed;
            }
            catch (Exception e) when (e is ArgumentException or FormatException or UsageException or NotSupportedException)
            {
                await console.Error.WriteLineAsync($"unixipc: {Where(noun, verb)}: {Plain(e)}").ConfigureAwait(false);
                return CliExitCode.Usage;
            }
            catch (StandardOutputException e)
            {
                // The reader went away (| head -c1): done, as far as anyone can see. Anything else: one line.
                if (e.Error != Errno.EPIPE)
                {
                    TryWriteError(console, $"unixipc: {Where(noun, verb)}: cannot write to standard output: {e.Error} ({UnixIpcException.Describe(e.Error)})");
                }

                return e.Error == Errno.EPIPE ? CliExitCode.Success : CliExitCode.Failed;
            }
            catch (Exception e) when (e is InvalidDataException or InvalidOperationException)
            {
                // A foreign or damaged object under the name, or no room (every participant slot taken): one line.
                await console.Error.WriteLineAsync($"unixipc: {Where(noun, verb)}: {e.Message.ReplaceLineEndings(" ")}").ConfigureAwait(false);
                return CliExitCode.Failed;
            }
            catch (OperationCanceledException)
            {
                await console.Error.WriteLineAsync($"unixipc: {Where(noun, verb)}: interrupted").ConfigureAwait(false);
                return 130;
            }
        };

    // A library rule's message without the runtime's additions for programmers: " (Parameter 'value')" names a
    // C# parameter, and "Actual value was …" repeats the input (for a mode, as enum flag names).
    private static string Plain(Exception e)
    {
        string message = e.Message;
        int actual = e is ArgumentOutOfRangeException ? message.LastIndexOf(Environment.NewLine + "Actual value was", StringComparison.Ordinal) : -1;
        if (actual >= 0)
        {
            message = message[..actual];
        }

        if (e is ArgumentException { ParamName: string name })
        {
            message = message.Replace($" (Parameter '{name}')", string.Empty, StringComparison.Ordinal);
        }

        return OneLine(message);
    }

    // Messages are one line on stderr: line breaks and tabs (as in "Must be one of:\n\t'queue'…") become spaces.
    private static string OneLine(string message)
        => string.Join(' ', message.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    // stderr may be closed too: then the exit code is all there is to say.
    private static void TryWriteError(CliConsole console, string line)
    {
        try
        {
            console.Error.WriteLine(line);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    public static Func<ParseResult, CancellationToken, Task<int>> Handler(CliConsole console, string noun, string verb, Func<ParseResult, int> body)
        => Handler(console, noun, verb, (parse, _) => Task.FromResult(body(parse)));

    /// <summary>
    /// Reports an outcome the kernel expresses as an errno but the library as a return value or a
    /// pre-call check: one stderr line, and exit 3 for would-block and time-outs, 1 otherwise.
    /// </summary>
    public static int Report(CliConsole console, string noun, string verb, Errno error)
    {
        console.Error.WriteLine($"unixipc: {Where(noun, verb)}: {error} ({UnixIpcException.Describe(error)})");
        return error is Errno.EAGAIN or Errno.ETIMEDOUT or Errno.ENOMSG || (error == Errno.ENXIO && noun == "fifo") ? CliExitCode.WouldBlock : CliExitCode.Failed;
    }

    // The error to show when there are several: the word that was not understood (a typo) says more than what is
    // missing because of it ("Required command was not provided" for "unixipc bogus").
    private static System.CommandLine.Parsing.ParseError FirstError(ParseResult parse)
    {
        if (parse.UnmatchedTokens.Count > 0)
        {
            string quoted = $"'{parse.UnmatchedTokens[0]}'";
            System.CommandLine.Parsing.ParseError? unmatched = parse.Errors.FirstOrDefault(e => e.Message.Contains(quoted, StringComparison.Ordinal));
            if (unmatched is not null)
            {
                return unmatched;
            }
        }

        return parse.Errors[0];
    }

    // "ls" and "limits" are verbs of their own: their lines read "unixipc: ls: …", not "unixipc: ls list: …".
    private static string Where(string noun, string verb) => verb.Length == 0 ? noun : $"{noun} {verb}";

    private static string CommandPath(Command command)
    {
        var names = new List<string>();
        for (Symbol? s = command; s is Command c && s is not RootCommand; s = c.Parents.FirstOrDefault())
        {
            names.Insert(0, c.Name);
        }

        return names.Count == 0 ? string.Empty : string.Join(' ', names) + ": ";
    }
}

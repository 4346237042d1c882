using System.CommandLine;
using System.Text;

namespace UnixIpc.Cli;

/// <summary><c>unixipc stream</c>: shared-memory byte streams from a shell, like <c>uds listen/connect</c>.</summary>
internal static class StreamCommands
{
    private const string Noun = "stream";
    private const int MaxMessage = 16 << 20;

    public static Command Build(CliConsole console) => new(Noun, "Shared-memory byte streams: listen (echo) and connect.")
    {
        Listen(console),
        Connect(console),
    };

    private static Argument<string> NameArgument() => new("NAME") { Description = "The listener's name, POSIX style (/api)." };

    private static Command Listen(CliConsole console)
    {
        Argument<string> name = NameArgument();
        var echo = new Option<bool>("--echo") { Description = "Send each client back what it sent." };
        Option<long> count = CliParsers.NumberOption("--count", "Serve this many clients (at once, as they come), then stop.", defaultValue: 1);
        var json = new Option<bool>("--json") { Description = "One JSON object per line: {\"listening\":NAME}, then per client {\"pid\",\"uid\",\"gid\",\"bytes\",\"data\",\"hex\"}." };
        var command = new Command("listen", "Listen, print \"listening\", then per client its pid, uid, gid and what it sent (until it shut down its side).") { name, echo, count, json };
        command.SetAction(CliApp.Handler(console, Noun, "listen", async (parse, cancellationToken) =>
        {
            long clients = parse.GetValue(count);
            if (clients is < 1 or > 1_000_000)
            {
                throw new UsageException("--count must be 1 to 1000000.");
            }

            bool asJson = parse.GetValue(json);
            using SharedMemoryListener listener = SharedMemoryListener.Start(parse.GetRequiredValue(name));
            if (asJson)
            {
                JsonOutput.WriteObject(console, w => w.WriteString("listening", listener.Name));
            }
            else
            {
                console.Out.WriteLine($"listening {CliFormat.Printable(listener.Name)}");
            }

            console.Out.Flush();
            var output = new Lock();
            var serving = new List<Task>();
            for (long i = 0; i < clients; i++)
            {
                SharedMemoryConnection connection = await listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
                serving.Add(ServeAsync(connection));
            }

            await Task.WhenAll(serving).ConfigureAwait(false);
            return CliExitCode.Success;

            async Task ServeAsync(SharedMemoryConnection connection)
            {
                using (connection)
                {
                    try
                    {
                        byte[] received = await ReadToEndAsync(connection, cancellationToken).ConfigureAwait(false);
                        lock (output)
                        {
                            ClientReport.Print(console, connection.Peer, received, asJson);
                        }

                        if (parse.GetValue(echo))
                        {
                            await connection.WriteAsync(received, cancellationToken).ConfigureAwait(false);
                        }
                    }
                    catch (UnixIpcException e) when (e.Error is Errno.ECONNRESET or Errno.EPIPE or Errno.EFBIG)
                    {
                        // One client's broken connection does not end the server: say so, serve the rest.
                        lock (output)
                        {
                            console.Error.WriteLine($"unixipc: stream listen: client pid {connection.Peer.ProcessId}: {e.Error} ({UnixIpcException.Describe(e.Error)})");
                        }
                    }
                }
            }
        }));
        return command;
    }

    private static Command Connect(CliConsole console)
    {
        Argument<string> name = NameArgument();
        Option<long> timeout = CliParsers.TimeoutOption("Wait at most this many milliseconds for the whole exchange (exit 3, ETIMEDOUT).");
        var data = new DataInput();
        var command = new Command("connect", "Connect, send the data (--data, --hex or stdin), shut down the sending side and print the reply until the server closes.") { name, timeout };
        data.AddTo(command);
        command.SetAction(CliApp.Handler(console, Noun, "connect", async (parse, cancellationToken) =>
        {
            long ms = parse.GetValue(timeout);
            if (ms < -1 || ms > int.MaxValue)
            {
                throw new UsageException($"--timeout must be 0 to {int.MaxValue} milliseconds.");
            }

            byte[] bytes = data.Read(parse, console, limit: MaxMessage);
            console.RequireStandardOutput(); // before connecting: a reply with nowhere to go would be lost

            using var deadline = ms >= 0 ? new CancellationTokenSource(TimeSpan.FromMilliseconds(ms)) : null;
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline?.Token ?? CancellationToken.None);
            try
            {
                using SharedMemoryConnection connection = await SharedMemoryConnection.ConnectAsync(parse.GetRequiredValue(name), cancellationToken: linked.Token).ConfigureAwait(false);
                await connection.WriteAsync(bytes, linked.Token).ConfigureAwait(false);
                connection.ShutdownWrite(linked.Token); // the server knows the message is whole
                console.WriteBytes(await ReadToEndAsync(connection, linked.Token).ConfigureAwait(false));
            }
            catch (OperationCanceledException) when (deadline?.IsCancellationRequested == true && !cancellationToken.IsCancellationRequested)
            {
                return CliApp.Report(console, Noun, "connect", Errno.ETIMEDOUT);
            }

            return CliExitCode.Success;
        }));
        return command;
    }

    // Everything until the peer shuts down its side, at most 16 MiB (EFBIG beyond: never cut short silently).
    private static async Task<byte[]> ReadToEndAsync(SharedMemoryConnection connection, CancellationToken cancellationToken)
    {
        using var collected = new MemoryStream();
        var buffer = new byte[65536];
        int read;
        while ((read = await connection.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (collected.Length + read > MaxMessage)
            {
                throw new UnixIpcException(Errno.EFBIG, "read", connection.Name, null, $"More than {MaxMessage} bytes came: not printed.");
            }

            collected.Write(buffer, 0, read);
        }

        return collected.ToArray();
    }
}

using System.CommandLine;

namespace UnixIpc.Cli;

/// <summary><c>unixipc fifo</c>: named pipes (mkfifo) between unrelated processes.</summary>
internal static class FifoCommands
{
    private const string Noun = "fifo";

    public static Command Build(CliConsole console) => new(Noun, "Named pipes (mkfifo): a byte stream between unrelated processes.")
    {
        Create(console),
        Write(console),
        Read(console),
        Unlink(console),
    };

    private static Argument<string> PathArgument() => new("PATH") { Description = "The FIFO's path in the file system." };

    private static Command Create(CliConsole console)
    {
        Argument<string> path = PathArgument();
        Option<OctalMode> mode = CliParsers.ModeOption("Permissions in octal (default 0600), applied exactly (the umask does not bite).");
        var command = new Command("create", "Create a FIFO (mkfifo) and print its path.") { path, mode };
        command.SetAction(CliApp.Handler(console, Noun, "create", parse =>
        {
            string at = parse.GetRequiredValue(path);
            Fifo.Create(at, parse.GetResult(mode) is { Implicit: false } ? parse.GetValue(mode).Value : Fifo.DefaultMode);
            try
            {
                console.Out.WriteLine(at);
            }
            catch (StandardOutputException)
            {
                File.Delete(at); // nobody learnt the path: leave nothing half-done
                throw;
            }

            return CliExitCode.Success;
        }));
        return command;
    }

    private static Command Write(CliConsole console)
    {
        Argument<string> path = PathArgument();
        Option<long> timeout = CliParsers.TimeoutOption("Wait at most this many milliseconds for a reader, and for room (exit 3, ETIMEDOUT).");
        var nonBlocking = new Option<bool>("--nonblock") { Description = "Do not wait: exit 3 with ENXIO when no process reads the FIFO, or EAGAIN when it is full." };
        var data = new DataInput();
        var command = new Command("write", "Write data (--data, --hex or stdin) into a FIFO, waiting for a reader as the kernel does.") { path, timeout, nonBlocking };
        data.AddTo(command);
        command.SetAction(CliApp.Handler(console, Noun, "write", async (parse, cancellationToken) =>
        {
            TimeSpan? wait = WaitOptions.Resolve(parse, timeout, nonBlocking);
            string at = parse.GetRequiredValue(path);
            bool streaming = wait != TimeSpan.Zero && data.FromStandardInput(parse);
            byte[] bytes = streaming ? [] : data.Read(parse, console, limit: 1 << 20);
            if (streaming && !console.StandardInputUsable)
            {
                throw new UsageException("no data: standard input is closed; give --data or --hex.");
            }

            using PipeEndStream writer = await OpenAsync(at, forWriting: true, wait, cancellationToken).ConfigureAwait(false);
            if (streaming)
            {
                // A FIFO is a byte stream: standard input goes through in pieces, however long it is.
                await CopyStandardInputAsync(console, writer, at, wait, cancellationToken).ConfigureAwait(false);
                return CliExitCode.Success;
            }

            if (wait == TimeSpan.Zero)
            {
                // All or nothing up to PIPE_BUF; a longer write takes what fits and says what did not.
                if (!writer.TryWrite(bytes, out int written) && bytes.Length > 0 || written < bytes.Length)
                {
                    throw new UnixIpcException(Errno.EAGAIN, "write", at, null, $"The FIFO is full: {written} of {bytes.Length} bytes were written.");
                }

                return CliExitCode.Success;
            }

            using var deadline = wait is TimeSpan limit ? new CancellationTokenSource(limit) : null;
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline?.Token ?? CancellationToken.None);
            try
            {
                await writer.WriteAsync(bytes, linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (deadline?.IsCancellationRequested == true && !cancellationToken.IsCancellationRequested)
            {
                throw new UnixIpcException(Errno.ETIMEDOUT, "write", at, null, "The reader did not take the data in time.");
            }

            return CliExitCode.Success;
        }));
        return command;
    }

    private static async Task CopyStandardInputAsync(CliConsole console, PipeEndStream writer, string path, TimeSpan? wait, CancellationToken cancellationToken)
    {
        var chunk = new byte[65536];
        while (true)
        {
            int read;
            try
            {
                read = await console.StandardInput.ReadAsync(chunk, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw IoErrors.ToErrno(e, "read", "standard input", accessDenied: Errno.EBADF);
            }

            if (read == 0)
            {
                return;
            }

            using var deadline = wait is TimeSpan limit ? new CancellationTokenSource(limit) : null;
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline?.Token ?? CancellationToken.None);
            try
            {
                await writer.WriteAsync(chunk.AsMemory(0, read), linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (deadline?.IsCancellationRequested == true && !cancellationToken.IsCancellationRequested)
            {
                throw new UnixIpcException(Errno.ETIMEDOUT, "write", path, null, "The reader did not take the data in time.");
            }
        }
    }

    private static Command Read(CliConsole console)
    {
        Argument<string> path = PathArgument();
        Option<long> timeout = CliParsers.TimeoutOption("Wait at most this many milliseconds for a writer, and then for each piece of data (exit 3, ETIMEDOUT).");
        var nonBlocking = new Option<bool>("--nonblock") { Description = "Do not wait: print what is there; exit 3 (EAGAIN) if a writer is open but has not written." };
        var command = new Command("read", "Copy a FIFO to stdout until end of stream (every writer closed), waiting for a writer as the kernel does.") { path, timeout, nonBlocking };
        command.SetAction(CliApp.Handler(console, Noun, "read", async (parse, cancellationToken) =>
        {
            TimeSpan? wait = WaitOptions.Resolve(parse, timeout, nonBlocking);
            string at = parse.GetRequiredValue(path);
            if (!console.StandardOutputUsable)
            {
                // Checked before opening: bytes taken from the FIFO with nowhere to go would be lost to its writer.
                throw new StandardOutputException(new IOException("standard output is closed"), Errno.EBADF);
            }

            using PipeEndStream reader = await OpenAsync(at, forWriting: false, wait, cancellationToken).ConfigureAwait(false);
            var buffer = new byte[65536];
            while (true)
            {
                int read;
                if (wait == TimeSpan.Zero)
                {
                    if (!reader.TryRead(buffer, out read))
                    {
                        throw new UnixIpcException(Errno.EAGAIN, "read", at, null, "A writer has the FIFO open but has not written (more may come).");
                    }
                }
                else
                {
                    using var deadline = wait is TimeSpan limit ? new CancellationTokenSource(limit) : null;
                    using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline?.Token ?? CancellationToken.None);
                    try
                    {
                        read = await reader.ReadAsync(buffer, linked.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (deadline?.IsCancellationRequested == true && !cancellationToken.IsCancellationRequested)
                    {
                        throw new UnixIpcException(Errno.ETIMEDOUT, "read", at, null, "No data came in time (the writer is still open).");
                    }
                }

                if (read == 0)
                {
                    return CliExitCode.Success;
                }

                console.WriteBytes(buffer.AsSpan(0, read));
            }
        }));
        return command;
    }

    private static Command Unlink(CliConsole console)
    {
        Argument<string> path = PathArgument();
        var command = new Command("unlink", "Remove a FIFO (only a FIFO: anything else at the path is left alone).") { path };
        command.SetAction(CliApp.Handler(console, Noun, "unlink", parse =>
        {
            Fifo.Unlink(parse.GetRequiredValue(path));
            return CliExitCode.Success;
        }));
        return command;
    }

    // Async all the way: the verb waits for the other end without blocking its caller (or a thread).
    private static async Task<PipeEndStream> OpenAsync(string path, bool forWriting, TimeSpan? wait, CancellationToken cancellationToken)
    {
        if (wait == TimeSpan.Zero)
        {
            // ENXIO for a writer without a reader: exit 3, like any would-block.
            return forWriting ? Fifo.OpenWriteNonBlocking(path) : Fifo.OpenReadNonBlocking(path);
        }

        using var deadline = wait is TimeSpan limit ? new CancellationTokenSource(limit) : null;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline?.Token ?? CancellationToken.None);
        try
        {
            return forWriting
                ? await Fifo.OpenWriteAsync(path, linked.Token).ConfigureAwait(false)
                : await Fifo.OpenReadAsync(path, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline?.IsCancellationRequested == true && !cancellationToken.IsCancellationRequested)
        {
            throw new UnixIpcException(Errno.ETIMEDOUT, "open", path, null, $"No process opened the FIFO for {(forWriting ? "reading" : "writing")} in time.");
        }
    }
}

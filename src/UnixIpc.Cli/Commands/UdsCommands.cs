using System.CommandLine;
using System.Net.Sockets;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace UnixIpc.Cli;

/// <summary><c>unixipc uds</c>: Unix domain sockets: an echo server and client, and passing a descriptor between processes.</summary>
internal static class UdsCommands
{
    private const string Noun = "uds";

    public static Command Build(CliConsole console) => new(Noun, "Unix domain sockets: listen (echo), connect, pass a descriptor.")
    {
        Listen(console),
        Connect(console),
        SendFd(console),
        RecvFd(console),
    };

    private static Argument<string> AddressArgument() => new("ADDRESS") { Description = "A socket path, or @name for the Linux abstract namespace (no file)." };

    private static Command Listen(CliConsole console)
    {
        Argument<string> address = AddressArgument();
        var seqpacket = new Option<bool>("--seqpacket") { Description = "SOCK_SEQPACKET: messages keep their boundaries." };
        var echo = new Option<bool>("--echo") { Description = "Send each client back what it sent." };
        Option<long> count = CliParsers.NumberOption("--count", "Serve this many clients, then stop (each as soon as it connects, beside the others).", defaultValue: 1);
        var json = new Option<bool>("--json") { Description = "One JSON object per line: {\"listening\":ADDRESS}, then per client {\"pid\",\"uid\",\"gid\",\"bytes\",\"data\"}." };
        var command = new Command("listen", "Listen, print \"listening\", then per client its pid, uid, gid and what it sent.") { address, seqpacket, echo, count, json };
        command.SetAction(CliApp.Handler(console, Noun, "listen", async (parse, cancellationToken) =>
        {
            long clients = parse.GetValue(count);
            if (clients is < 1 or > 1_000_000)
            {
                throw new UsageException("--count must be 1 to 1000000 (the number of clients to serve).");
            }

            string at = parse.GetRequiredValue(address);
            bool packets = parse.GetValue(seqpacket), asJson = parse.GetValue(json);
            using Socket listener = Bind(at, packets ? SocketType.Seqpacket : SocketType.Stream);
            var output = new Lock();
            int failed = 0;
            try
            {
                if (asJson)
                {
                    JsonOutput.WriteObject(console, w => w.WriteString("listening", at));
                }
                else
                {
                    console.Out.WriteLine($"listening {CliFormat.Printable(at)}");
                }

                console.Out.Flush();
                // Each client is served on its own as soon as it is accepted: a slow one does not hold up the rest.
                var serving = new List<Task>();
                for (long i = 0; i < clients; i++)
                {
                    Socket client = await listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
                    serving.Add(ServeAsync(client));
                }

                await Task.WhenAll(serving).ConfigureAwait(false);
            }
            finally
            {
                RemoveOwnSocketFile(at);
            }

            // Every client was served; one that could not be is a failure of the run (exit 1), said on its own line.
            return failed == 0 ? CliExitCode.Success : CliExitCode.Failed;

            async Task ServeAsync(Socket client)
            {
                using (client)
                {
                    PeerCredentials peer = client.GetPeerCredentials();
                    try
                    {
                        byte[] received = await ReadMessageAsync(client, packets, cancellationToken).ConfigureAwait(false);
                        lock (output)
                        {
                            ClientReport.Print(console, peer, received, asJson);
                        }

                        if (parse.GetValue(echo))
                        {
                            await client.SendAsync(received, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                        }
                    }
                    catch (Exception e) when (e is SocketException or UnixIpcException)
                    {
                        // One client's broken connection or oversized message (EFBIG, EMSGSIZE) does not end the
                        // server: say so, serve the rest.
                        UnixIpcException mapped = e as UnixIpcException ?? UnixSocket.ToUnixIpcException((SocketException)e, "recv", at);
                        lock (output)
                        {
                            failed++;
                            console.Error.WriteLine($"unixipc: uds listen: client pid {peer.ProcessId}: {mapped.Error} ({UnixIpcException.Describe(mapped.Error)})");
                        }
                    }
                }
            }
        }));
        return command;
    }

    private static Command Connect(CliConsole console)
    {
        Argument<string> address = AddressArgument();
        var seqpacket = new Option<bool>("--seqpacket") { Description = "SOCK_SEQPACKET." };
        Option<long> timeout = CliParsers.TimeoutOption("Wait at most this many milliseconds in all: to connect, send and get the reply (exit 3, ETIMEDOUT).");
        var data = new DataInput();
        var command = new Command("connect", "Connect, send the data (--data, --hex or stdin) and print the reply until the server closes.") { address, seqpacket, timeout };
        data.AddTo(command);
        command.SetAction(CliApp.Handler(console, Noun, "connect", async (parse, cancellationToken) =>
        {
            long ms = parse.GetValue(timeout);
            if (ms < -1 || ms > int.MaxValue)
            {
                throw new UsageException($"--timeout must be 0 to {int.MaxValue} milliseconds.");
            }

            byte[] bytes = data.Read(parse, console, limit: 1 << 20);
            console.RequireStandardOutput();
            bool packets = parse.GetValue(seqpacket);
            byte[] reply;
            using (var deadline = new Deadline(ms, cancellationToken))
            {
                try
                {
                    using Socket socket = await ConnectAsync(parse.GetRequiredValue(address), packets ? SocketType.Seqpacket : SocketType.Stream, deadline.Token).ConfigureAwait(false);
                    await socket.SendAsync(bytes, SocketFlags.None, deadline.Token).ConfigureAwait(false);
                    if (!packets)
                    {
                        socket.Shutdown(SocketShutdown.Send); // end of what we send: a stream server knows the message is whole
                    }

                    reply = await ReadMessageAsync(socket, packets, deadline.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (deadline.Expired)
                {
                    return CliApp.Report(console, Noun, "connect", Errno.ETIMEDOUT);
                }
            }

            console.WriteBytes(reply);
            return CliExitCode.Success;
        }));
        return command;
    }

    private static Command SendFd(CliConsole console)
    {
        Argument<string> address = AddressArgument();
        var file = new Argument<string>("FILE") { Description = "The file whose open descriptor (read-only) is passed." };
        Option<long> timeout = CliParsers.TimeoutOption("Wait at most this many milliseconds in all: to connect, pass and be confirmed (exit 3, ETIMEDOUT).");
        var command = new Command("send-fd", "Connect, pass an open descriptor of FILE (SCM_RIGHTS) and wait for the receiver to confirm.") { address, file, timeout };
        command.SetAction(CliApp.Handler(console, Noun, "send-fd", async (parse, cancellationToken) =>
        {
            long ms = parse.GetValue(timeout);
            if (ms < -1 || ms > int.MaxValue)
            {
                throw new UsageException($"--timeout must be 0 to {int.MaxValue} milliseconds.");
            }

            string path = parse.GetRequiredValue(file);
            SafeFileHandle handle;
            try
            {
                // A FIFO is opened without waiting for a writer (a plain open would block until one came).
                handle = Fifo.Exists(path) ? Fifo.OpenReadNonBlocking(path).SafeFileHandle : File.OpenHandle(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw IoErrors.ToErrno(e, "open", path);
            }

            int confirmed;
            var answer = new byte[1];
            using (handle)
            using (var deadline = new Deadline(ms, cancellationToken))
            {
                try
                {
                    using Socket socket = await ConnectAsync(parse.GetRequiredValue(address), SocketType.Stream, deadline.Token).ConfigureAwait(false);
                    await socket.SendWithDescriptorsAsync("F"u8.ToArray(), [handle], deadline.Token).ConfigureAwait(false);
                    socket.Shutdown(SocketShutdown.Send); // the whole message: a receiver that reads to the end is not left waiting
                    confirmed = await socket.ReceiveAsync(answer, SocketFlags.None, deadline.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (deadline.Expired)
                {
                    return CliApp.Report(console, Noun, "send-fd", Errno.ETIMEDOUT);
                }
            }

            // recv-fd answers "." once it has the descriptor and has printed; a peer that closes without it (not
            // recv-fd, or it failed) may have dropped the descriptor: not a success.
            return confirmed == 1 && answer[0] == '.' ? CliExitCode.Success : CliApp.Report(console, Noun, "send-fd", Errno.ECONNRESET);
        }));
        return command;
    }

    private static Command RecvFd(CliConsole console)
    {
        Argument<string> address = AddressArgument();
        var content = new Option<bool>("--print-content") { Description = "Also print what reading the received descriptor from offset 0 yields (up to 1 MiB)." };
        var json = new Option<bool>("--json") { Description = "One JSON object." };
        var command = new Command("recv-fd", "Listen, accept one peer, receive one descriptor; print the peer's pid, uid, gid.") { address, content, json };
        command.SetAction(CliApp.Handler(console, Noun, "recv-fd", async (parse, cancellationToken) =>
        {
            string at = parse.GetRequiredValue(address);
            console.RequireStandardOutput();
            using Socket listener = Bind(at, SocketType.Stream);
            try
            {
                if (!parse.GetValue(json))
                {
                    console.Out.WriteLine($"listening {CliFormat.Printable(at)}");
                    console.Out.Flush();
                }

                using Socket peer = await listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
                PeerCredentials who = peer.GetPeerCredentials();
                (int bytes, SafeFileHandle[] received) = await peer.ReceiveWithDescriptorsAsync(new byte[16], 1, cancellationToken).ConfigureAwait(false);
                using SafeFileHandle? descriptor = received.FirstOrDefault();
                string? text = null;
                if (descriptor is not null && parse.GetValue(content))
                {
                    text = ReadFromStart(descriptor);
                }

                if (parse.GetValue(json))
                {
                    JsonOutput.WriteObject(console, w =>
                    {
                        w.WriteNumber("pid", who.ProcessId);
                        w.WriteNumber("uid", who.UserId);
                        w.WriteNumber("gid", who.GroupId);
                        w.WriteNumber("descriptors", received.Length);
                        if (text is not null)
                        {
                            w.WriteString("content", text);
                        }
                    });
                }
                else
                {
                    console.Out.WriteLine($"peer pid={who.ProcessId} uid={who.UserId} gid={who.GroupId} sent {bytes} byte(s) and {received.Length} descriptor(s)");
                    if (text is not null)
                    {
                        console.Out.Write(text);
                    }
                }

                if (received.Length != 1)
                {
                    return CliApp.Report(console, Noun, "recv-fd", Errno.EBADMSG);
                }

                // Confirmed only now, once printed: if anything before failed, the sender is told so by its absence.
                console.Out.Flush();
                await peer.SendAsync("."u8.ToArray(), SocketFlags.None, cancellationToken).ConfigureAwait(false);
                return CliExitCode.Success;
            }
            finally
            {
                RemoveOwnSocketFile(at);
            }
        }));
        return command;
    }

    // pread from offset 0, as the description says: a descriptor without that (a pipe, a socket: ESPIPE; a directory:
    // EISDIR) is the kernel's errno, not a usage error.
    private static string ReadFromStart(SafeFileHandle descriptor)
    {
        var buffer = new byte[1 << 20];
        try
        {
            return Encoding.UTF8.GetString(buffer, 0, RandomAccess.Read(descriptor, buffer, 0));
        }
        catch (NotSupportedException)
        {
            throw new UnixIpcException(Errno.ESPIPE, "pread", "descriptor", null, "The descriptor cannot be read from an offset (a pipe, FIFO or socket): it has no content to print.");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw IoErrors.ToErrno(e, "pread", "descriptor");
        }
    }

    // One time-out over several steps (connect, send, receive): a token that fires at the deadline or on Ctrl-C.
    private sealed class Deadline : IDisposable
    {
        private readonly CancellationToken _interrupt;
        private readonly CancellationTokenSource? _timer;
        private readonly CancellationTokenSource _linked;

        public Deadline(long milliseconds, CancellationToken interrupt)
        {
            _interrupt = interrupt;
            _timer = milliseconds >= 0 ? new CancellationTokenSource(TimeSpan.FromMilliseconds(milliseconds)) : null;
            _linked = CancellationTokenSource.CreateLinkedTokenSource(interrupt, _timer?.Token ?? CancellationToken.None);
        }

        public CancellationToken Token => _linked.Token;

        /// <summary>The time ran out (and it was not Ctrl-C, which is exit 130).</summary>
        public bool Expired => _timer?.IsCancellationRequested == true && !_interrupt.IsCancellationRequested;

        public void Dispose()
        {
            _linked.Dispose();
            _timer?.Dispose();
        }
    }

    private static Socket Bind(string address, SocketType type) => UnixSocket.Listen(address, type);

    private static Task<Socket> ConnectAsync(string address, SocketType type, CancellationToken cancellationToken) => UnixSocket.ConnectAsync(address, type, cancellationToken);

    private const int MaxMessage = 16 << 20;

    // A stream: everything until the peer shuts down its side, at most 16 MiB. A seqpacket: one message, read into a
    // buffer larger than the socket's own limit (SO_RCVBUF), so a full buffer can only mean a cut message. Neither is
    // ever cut short silently: EFBIG / EMSGSIZE instead.
    private static async Task<byte[]> ReadMessageAsync(Socket socket, bool onePacket, CancellationToken cancellationToken)
    {
        if (onePacket)
        {
            var packet = new byte[Math.Max(socket.ReceiveBufferSize, 1 << 16) + 1];
            int size = await socket.ReceiveAsync(packet, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            return size == packet.Length
                ? throw new UnixIpcException(Errno.EMSGSIZE, "recv", "socket", null, $"A message larger than {packet.Length - 1} bytes was cut short.")
                : packet[..size];
        }

        using var collected = new MemoryStream();
        var buffer = new byte[65536];
        int read;
        while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (collected.Length + read > MaxMessage)
            {
                throw new UnixIpcException(Errno.EFBIG, "recv", "socket", null, $"More than {MaxMessage} bytes came: uds keeps a message in memory, so it stops there.");
            }

            collected.Write(buffer, 0, read);
        }

        return collected.ToArray();
    }

    private static void RemoveOwnSocketFile(string address) => UnixSocket.RemoveSocketFile(address);
}

using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Microsoft.Win32.SafeHandles;
using static UnixIpc.Cli.TourSteps;

namespace UnixIpc.Cli;

/// <summary>
/// Unix domain sockets: an echo server with three concurrent client processes (each reply checked, each client's
/// pid and uid as the server saw them), a pipe's read end handed from one process to an unrelated one, and a file
/// descriptor whose offset (moved by the sender's dd) is where the receiver finds it.
/// </summary>
internal sealed class UnixSocketTour : TourScenario
{
    public override IReadOnlyDictionary<string, Action<string[], TextWriter>> Roles { get; } = new Dictionary<string, Action<string[], TextWriter>>
    {
        ["uds-client"] = (a, o) => Client(a[0], a[1], o),
        ["uds-fd-sender"] = (a, o) => SendDescriptor(a[0], o),
        ["uds-file-sender"] = (a, o) => SendFileDescriptor(a[0], a[1], o),
    };

    public override async Task RunAsync(TourRunner tour, CancellationToken cancellationToken)
    {
        await EchoAsync(tour, cancellationToken).ConfigureAwait(false);
        await PassDescriptorAsync(tour, cancellationToken).ConfigureAwait(false);
        await ShareFileOffsetAsync(tour, cancellationToken).ConfigureAwait(false);
    }

    private static async Task EchoAsync(TourRunner tour, CancellationToken cancellationToken)
    {
        string address = $"@unixipc_tour_{Environment.ProcessId}_echo";
        tour.Heading($"Unix socket: an echo server on {address} (abstract: no file) and three client processes at once");
        var seen = new List<string>();
        await using var server = UnixSocketServer.Start(address, async (connection, peer, stop) =>
        {
            var buffer = new byte[256];
            int read = await connection.ReceiveAsync(buffer, SocketFlags.None, stop).ConfigureAwait(false);
            string text = Encoding.UTF8.GetString(buffer, 0, read);
            lock (seen)
            {
                seen.Add($"{peer.ProcessId}:{text}");
            }

            tour.Line("server", Environment.ProcessId, $"client pid {peer.ProcessId} uid {peer.UserId} (SO_PEERCRED) sent \"{text}\"; echoing");
            await connection.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, stop).ConfigureAwait(false);
        }, new UnixSocketServerOptions { MaxConcurrentClients = 3 });
        string[] messages = ["first client", "second client", "third client"];
        var clients = messages.Select(m => ChildProcess.Start(TourRunner.StepOptions("uds-client", address, m))).ToList();
        try
        {
            await Task.WhenAll(clients.Select(c => tour.RelayAsync("client", c, cancellationToken))).ConfigureAwait(false);
            await server.StopAsync(cancellationToken).ConfigureAwait(false);
            tour.Check(server.AcceptedClients == 3 && clients.All(c => seen.Contains($"{c.ProcessId}:{messages[clients.IndexOf(c)]}")), "each client's pid, as the server saw it, is the process that sent that message, and each got its echo");
        }
        finally
        {
            foreach (ChildProcess client in clients)
            {
                TourRunner.Stop(client);
                client.Dispose();
            }
        }
    }

    private static async Task PassDescriptorAsync(TourRunner tour, CancellationToken cancellationToken)
    {
        string address = $"@unixipc_tour_{Environment.ProcessId}_fd";
        tour.Heading("Unix socket: a process hands an open descriptor (a pipe's read end) to an unrelated one (SCM_RIGHTS)");
        using Socket listener = UnixSocket.Listen(address);
        using ChildProcess sender = ChildProcess.Start(TourRunner.StepOptions("uds-fd-sender", address));
        Task<ChildExitStatus> relay = tour.RelayAsync("sender", sender, cancellationToken);
        using Socket connection = await listener.AcceptAsync(cancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        (_, SafeFileHandle[] received) = await connection.ReceiveWithDescriptorsAsync(new byte[8], 1, cancellationToken).ConfigureAwait(false);
        using PipeEndStream reader = PipeEndStream.FromHandle(received.Single());
        string text = await new StreamReader(reader).ReadToEndAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        tour.Line("tour", Environment.ProcessId, $"received a descriptor from pid {connection.GetPeerCredentials().ProcessId} and read \"{text}\" from it, then end of stream");
        await relay.ConfigureAwait(false);
        tour.Check(text == PassedText, "the descriptor crossed to a process that never had the pipe, and worked there");
    }

    // A passed descriptor is the same open file description: the offset the sender's reads left is where the
    // receiver's descriptor stands (/proc/self/fdinfo shows it).
    private static async Task ShareFileOffsetAsync(TourRunner tour, CancellationToken cancellationToken)
    {
        string address = $"@unixipc_tour_{Environment.ProcessId}_file";
        string file = Path.Combine(Path.GetTempPath(), $"unixipc_tour_{Environment.ProcessId}_offset.txt");
        tour.Heading("Unix socket: a file descriptor passed after 4 bytes were read through it keeps its offset (one open file, two processes)");
        await File.WriteAllTextAsync(file, "0123456789", cancellationToken).ConfigureAwait(false);
        try
        {
            using Socket listener = UnixSocket.Listen(address);
            using ChildProcess sender = ChildProcess.Start(TourRunner.StepOptions("uds-file-sender", address, file));
            Task<ChildExitStatus> relay = tour.RelayAsync("sender", sender, cancellationToken);
            using Socket connection = await listener.AcceptAsync(cancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
            (_, SafeFileHandle[] received) = await connection.ReceiveWithDescriptorsAsync(new byte[8], 1, cancellationToken).ConfigureAwait(false);
            using SafeFileHandle handle = received.Single();
            long offset = FileOffset(handle);
            var rest = new byte[16];
            int read = RandomAccess.Read(handle, rest, offset);
            string text = Encoding.ASCII.GetString(rest, 0, read);
            tour.Line("tour", Environment.ProcessId, $"received a descriptor of {Path.GetFileName(file)} from pid {connection.GetPeerCredentials().ProcessId}: it stands at offset {offset} (/proc/self/fdinfo), and reading from there gives \"{text}\"");
            await relay.ConfigureAwait(false);
            tour.Check(offset == 4 && text == "456789", "the offset the sender's reads left is the receiver's: one open file description shared by two processes");
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static long FileOffset(SafeFileHandle handle)
    {
        string line = File.ReadLines($"/proc/self/fdinfo/{handle.DangerousGetHandle()}").First(l => l.StartsWith("pos:", StringComparison.Ordinal));
        return long.Parse(line.AsSpan(4).Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    // Opens FILE, lets dd read exactly 4 bytes through that descriptor (moving its offset), then passes it on.
    private static void SendFileDescriptor(string address, string file, TextWriter output)
    {
        var clock = Stopwatch.StartNew();
        using SafeFileHandle handle = File.OpenHandle(file);
        var dd = new ChildProcessOptions("dd", "bs=1", "count=4", "status=none") { StandardInput = ChildDescriptor.From(handle), StandardOutput = ChildDescriptor.Null };
        using (ChildProcess reader = ChildProcess.Start(dd))
        {
            if (!reader.WaitForExitAsync().GetAwaiter().GetResult().Success)
            {
                throw new InvalidOperationException("dd failed");
            }
        }

        using Socket socket = UnixSocket.ConnectAsync(address).GetAwaiter().GetResult();
        socket.SendWithDescriptors("F"u8, handle);
        Say(output, clock, "opened the file, let dd read 4 bytes through the descriptor, passed the descriptor over the socket");
    }

    private const string PassedText = "written before the read end was passed";

    private static void Client(string address, string message, TextWriter output)
    {
        var clock = Stopwatch.StartNew();
        using Socket socket = UnixSocket.ConnectAsync(address).GetAwaiter().GetResult();
        socket.Send(Encoding.UTF8.GetBytes(message));
        var buffer = new byte[256];
        int read = socket.Receive(buffer);
        string echo = Encoding.UTF8.GetString(buffer, 0, read);
        Say(output, clock, $"sent \"{message}\", got back \"{echo}\"");
        if (echo != message)
        {
            throw new InvalidOperationException("the echo differs");
        }
    }

    private static void SendDescriptor(string address, TextWriter output)
    {
        var clock = Stopwatch.StartNew();
        using Pipe pipe = Pipe.Create();
        pipe.Writer.Write(Encoding.UTF8.GetBytes(PassedText));
        pipe.Writer.Dispose(); // the reader will see end of stream after the text
        using Socket socket = UnixSocket.ConnectAsync(address).GetAwaiter().GetResult();
        socket.SendWithDescriptors("F"u8, pipe.Reader.SafeFileHandle);
        Say(output, clock, $"made a pipe, wrote {PassedText.Length} bytes, passed its read end over the socket");
    }
}

using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Microsoft.Win32.SafeHandles;
using static UnixIpc.Cli.TourSteps;

namespace UnixIpc.Cli;

/// <summary>
/// Unix domain sockets: an echo server with three concurrent client processes (each reply checked, each client's
/// pid and uid as the server saw them), and a descriptor handed from one process to an unrelated one. (The shared file
/// offset of a passed descriptor is shown by the tests against a C process: .NET's FileStream keeps its own offset.)
/// </summary>
internal sealed class UnixSocketTour : TourScenario
{
    public override IReadOnlyDictionary<string, Action<string[], TextWriter>> Roles { get; } = new Dictionary<string, Action<string[], TextWriter>>
    {
        ["uds-client"] = (a, o) => Client(a[0], a[1], o),
        ["uds-fd-sender"] = (a, o) => SendDescriptor(a[0], o),
    };

    public override async Task RunAsync(TourRunner tour, CancellationToken cancellationToken)
    {
        await EchoAsync(tour, cancellationToken).ConfigureAwait(false);
        await PassDescriptorAsync(tour, cancellationToken).ConfigureAwait(false);
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
                client.Kill();
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

using System.Diagnostics;
using System.Globalization;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using UnixIpc.Cli.TourRpc;
using UnixIpc.Grpc;
using static UnixIpc.Cli.TourSteps;

namespace UnixIpc.Cli;

/// <summary>
/// gRPC (#15): one Kestrel host serves the same service over TCP loopback, a Unix socket and shared memory; a client
/// process calls it over each, with the round trip it measured and the caller's pid and uid as the server saw them
/// (none over TCP). A second service that allows only another uid refuses the same caller with PermissionDenied.
/// </summary>
internal sealed class GrpcTour : TourScenario
{
    private const int Calls = 200;

    public override IReadOnlyDictionary<string, Action<string[], TextWriter>> Roles { get; } = new Dictionary<string, Action<string[], TextWriter>>
    {
        ["grpc-client"] = (a, o) => CallEach(a[0], a[1], a[2], a[3], o),
    };

    public override async Task RunAsync(TourRunner tour, CancellationToken cancellationToken)
    {
        string socket = $"@unixipc_tour_{Environment.ProcessId}_grpc";
        string shm = $"/unixipc_tour_{Environment.ProcessId}_grpc";
        string refusing = $"@unixipc_tour_{Environment.ProcessId}_grpc_refusing";
        tour.Heading("gRPC: one service over TCP, a Unix socket and shared memory; the caller's identity from the kernel");
        int myUid = EffectiveUserId();

        await using WebApplication open = Host(tour, options => { }, kestrel =>
        {
            kestrel.Listen(System.Net.IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2);
            kestrel.ListenUnixSocketForGrpc(socket);
            kestrel.ListenSharedMemory(shm);
        });
        await open.StartAsync(cancellationToken).ConfigureAwait(false);
        int port = new Uri(open.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First(a => a.StartsWith("http://127.0.0.1:", StringComparison.Ordinal))).Port;

        // Only a uid other than ours may call this one.
        await using WebApplication closed = Host(tour, options => options.AddUnixPeerAuthorization(new UnixPeerPolicy { AllowedUserIds = new HashSet<int> { myUid + 1 } }),
            kestrel => kestrel.ListenUnixSocketForGrpc(refusing));
        await closed.StartAsync(cancellationToken).ConfigureAwait(false);

        using ChildProcess client = ChildProcess.Start(TourRunner.StepOptions("grpc-client", port.ToString(CultureInfo.InvariantCulture), socket, shm, refusing));
        ChildExitStatus status = await tour.RelayAsync("client", client, cancellationToken).ConfigureAwait(false);
        tour.Check(status.Success, "the call went through over TCP, the Unix socket and shared memory, and the refusing service said PermissionDenied");
        await closed.StopAsync(cancellationToken).ConfigureAwait(false);
        await open.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    // Field 2 of "Uid:" in /proc/self/status (real, effective, saved, filesystem).
    private static int EffectiveUserId() =>
        int.Parse(File.ReadLines("/proc/self/status").First(l => l.StartsWith("Uid:", StringComparison.Ordinal)).Split('\t', StringSplitOptions.RemoveEmptyEntries)[2], CultureInfo.InvariantCulture);

    private static WebApplication Host(TourRunner tour, Action<global::Grpc.AspNetCore.Server.GrpcServiceOptions> grpc, Action<KestrelServerOptions> listen)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddGrpc(grpc);
        builder.Services.AddSingleton(tour);
        builder.WebHost.UseSharedMemoryTransport();
        builder.WebHost.ConfigureKestrel(listen);
        WebApplication app = builder.Build();
        app.MapGrpcService<TourGreeter>();
        return app;
    }

    // The client process: a warm-up call and CALLS timed calls over each transport, then the refused one.
    private static void CallEach(string port, string socket, string shm, string refusing, TextWriter output)
    {
        (string Transport, Func<GrpcChannel> Open)[] transports =
        [
            ("TCP loopback", () => GrpcChannel.ForAddress($"http://127.0.0.1:{port}")),
            ("Unix socket", () => UnixGrpcChannel.ForUnixSocket(socket)),
            ("shared memory", () => UnixGrpcChannel.ForSharedMemory(shm)),
        ];
        foreach ((string transport, Func<GrpcChannel> openChannel) in transports)
        {
            using GrpcChannel channel = openChannel();
            var client = new Greeter.GreeterClient(channel);
            var clock = Stopwatch.StartNew();
            GreetReply reply = client.Greet(new GreetRequest { Name = transport });
            var timed = Stopwatch.StartNew();
            for (int i = 0; i < Calls; i++)
            {
                client.Greet(new GreetRequest { Name = transport });
            }

            double perCall = timed.Elapsed.TotalMicroseconds / Calls;
            string who = reply.CallerKnown ? $"pid {reply.CallerPid} uid {reply.CallerUid}" : "unknown (TCP: no kernel-verified identity)";
            Say(output, clock, string.Create(CultureInfo.InvariantCulture, $"over {transport}: \"{reply.Message}\"; the server saw the caller as {who}; {perCall:F0} µs per call over {Calls} calls"));
            if (reply.CallerKnown && reply.CallerPid != Environment.ProcessId)
            {
                throw new InvalidOperationException("the server saw another pid");
            }
        }

        var refused = Stopwatch.StartNew();
        using GrpcChannel closed = UnixGrpcChannel.ForUnixSocket(refusing);
        try
        {
            new Greeter.GreeterClient(closed).Greet(new GreetRequest { Name = "refused" });
            throw new InvalidOperationException("a service that allows another uid served us");
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.PermissionDenied)
        {
            Say(output, refused, $"a service that allows only another uid answered PermissionDenied: {e.Status.Detail}");
        }
    }
}

/// <summary>The tour's service: greets, and says who called.</summary>
internal sealed class TourGreeter(TourRunner tour) : Greeter.GreeterBase
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> s_said = new();

    public override Task<GreetReply> Greet(GreetRequest request, ServerCallContext context)
    {
        PeerCredentials? caller = context.GetUnixPeer();
        if (s_said.TryAdd(request.Name, true)) // one line per transport, not per call
        {
            tour.Line("server", Environment.ProcessId, caller is PeerCredentials c
                ? $"a call over {request.Name} from pid {c.ProcessId} uid {c.UserId} gid {c.GroupId} (the kernel's word)"
                : $"a call over {request.Name}, caller unknown");
        }

        return Task.FromResult(new GreetReply
        {
            Message = "hello over " + request.Name,
            CallerKnown = caller is not null,
            CallerPid = caller?.ProcessId ?? 0,
            CallerUid = caller?.UserId ?? -1,
        });
    }
}

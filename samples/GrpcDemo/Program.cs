using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.AspNetCore.Hosting;
using System.Globalization;
using Grpc.Core;
using Grpc.Net.Client;
using UnixIpc.Grpc;
using UnixIpc.Samples.Grpc;

// The gRPC sample: one service, served over a Unix socket and TCP by the same Kestrel host, and a client.
//   GrpcDemo server [--unix ADDRESS] [--shm NAME] [--tcp PORT] [--allow-uid UID]...   prints "ready", serves until stdin closes
//   GrpcDemo client (--unix ADDRESS | --shm NAME | --tcp PORT) echo TEXT | count N | rtt N | wait MS
if (args.Length == 0)
{
    Console.Error.WriteLine("usage: GrpcDemo server [--unix ADDRESS] [--shm NAME] [--tcp PORT] [--allow-uid UID]... | client (--unix ADDRESS | --shm NAME | --tcp PORT) echo TEXT|count N|rtt N|wait MS");
    return 2;
}

string? Option(string name) => Array.IndexOf(args, name) is int i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

if (args[0] == "server")
{
    var builder = WebApplication.CreateSlimBuilder();
    builder.Logging.ClearProviders();
    var allowed = args.Select((a, i) => (a, i)).Where(p => p.a == "--allow-uid").Select(p => int.Parse(args[p.i + 1], CultureInfo.InvariantCulture)).ToHashSet();
    builder.Services.AddGrpc(options =>
    {
        if (allowed.Count > 0)
        {
            options.AddUnixPeerAuthorization(new UnixPeerPolicy { AllowedUserIds = allowed });
        }
    });
    builder.WebHost.UseSharedMemoryTransport();
    builder.WebHost.ConfigureKestrel(kestrel =>
    {
        if (Option("--unix") is string address)
        {
            kestrel.ListenUnixSocketForGrpc(address);
        }

        if (Option("--shm") is string name)
        {
            kestrel.ListenSharedMemory(name);
        }

        if (Option("--tcp") is string port)
        {
            kestrel.ListenLocalhost(int.Parse(port, CultureInfo.InvariantCulture), listen => listen.Protocols = Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http2);
        }
    });
    WebApplication app = builder.Build();
    app.MapGrpcService<DemoService>();
    await app.StartAsync();
    Console.WriteLine($"ready {Environment.ProcessId}");
    await Console.In.ReadToEndAsync(); // serve until whoever started us closes our stdin
    await app.StopAsync();
    return 0;
}

using GrpcChannel channel = Option("--unix") is string unix ? UnixGrpcChannel.ForUnixSocket(unix)
    : Option("--shm") is string shm ? UnixGrpcChannel.ForSharedMemory(shm)
    : GrpcChannel.ForAddress($"http://localhost:{Option("--tcp")}"); // across machines: the only line that changes
var client = new Demo.DemoClient(channel);
string verb = args[^2], argument = args[^1];
try
{
    switch (verb)
    {
        case "echo":
            EchoReply reply = await client.EchoAsync(new EchoRequest { Text = argument });
            Console.WriteLine($"{reply.Text} caller_known={reply.CallerKnown} caller_pid={reply.CallerPid} caller_uid={reply.CallerUid} caller_gid={reply.CallerGid} server_pid={reply.ServerPid} my_pid={Environment.ProcessId}");
            break;
        case "count":
            using (AsyncServerStreamingCall<CountReply> call = client.Count(new CountRequest { Count = int.Parse(argument, CultureInfo.InvariantCulture) }))
            {
                await foreach (CountReply number in call.ResponseStream.ReadAllAsync())
                {
                    Console.WriteLine(number.Number);
                }
            }

            break;
        case "rtt":
            int calls = int.Parse(argument, CultureInfo.InvariantCulture);
            await client.EchoAsync(new EchoRequest { Text = "warm-up" });
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < calls; i++)
            {
                await client.EchoAsync(new EchoRequest { Text = "x" });
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{calls} calls, {clock.Elapsed.TotalMicroseconds / calls:F1} us per call"));
            break;
        case "wait":
            await client.WaitAsync(new WaitRequest(), deadline: DateTime.UtcNow.AddMilliseconds(int.Parse(argument, CultureInfo.InvariantCulture)));
            break;
        default:
            Console.Error.WriteLine($"unknown client verb {verb}");
            return 2;
    }
}
catch (RpcException e)
{
    Console.WriteLine($"status {e.StatusCode}: {e.Status.Detail}");
    return 1;
}

return 0;

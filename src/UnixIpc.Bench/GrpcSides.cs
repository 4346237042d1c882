using System.Globalization;
using System.Net;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using UnixIpc.Benchmarking.Rpc;
using UnixIpc.Grpc;

namespace UnixIpc.Benchmarking;

/// <summary>
/// The gRPC rows, one side each: the peer is a Kestrel server on the row's transport (a Unix socket, shared memory,
/// or — .NET's own, the baseline — TCP loopback), the measuring side a <see cref="GrpcChannel"/> client. Round trips
/// are unary <c>Echo</c> calls, one in flight; throughput is one client-streaming <c>Drain</c> call. Neither side is
/// pinned: Kestrel and the client run on the thread pool, as in any gRPC application. The argument is the address:
/// <c>@name</c> (Unix socket), <c>/name</c> (shared memory) or <c>127.0.0.1:PORT</c>.
/// </summary>
internal static class GrpcSides
{
    /// <summary>How long the client retries its first call while the server starts.</summary>
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    public static void Run(string mode, bool measuring, int size, int count, string address, Stream output)
    {
        if (!measuring)
        {
            ServeAsync(address).GetAwaiter().GetResult();
            return;
        }

        using GrpcChannel channel = Channel(address);
        var client = new BenchRpc.BenchRpcClient(channel);
        var request = new Payload { Data = ByteString.CopyFrom(new byte[size]) };
        WaitForServer(client, request);
        switch (mode)
        {
            case "latency":
                Payload? response = null;
                long[] samples = TwoProcessLoops.RoundTripSamples(count, size, _ => response = client.Echo(request), into => response!.Data.Span.CopyTo(into));
                output.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(samples.AsSpan()));
                break;
            case "throughput":
                using (AsyncClientStreamingCall<Payload, Count> call = client.Drain())
                {
                    double rate = TwoProcessLoops.MessagesPerSecond(count, size, _ => call.RequestStream.WriteAsync(request).GetAwaiter().GetResult(), _ =>
                    {
                        call.RequestStream.CompleteAsync().GetAwaiter().GetResult();
                        long drained = call.ResponseAsync.GetAwaiter().GetResult().Bytes;
                        if (drained != (long)(count + (count / 4)) * size)
                        {
                            throw new InvalidDataException($"the server read {drained} bytes of {(long)(count + (count / 4)) * size}");
                        }
                    });
                    output.Write(System.Text.Encoding.ASCII.GetBytes(rate.ToString("F1", CultureInfo.InvariantCulture) + "\n"));
                }

                break;
            default:
                throw new ArgumentException($"gRPC: no '{mode}' figure (latency or throughput)");
        }

        output.Flush();
        client.Stop(new Count());
    }

    private static GrpcChannel Channel(string address) => address[0] switch
    {
        '@' => UnixGrpcChannel.ForUnixSocket(address),
        '/' => UnixGrpcChannel.ForSharedMemory(address),
        _ => GrpcChannel.ForAddress("http://" + address),
    };

    // The first call, retried while nobody listens yet (the server process is still starting).
    private static void WaitForServer(BenchRpc.BenchRpcClient client, Payload request)
    {
        for (long deadline = Environment.TickCount64 + (long)StartTimeout.TotalMilliseconds; ; Thread.Sleep(5))
        {
            try
            {
                client.Echo(request);
                return;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable && Environment.TickCount64 < deadline)
            {
                // Not listening yet.
            }
        }
    }

    private static async Task ServeAsync(string address)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddGrpc(options => options.MaxReceiveMessageSize = null);
        builder.WebHost.UseSharedMemoryTransport();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            switch (address[0])
            {
                case '@':
                    kestrel.ListenUnixSocketForGrpc(address);
                    break;
                case '/':
                    kestrel.ListenSharedMemory(address);
                    break;
                default:
                    kestrel.Listen(IPEndPoint.Parse(address), listen => listen.Protocols = HttpProtocols.Http2);
                    break;
            }
        });
        await using WebApplication app = builder.Build();
        app.MapGrpcService<Service>();
        await app.RunAsync().ConfigureAwait(false); // until Stop
    }

    private sealed class Service(IHostApplicationLifetime lifetime) : BenchRpc.BenchRpcBase
    {
        public override Task<Payload> Echo(Payload request, ServerCallContext context) => Task.FromResult(request);

        public override async Task<Count> Drain(IAsyncStreamReader<Payload> requestStream, ServerCallContext context)
        {
            long bytes = 0;
            while (await requestStream.MoveNext(context.CancellationToken).ConfigureAwait(false))
            {
                bytes += requestStream.Current.Data.Length;
            }

            return new Count { Bytes = bytes };
        }

        public override Task<Count> Stop(Count request, ServerCallContext context)
        {
            context.GetHttpContext().Response.OnCompleted(() =>
            {
                lifetime.StopApplication(); // once the answer has gone
                return Task.CompletedTask;
            });
            return Task.FromResult(new Count());
        }
    }
}

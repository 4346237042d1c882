using Grpc.Core;
using Grpc.Net.Client;
using UnixIpc.Grpc;
using UnixIpc.Samples.Grpc;

namespace UnixIpc.Tests;

/// <summary>
/// The same behaviour over every transport (#15): streaming, deadlines, cancellation and a server killed mid-call, over
/// a Unix socket, shared memory and TCP, against the sample server in a child process.
/// </summary>
[Collection(CrossProcessCollection.Name)]
public sealed class GrpcTransportTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    public static TheoryData<string> Transports => ["unix", "shm", "tcp"];

    // The server started on TRANSPORT, and a channel to it.
    private static async Task<(DemoServerProcess Server, GrpcChannel Channel)> StartAsync(string transport)
    {
        switch (transport)
        {
            case "unix":
                string address = $"@{TestNames.Prefix}{Environment.ProcessId}_{Guid.NewGuid():N}";
                return (await DemoServerProcess.StartAsync("--unix", address), UnixGrpcChannel.ForUnixSocket(address));
            case "shm":
                string name = TestNames.Unique("grpcshm");
                return (await DemoServerProcess.StartAsync("--shm", name), UnixGrpcChannel.ForSharedMemory(name));
            default:
                int port = DemoServerProcess.FreeTcpPort();
                return (await DemoServerProcess.StartAsync("--tcp", DemoServerProcess.Text(port)), GrpcChannel.ForAddress($"http://127.0.0.1:{port}"));
        }
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task A_stream_of_a_thousand_messages_arrives_whole_and_in_order(string transport)
    {
        (DemoServerProcess server, GrpcChannel channel) = await StartAsync(transport);
        await using (server)
        using (channel)
        {
            using AsyncServerStreamingCall<CountReply> call = new Demo.DemoClient(channel).Count(new CountRequest { Count = 1000 });
            int expected = 1;
            await foreach (CountReply number in call.ResponseStream.ReadAllAsync().WithCancellation(new CancellationTokenSource(Bound).Token))
            {
                Assert.Equal(expected++, number.Number);
            }

            Assert.Equal(1001, expected);
        }
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Deadlines_and_cancellation_reach_the_server_and_it_serves_on(string transport)
    {
        (DemoServerProcess server, GrpcChannel channel) = await StartAsync(transport);
        await using (server)
        using (channel)
        {
            var client = new Demo.DemoClient(channel);
            var late = await Assert.ThrowsAsync<RpcException>(() => client.WaitAsync(new WaitRequest(), deadline: DateTime.UtcNow.AddMilliseconds(100)).ResponseAsync.WaitAsync(Bound));
            Assert.Equal(StatusCode.DeadlineExceeded, late.StatusCode);

            using var cancel = new CancellationTokenSource();
            AsyncUnaryCall<WaitReply> waiting = client.WaitAsync(new WaitRequest(), cancellationToken: cancel.Token);
            await cancel.CancelAsync();
            Assert.Equal(StatusCode.Cancelled, (await Assert.ThrowsAsync<RpcException>(() => waiting.ResponseAsync.WaitAsync(Bound))).StatusCode);
            Assert.Equal("after", (await client.EchoAsync(new EchoRequest { Text = "after" }).ResponseAsync.WaitAsync(Bound)).Text);
        }
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task A_server_killed_mid_stream_gives_the_client_Unavailable_not_a_hang(string transport)
    {
        (DemoServerProcess server, GrpcChannel channel) = await StartAsync(transport);
        await using (server)
        using (channel)
        {
            using AsyncServerStreamingCall<CountReply> call = new Demo.DemoClient(channel).Count(new CountRequest { Count = int.MaxValue });
            Assert.True(await call.ResponseStream.MoveNext().WaitAsync(Bound)); // the call is under way in the server
            server.Kill();
            var broken = await Assert.ThrowsAsync<RpcException>(async () =>
            {
                while (await call.ResponseStream.MoveNext().WaitAsync(Bound))
                {
                }
            });
            Assert.Equal(StatusCode.Unavailable, broken.StatusCode);
        }
    }
}

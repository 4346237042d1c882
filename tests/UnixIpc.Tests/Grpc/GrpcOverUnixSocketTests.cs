using System.Net.Sockets;
using Grpc.Core;
using Grpc.Net.Client;
using UnixIpc.Grpc;
using UnixIpc.Samples.Grpc;

namespace UnixIpc.Tests;

/// <summary>
/// gRPC between processes (#15): the sample server (samples/GrpcDemo) in a child process, this process as the client,
/// over a Unix socket path, an abstract name and TCP.
/// </summary>
[Collection(CrossProcessCollection.Name)]
public sealed class GrpcOverUnixSocketTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private static string Abstract() => $"@{TestNames.Prefix}{Environment.ProcessId}_{Guid.NewGuid():N}";

    private static string SocketPath() => Path.Combine(Path.GetTempPath(), $"{TestNames.Prefix}{Environment.ProcessId}_{Guid.NewGuid():N}.sock");

    [Fact]
    public async Task Unary_and_streaming_calls_over_a_Unix_socket_tell_the_service_the_callers_pid_uid_and_gid()
    {
        foreach (string address in new[] { SocketPath(), Abstract() })
        {
            await using DemoServerProcess server = await DemoServerProcess.StartAsync("--unix", address);
            try
            {
                using GrpcChannel channel = UnixGrpcChannel.ForUnixSocket(address);
                var client = new Demo.DemoClient(channel);
                EchoReply reply = await client.EchoAsync(new EchoRequest { Text = "over " + address }).ResponseAsync.WaitAsync(Bound);
                Assert.Equal("over " + address, reply.Text);
                Assert.Equal(server.ProcessId, reply.ServerPid); // it crossed to the other process…
                Assert.True(reply.CallerKnown);
                Assert.Equal(Environment.ProcessId, reply.CallerPid); // …which knows, from the kernel, who called
                Assert.Equal((int)TestNative.GetEuid(), reply.CallerUid);
                Assert.Equal((int)TestNative.GetEgid(), reply.CallerGid);

                using AsyncServerStreamingCall<CountReply> call = client.Count(new CountRequest { Count = 5 });
                var numbers = new List<int>();
                await foreach (CountReply number in call.ResponseStream.ReadAllAsync().WithCancellation(new CancellationTokenSource(Bound).Token))
                {
                    numbers.Add(number.Number);
                }

                Assert.Equal([1, 2, 3, 4, 5], numbers);
            }
            finally
            {
                UnixSocket.RemoveSocketFile(address);
            }
        }
    }

    [Fact]
    public async Task The_same_calls_over_shared_memory_carry_the_callers_identity_and_leave_nothing_behind()
    {
        string name = TestNames.Unique("grpc");
        await using DemoServerProcess server = await DemoServerProcess.StartAsync("--shm", name);
        using (GrpcChannel channel = UnixGrpcChannel.ForSharedMemory(name))
        {
            var client = new Demo.DemoClient(channel);
            EchoReply reply = await client.EchoAsync(new EchoRequest { Text = "over shared memory" }).ResponseAsync.WaitAsync(Bound);
            Assert.Equal("over shared memory", reply.Text);
            Assert.Equal(server.ProcessId, reply.ServerPid);
            Assert.True(reply.CallerKnown);
            Assert.Equal(Environment.ProcessId, reply.CallerPid);
            Assert.Equal((int)TestNative.GetEuid(), reply.CallerUid);

            using AsyncServerStreamingCall<CountReply> call = client.Count(new CountRequest { Count = 1000 });
            int expected = 1;
            await foreach (CountReply number in call.ResponseStream.ReadAllAsync().WithCancellation(new CancellationTokenSource(Bound).Token))
            {
                Assert.Equal(expected++, number.Number);
            }

            Assert.Equal(1001, expected);
        }

        Assert.Empty(Directory.EnumerateFiles("/dev/shm", $"unixipc_stream_{Environment.ProcessId}_*"));

        using GrpcChannel nowhere = UnixGrpcChannel.ForSharedMemory(TestNames.Unique("nolistener"));
        var refused = await Assert.ThrowsAsync<RpcException>(() => new Demo.DemoClient(nowhere).EchoAsync(new EchoRequest()).ResponseAsync.WaitAsync(Bound));
        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
        Assert.Contains("ECONNREFUSED", refused.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_same_service_over_TCP_answers_without_a_caller_identity()
    {
        int port = DemoServerProcess.FreeTcpPort();
        await using DemoServerProcess server = await DemoServerProcess.StartAsync("--tcp", DemoServerProcess.Text(port));
        using GrpcChannel channel = GrpcChannel.ForAddress($"http://localhost:{port}");
        EchoReply reply = await new Demo.DemoClient(channel).EchoAsync(new EchoRequest { Text = "tcp" }).ResponseAsync.WaitAsync(Bound);
        Assert.Equal(server.ProcessId, reply.ServerPid);
        Assert.False(reply.CallerKnown); // the kernel vouches for no one over TCP
    }

    [SkippableFact]
    public async Task A_caller_whose_uid_is_not_allowed_is_refused_with_PermissionDenied_and_an_allowed_one_served()
    {
        Skip.IfNot(Unprivileged.CanDropPrivileges && File.Exists("/usr/bin/setpriv"), "running the client as nobody needs CAP_SETUID, CAP_SETGID and setpriv");
        string address = Abstract(); // abstract: no file permissions stand between nobody and the server
        await using DemoServerProcess server = await DemoServerProcess.StartAsync("--unix", address, "--allow-uid", DemoServerProcess.Text((int)TestNative.GetEuid()));

        ProcessRunner.Result refused = await ProcessRunner.RunAsync("/usr/bin/setpriv",
            ["--reuid=65534", "--regid=65534", "--clear-groups", ProcessRunner.DotnetHost, "exec", DemoServerProcess.SampleDll, "client", "--unix", address, "echo", "let me in"]);
        Assert.Equal(1, refused.ExitCode);
        Assert.StartsWith("status PermissionDenied: uid 65534 gid 65534 (pid ", refused.Stdout, StringComparison.Ordinal);

        using GrpcChannel channel = UnixGrpcChannel.ForUnixSocket(address);
        Assert.Equal("me", (await new Demo.DemoClient(channel).EchoAsync(new EchoRequest { Text = "me" }).ResponseAsync.WaitAsync(Bound)).Text);
    }

    [Fact]
    public async Task A_peer_sending_garbage_instead_of_HTTP2_is_dropped_and_the_server_serves_on()
    {
        string address = Abstract();
        await using DemoServerProcess server = await DemoServerProcess.StartAsync("--unix", address);
        using (Socket raw = await UnixSocket.ConnectAsync(address))
        {
            byte[] garbage = new byte[4096];
            Random.Shared.NextBytes(garbage);
            raw.Send(garbage);
            var buffer = new byte[4096];
            try
            {
                while (await raw.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(Bound) > 0)
                {
                    // whatever the server says (a GOAWAY) until it closes
                }
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
                // closed with our garbage unread
            }
        }

        using GrpcChannel channel = UnixGrpcChannel.ForUnixSocket(address);
        Assert.Equal("still here", (await new Demo.DemoClient(channel).EchoAsync(new EchoRequest { Text = "still here" }).ResponseAsync.WaitAsync(Bound)).Text);
    }

    [Fact]
    public void Bad_addresses_are_refused_before_any_connection()
    {
        Assert.Throws<ArgumentException>(() => UnixGrpcChannel.ForUnixSocket(new string('a', 200)));
        Assert.Throws<ArgumentException>(() => UnixGrpcChannel.ForUnixSocket(""));
        Assert.Throws<ArgumentException>(() => UnixGrpcChannel.ForUnixSocket("@"));
    }

    [Fact]
    public void A_policy_allows_by_uid_or_gid_and_refuses_callers_without_credentials_unless_told_otherwise()
    {
        var policy = new UnixPeerPolicy { AllowedUserIds = new HashSet<int> { 1000 }, AllowedGroupIds = new HashSet<int> { 50 } };
        Assert.Null(policy.Refusal(new PeerCredentials(1, 1000, 7)));
        Assert.Null(policy.Refusal(new PeerCredentials(1, 7, 50)));
        Assert.Equal("uid 7 gid 7 (pid 1) is not allowed to call this service.", policy.Refusal(new PeerCredentials(1, 7, 7)));
        Assert.NotNull(policy.Refusal(null));
        Assert.Null(new UnixPeerPolicy { RefuseCallersWithoutCredentials = false }.Refusal(null));
        Assert.Null(new UnixPeerPolicy().Refusal(new PeerCredentials(1, 7, 7))); // no rule: any local caller
    }
}

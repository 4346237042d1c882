using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace UnixIpc.Tests;

public sealed class UnixSocketServerTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private static string Abstract() => $"@{TestNames.Prefix}{Environment.ProcessId}_{Guid.NewGuid():N}";

    // Reads everything until the client shuts its side down, then sends it back.
    private static async Task EchoAsync(Socket client, CancellationToken stop)
    {
        using var received = new MemoryStream();
        var buffer = new byte[4096];
        int read;
        while ((read = await client.ReceiveAsync(buffer, SocketFlags.None, stop)) > 0)
        {
            received.Write(buffer, 0, read);
        }

        await client.SendAsync(received.ToArray(), SocketFlags.None, stop);
    }

    [SkippableFact]
    public async Task An_echo_server_serves_three_C_clients_at_once_and_knows_each_one()
    {
        var seen = new ConcurrentDictionary<int, string>();
        using var allInside = new CountdownEvent(3);
        string address = Abstract();
        await using var server = UnixSocketServer.Start(address, async (client, peer, stop) =>
        {
            // All three are served at the same time: none is answered before every one has connected.
            allInside.Signal();
            await Task.Run(() => allInside.Wait(Bound), stop);
            var buffer = new byte[256];
            int read = await client.ReceiveAsync(buffer, SocketFlags.None, stop);
            seen[peer.ProcessId] = Encoding.UTF8.GetString(buffer, 0, read);
            await EchoRestAsync(client, buffer.AsMemory(0, read), stop);
        });

        string[] messages = ["one", "two", "three"];
        var clients = messages.Select(m => ChildProcess.Start(new ChildProcessOptions(CPeers.Path("uds_echo"), address, m) { StandardOutput = ChildDescriptor.Pipe })).ToList();
        try
        {
            for (int i = 0; i < clients.Count; i++)
            {
                string[] line = (await ChildProcessTests.ReadAllAsync(clients[i].StandardOutput!)).Trim().Split(' ', 2);
                Assert.Equal(clients[i].ProcessId, int.Parse(line[0], CultureInfo.InvariantCulture)); // the C side's own pid…
                Assert.Equal(messages[i], line[1]); // …got its own message back…
                Assert.Equal(messages[i], seen[clients[i].ProcessId]); // …and the server saw that pid send it
                Assert.True((await clients[i].WaitForExitAsync().WaitAsync(Bound)).Success);
            }

            Assert.Equal(3, server.AcceptedClients);
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    private static async Task EchoRestAsync(Socket client, ReadOnlyMemory<byte> first, CancellationToken stop)
    {
        await client.SendAsync(first, SocketFlags.None, stop);
        var buffer = new byte[256];
        int read;
        while ((read = await client.ReceiveAsync(buffer, SocketFlags.None, stop)) > 0)
        {
            await client.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, stop);
        }
    }

    [Fact]
    public async Task No_more_clients_than_the_limit_are_served_at_once_and_the_rest_wait_their_turn()
    {
        int inside = 0, most = 0;
        var gates = new ConcurrentQueue<TaskCompletionSource>();
        string address = Abstract();
        await using var server = UnixSocketServer.Start(address, async (client, peer, stop) =>
        {
            int now = Interlocked.Increment(ref inside);
            InterlockedMax(ref most, now);
            var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            gates.Enqueue(gate);
            await gate.Task.WaitAsync(stop);
            Interlocked.Decrement(ref inside);
            await client.SendAsync("done"u8.ToArray(), SocketFlags.None, stop);
        }, new UnixSocketServerOptions { MaxConcurrentClients = 2 });

        // Six clients connect at once (the backlog holds those not yet accepted).
        Socket[] clients = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => UnixSocket.ConnectAsync(address))).WaitAsync(Bound);
        try
        {
            // Both places taken first (else a loaded machine could serve them one after the other), then one handler
            // goes at a time; each time the next waiting client takes the free place.
            var deadline = DateTime.UtcNow + Bound;
            while ((gates.Count < 2 || server.ActiveClients < 2) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(1);
            }

            Assert.Equal(2, server.ActiveClients);
            for (int released = 0; released < 6; released++)
            {
                TaskCompletionSource gate = await DequeueAsync(gates);
                gate.SetResult();
            }

            foreach (Socket client in clients)
            {
                var buffer = new byte[8];
                Assert.Equal(4, await client.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(Bound));
            }

            Assert.Equal(2, most);
            Assert.Equal(6, server.AcceptedClients);
        }
        finally
        {
            Array.ForEach(clients, c => c.Dispose());
        }
    }

    [SkippableFact]
    public async Task A_client_whose_uid_is_not_allowed_is_disconnected_before_the_handler_runs()
    {
        int handled = 0;
        string address = Abstract(); // abstract: no file permissions stand between nobody and the server
        var options = new UnixSocketServerOptions { AllowedUserIds = new HashSet<int> { (int)TestNative.GetEuid() } };
        await using var server = UnixSocketServer.Start(address, async (client, peer, stop) =>
        {
            Interlocked.Increment(ref handled);
            await client.SendAsync("served"u8.ToArray(), SocketFlags.None, stop);
        }, options);

        Assert.Equal("ENODATA", await Unprivileged.RunAsNobodyAsync("uds-connect-and-read", address)); // closed, no reply
        Assert.Equal(1, server.RefusedClients);
        Assert.Equal(0, Volatile.Read(ref handled));

        using Socket allowed = await UnixSocket.ConnectAsync(address);
        Assert.Equal(6, await allowed.ReceiveAsync(new byte[8], SocketFlags.None).WaitAsync(Bound));
        Assert.Equal(1, Volatile.Read(ref handled));
    }

    [Fact]
    public async Task Stopping_cancels_the_handlers_waits_for_them_and_removes_the_socket_file()
    {
        string path = Path.Combine(Path.GetTempPath(), $"{TestNames.Prefix}{Environment.ProcessId}_{Guid.NewGuid():N}.sock");
        var inside = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bool finishedCleanly = false;
        var server = UnixSocketServer.Start(path, async (client, peer, stop) =>
        {
            inside.SetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, stop);
            }
            catch (OperationCanceledException)
            {
                await client.SendAsync("bye"u8.ToArray(), SocketFlags.None); // a handler may still finish its work
                finishedCleanly = true;
            }
        });
        try
        {
            using Socket client = await UnixSocket.ConnectAsync(path);
            await inside.Task.WaitAsync(Bound);
            await server.StopAsync().WaitAsync(Bound);
            Assert.True(finishedCleanly); // StopAsync returned only after the handler did
            Assert.Equal(0, server.ActiveClients);
            Assert.False(File.Exists(path));
            var buffer = new byte[8];
            Assert.Equal("bye", Encoding.ASCII.GetString(buffer, 0, await client.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(Bound)));
            Assert.Equal(Errno.ENOENT, (await Assert.ThrowsAsync<UnixIpcException>(() => UnixSocket.ConnectAsync(path))).Error);
            await server.Completion.WaitAsync(Bound);
        }
        finally
        {
            await server.DisposeAsync();
            UnixSocket.RemoveSocketFile(path);
        }
    }

    [Fact]
    public async Task A_stop_that_runs_out_of_patience_closes_the_clients_under_their_handlers()
    {
        var inside = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        string address = Abstract();
        await using var server = UnixSocketServer.Start(address, async (client, peer, stop) =>
        {
            inside.SetResult();
            // Ignores the stop: only the socket closing under it ends the receive.
            while (await client.ReceiveAsync(new byte[8], SocketFlags.None, CancellationToken.None) > 0)
            {
            }
        });
        using Socket client = await UnixSocket.ConnectAsync(address);
        await inside.Task.WaitAsync(Bound);
        using var impatient = new CancellationTokenSource();
        await impatient.CancelAsync();
        await server.StopAsync(impatient.Token).WaitAsync(Bound);
        Assert.Equal(0, server.ActiveClients);
        Assert.Equal(0, await client.ReceiveAsync(new byte[8], SocketFlags.None).WaitAsync(Bound)); // closed
    }

    [Fact]
    public async Task A_failing_handler_is_reported_and_the_server_serves_the_next_client()
    {
        var failures = new ConcurrentQueue<(PeerCredentials Peer, Exception Error)>();
        int calls = 0;
        string address = Abstract();
        await using var server = UnixSocketServer.Start(address, async (client, peer, stop) =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                throw new InvalidOperationException("first client fails");
            }

            await client.SendAsync("ok"u8.ToArray(), SocketFlags.None, stop);
        }, new UnixSocketServerOptions { ClientFailed = (peer, error) => failures.Enqueue((peer, error)) });

        using (Socket first = await UnixSocket.ConnectAsync(address))
        {
            Assert.Equal(0, await first.ReceiveAsync(new byte[8], SocketFlags.None).WaitAsync(Bound)); // closed for it
        }

        using Socket second = await UnixSocket.ConnectAsync(address);
        Assert.Equal(2, await second.ReceiveAsync(new byte[8], SocketFlags.None).WaitAsync(Bound));
        (PeerCredentials peer, Exception error) = Assert.Single(failures);
        Assert.Equal(Environment.ProcessId, peer.ProcessId);
        Assert.Equal("first client fails", error.Message);
    }

    [Fact]
    public void Bad_options_are_refused_before_anything_is_bound()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => UnixSocketServer.Start(Abstract(), (_, _, _) => Task.CompletedTask, new UnixSocketServerOptions { MaxConcurrentClients = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => UnixSocketServer.Start(Abstract(), (_, _, _) => Task.CompletedTask, new UnixSocketServerOptions { Backlog = 0 }));
        Assert.Throws<ArgumentNullException>(() => UnixSocketServer.Start(Abstract(), null!));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while (value > (seen = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }

    private static async Task<TaskCompletionSource> DequeueAsync(ConcurrentQueue<TaskCompletionSource> queue)
    {
        var deadline = DateTime.UtcNow + Bound;
        TaskCompletionSource? gate;
        while (!queue.TryDequeue(out gate))
        {
            Assert.True(DateTime.UtcNow < deadline, "no handler started");
            await Task.Delay(1);
        }

        return gate;
    }
}

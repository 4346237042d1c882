using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace UnixIpc.Tests;

/// <summary>Shared-memory byte streams (#15 part 1): across processes, in both directions, through crashes.</summary>
public sealed class SharedMemoryConnectionTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private static string Name() => TestNames.Unique("stream");

    // Rings are never named in /dev/shm (sealed memfds passed over the setup socket): nothing can be left there.
    private static string[] RingsOf(int processId) =>
        [.. Directory.EnumerateFiles("/dev/shm", $"*stream*{processId}*")];

    [Fact]
    public async Task Random_streams_cross_both_ways_at_once_intact_and_in_order_and_close_is_end_of_stream()
    {
        string name = Name();
        await using TestChildProcess echo = await TestChildProcess.StartAsync("stream-echo-server", name);
        using SharedMemoryConnection connection = await SharedMemoryConnection.ConnectAsync(name, new SharedMemoryConnectionOptions { Capacity = 1 << 16 }).WaitAsync(Bound);
        Assert.Equal($"PEER {Environment.ProcessId} {TestNative.GetEuid()}", await echo.ReadLineAsync()); // the server knew us
        Assert.Equal(echo.Id, connection.Peer.ProcessId); // and we know it

        // The model: what was sent must come back byte for byte, whatever the chunking on either side.
        var random = new Random(1234);
        byte[] sent = new byte[3 << 20];
        random.NextBytes(sent);
        Task writing = Task.Run(async () =>
        {
            int offset = 0;
            var sizes = new Random(99);
            while (offset < sent.Length)
            {
                int size = Math.Min(sent.Length - offset, sizes.Next(1, 200_000)); // larger than a message, and tiny
                await connection.WriteAsync(sent.AsMemory(offset, size));
                offset += size;
            }

            connection.ShutdownWrite(); // the echo server sees end of stream, and closes: we see it too
        });

        using var received = new MemoryStream();
        var buffer = new byte[70_000];
        var readSizes = new Random(7);
        int read;
        while ((read = await connection.ReadAsync(buffer.AsMemory(0, readSizes.Next(1, buffer.Length))).AsTask().WaitAsync(Bound)) > 0)
        {
            received.Write(buffer, 0, read);
        }

        await writing.WaitAsync(Bound);
        Assert.Equal(sent.Length, received.Length);
        Assert.True(sent.AsSpan().SequenceEqual(received.ToArray()), "the echoed stream differs from what was sent");
        Assert.Equal(0, await echo.WaitForExitAsync());
        Assert.Empty(RingsOf(Environment.ProcessId));
    }

    [Fact]
    public async Task Reads_and_writes_that_need_no_wait_allocate_nothing()
    {
        string name = Name();
        using SharedMemoryListener listener = SharedMemoryListener.Start(name);
        using SharedMemoryConnection client = await SharedMemoryConnection.ConnectAsync(name).WaitAsync(Bound);
        using SharedMemoryConnection server = await listener.AcceptAsync().WaitAsync(Bound);
        byte[] message = new byte[64], buffer = new byte[64];
        for (int i = 0; i < 100; i++)
        {
            client.Write(message);
            Assert.Equal(64, server.Read(buffer)); // warm: every path taken once
        }

        // The synchronous paths (the async ones are the same code, but a Debug build, as tests run, makes every async
        // state machine a class: one object per call that a Release build does not allocate).
        long read = 0;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            client.Write(message);
            read += server.Read(buffer);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(1000 * 64, read);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public async Task A_client_killed_mid_stream_is_a_reset_for_the_server_and_leaves_nothing_behind()
    {
        string name = Name();
        using SharedMemoryListener listener = SharedMemoryListener.Start(name);
        await using TestChildProcess client = await TestChildProcess.StartAsync("stream-connect-and-hang", name);
        using SharedMemoryConnection connection = await listener.AcceptAsync().WaitAsync(Bound);
        Assert.Equal("CONNECTED", await client.ReadLineAsync());
        Assert.Equal(client.Id, connection.Peer.ProcessId);
        var buffer = new byte[16];
        Assert.Equal("hello", Encoding.ASCII.GetString(buffer, 0, await connection.ReadAsync(buffer).AsTask().WaitAsync(Bound)));

        Task<int> waiting = connection.ReadAsync(buffer).AsTask();
        client.Kill();
        var reset = await Assert.ThrowsAsync<UnixIpcException>(() => waiting.WaitAsync(Bound));
        Assert.Equal(Errno.ECONNRESET, reset.Error);
        Assert.Equal(Errno.EPIPE, Assert.Throws<UnixIpcException>(() => connection.Write("late"u8)).Error);
        Assert.Empty(RingsOf(client.Id)); // never named: a kill -9 leaves nothing in /dev/shm
    }

    [Fact]
    public async Task A_server_killed_is_a_reset_for_the_client_reading_or_writing()
    {
        string name = Name();
        await using TestChildProcess server = await TestChildProcess.StartAsync("stream-accept-and-hang", name);
        using SharedMemoryConnection connection = await SharedMemoryConnection.ConnectAsync(name, new SharedMemoryConnectionOptions { Capacity = 4096 }).WaitAsync(Bound);
        Assert.Equal("ACCEPTED", await server.ReadLineAsync());

        // The server never reads: the ring fills and the writer waits (back-pressure) until the server dies.
        Task writing = Task.Run(() => connection.Write(new byte[64 * 1024]));
        Task<int> reading = connection.ReadAsync(new byte[16]).AsTask();
        Assert.False(writing.IsCompleted); // 64 KiB cannot fit a 4 KiB ring nobody reads
        server.Kill();
        Assert.Equal(Errno.EPIPE, (await Assert.ThrowsAsync<UnixIpcException>(() => writing.WaitAsync(Bound))).Error);
        Assert.Equal(Errno.ECONNRESET, (await Assert.ThrowsAsync<UnixIpcException>(() => reading.WaitAsync(Bound))).Error);
        Assert.Empty(RingsOf(Environment.ProcessId));
    }

    [Fact]
    public async Task A_hundred_connections_at_once_each_get_their_own_bytes_back_and_leave_nothing()
    {
        string name = Name();
        using SharedMemoryListener listener = SharedMemoryListener.Start(name, new SharedMemoryListenerOptions { MaxPendingConnections = 128 });
        Task serving = Task.Run(async () =>
        {
            var echoes = new List<Task>();
            for (int i = 0; i < 100; i++)
            {
                SharedMemoryConnection accepted = await listener.AcceptAsync();
                echoes.Add(Task.Run(async () =>
                {
                    using (accepted)
                    {
                        var buffer = new byte[64];
                        int read;
                        while ((read = await accepted.ReadAsync(buffer)) > 0)
                        {
                            await accepted.WriteAsync(buffer.AsMemory(0, read));
                        }
                    }
                }));
            }

            await Task.WhenAll(echoes);
        });

        var options = new SharedMemoryConnectionOptions { Capacity = 4096 };
        SharedMemoryConnection[] clients = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => SharedMemoryConnection.ConnectAsync(name, options))).WaitAsync(Bound);
        try
        {
            await Task.WhenAll(clients.Select(async (client, i) =>
            {
                string text = "connection " + i.ToString(CultureInfo.InvariantCulture);
                await client.WriteAsync(Encoding.ASCII.GetBytes(text));
                client.ShutdownWrite();
                using var back = new MemoryStream();
                await client.CopyToAsync(back);
                Assert.Equal(text, Encoding.ASCII.GetString(back.ToArray()));
            })).WaitAsync(Bound);
        }
        finally
        {
            Array.ForEach(clients, c => c.Dispose());
        }

        await serving.WaitAsync(Bound);
        Assert.Empty(RingsOf(Environment.ProcessId));
    }

    [Fact]
    public async Task Bad_names_no_listener_a_taken_name_and_bad_or_silent_clients_are_refused_while_others_are_served()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => SharedMemoryConnection.ConnectAsync(""));
        await Assert.ThrowsAsync<ArgumentException>(() => SharedMemoryConnection.ConnectAsync("/a/b"));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SharedMemoryConnectionOptions { Capacity = 5000 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new SharedMemoryListenerOptions { MaxCapacity = 3 });
        string name = Name();
        Assert.Equal(Errno.ECONNREFUSED, (await Assert.ThrowsAsync<UnixIpcException>(() => SharedMemoryConnection.ConnectAsync(name))).Error);

        using SharedMemoryListener listener = SharedMemoryListener.Start(name, new SharedMemoryListenerOptions { HandshakeTimeout = TimeSpan.FromMilliseconds(300) });
        Assert.Equal(Errno.EADDRINUSE, Assert.Throws<UnixIpcException>(() => SharedMemoryListener.Start(name)).Error);

        // A client that says nothing holds up no one: a real client is served meanwhile, and the silent one is dropped.
        using Socket silent = await UnixSocket.ConnectAsync("@unixipc.stream" + name, SocketType.Seqpacket);
        using (SharedMemoryConnection fine = await SharedMemoryConnection.ConnectAsync(name).WaitAsync(Bound))
        using (SharedMemoryConnection accepted = await listener.AcceptAsync().WaitAsync(Bound))
        {
            Assert.Equal(Environment.ProcessId, accepted.Peer.ProcessId);
        }

        var reply = new byte[64];
        Assert.Equal("no: too slow", Encoding.ASCII.GetString(reply, 0, await silent.ReceiveAsync(reply, SocketFlags.None).WaitAsync(Bound)));

        foreach (string hello in new[] { "hello 5000", "hello -4096", "hello 99999999999999999999", "GET / HTTP/1.1" })
        {
            using Socket bad = await UnixSocket.ConnectAsync("@unixipc.stream" + name, SocketType.Seqpacket);
            bad.Send(Encoding.ASCII.GetBytes(hello));
            Assert.Equal("no: malformed hello", Encoding.ASCII.GetString(reply, 0, await bad.ReceiveAsync(reply, SocketFlags.None).WaitAsync(Bound)));
        }

        Assert.Equal(5, listener.RefusedClients);
    }

    [Fact]
    public async Task The_rings_are_sealed_so_no_process_can_shrink_them_under_the_other_and_a_larger_ring_than_allowed_is_cut_down()
    {
        string name = Name();
        using SharedMemoryListener listener = SharedMemoryListener.Start(name, new SharedMemoryListenerOptions { MaxCapacity = 8192 });
        using SharedMemoryConnection client = await SharedMemoryConnection.ConnectAsync(name, new SharedMemoryConnectionOptions { Capacity = 1 << 20 }).WaitAsync(Bound);
        using SharedMemoryConnection server = await listener.AcceptAsync().WaitAsync(Bound);

        string[] rings = [.. Directory.EnumerateFileSystemEntries("/proc/self/fd").Where(fd => new FileInfo(fd).LinkTarget?.Contains("memfd:unixipc.stream" + name, StringComparison.Ordinal) == true)];
        Assert.Equal(4, rings.Length); // two rings, mapped on each side (here one process plays both)
        foreach (string ring in rings)
        {
            using Microsoft.Win32.SafeHandles.SafeFileHandle handle = File.OpenHandle(ring, FileMode.Open, FileAccess.ReadWrite);
            long size = RandomAccess.GetLength(handle);
            Assert.True(size < (1 << 20), $"the listener granted {size} bytes although its limit is 8192 per ring");
            Assert.ThrowsAny<Exception>(() => RandomAccess.SetLength(handle, 0)); // F_SEAL_SHRINK: EPERM
            Assert.Equal(size, RandomAccess.GetLength(handle));
        }

        client.Write("still fine"u8);
        var buffer = new byte[16];
        Assert.Equal("still fine", Encoding.ASCII.GetString(buffer, 0, await server.ReadAsync(buffer).AsTask().WaitAsync(Bound)));
    }

    [Fact]
    public async Task A_fake_listener_that_sends_unsealed_memory_is_refused_before_anything_is_mapped()
    {
        string name = Name();
        string file = Path.Combine(Path.GetTempPath(), $"{TestNames.Prefix}{Environment.ProcessId}_{Guid.NewGuid():N}.ring");
        File.WriteAllBytes(file, new byte[65536]);
        try
        {
            using Socket fake = UnixSocket.Listen("@unixipc.stream" + name, SocketType.Seqpacket);
            Task<SharedMemoryConnection> connecting = SharedMemoryConnection.ConnectAsync(name);
            using Socket client = await fake.AcceptAsync().WaitAsync(Bound);
            var hello = new byte[64];
            Assert.StartsWith("hello ", Encoding.ASCII.GetString(hello, 0, client.Receive(hello)), StringComparison.Ordinal);
            using Microsoft.Win32.SafeHandles.SafeFileHandle a = File.OpenHandle(file, FileMode.Open, FileAccess.ReadWrite), b = File.OpenHandle(file, FileMode.Open, FileAccess.ReadWrite);
            client.SendWithDescriptors("ok 4096"u8, a, b);
            var refused = await Assert.ThrowsAsync<InvalidDataException>(() => connecting.WaitAsync(Bound));
            Assert.Contains("not shared memory sealed against resizing", refused.Message, StringComparison.Ordinal);
            Assert.Equal(2, Directory.EnumerateFileSystemEntries("/proc/self/fd").Count(fd => new FileInfo(fd).LinkTarget == file)); // ours only: the received copies were closed
        }
        finally
        {
            File.Delete(file);
        }
    }
}

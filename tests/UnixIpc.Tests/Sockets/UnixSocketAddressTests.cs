using System.Net.Sockets;

namespace UnixIpc.Tests;

public sealed class UnixSocketAddressTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"{TestNames.Prefix}{Environment.ProcessId}_{Guid.NewGuid():N}.sock");

    public void Dispose() => File.Delete(_path);

    [Fact]
    [Trait("conformance", "UDS-08")]
    public async Task A_stale_socket_file_is_replaced_a_live_one_refused_and_a_regular_file_never_removed()
    {
        using (var stale = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            stale.Bind(new UnixDomainSocketEndPoint(_path)); // closed without removing its file
        }

        using (Socket listener = UnixSocket.Listen(_path))
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_path));
            var live = Assert.Throws<UnixIpcException>(() => UnixSocket.Listen(_path));
            Assert.False(listener.Poll(0, SelectMode.SelectRead)); // the check took no client from the live listener
            Assert.Equal(Errno.EADDRINUSE, live.Error);
            Assert.Contains("is bound", live.Message, StringComparison.Ordinal);
            using Socket client = await UnixSocket.ConnectAsync(_path).WaitAsync(Bound);
            using Socket accepted = await listener.AcceptAsync().WaitAsync(Bound);
            Assert.Equal(Environment.ProcessId, accepted.GetPeerCredentials().ProcessId);
        }

        // A symbolic link to a stale socket is not a socket: refused, the link left alone.
        string link = _path + ".link";
        File.CreateSymbolicLink(link, _path);
        try
        {
            Assert.Throws<InvalidDataException>(() => UnixSocket.Listen(link));
            Assert.NotNull(new FileInfo(link).LinkTarget);
        }
        finally
        {
            File.Delete(link);
        }

        UnixSocket.RemoveSocketFile(_path);
        File.WriteAllText(_path, "not a socket");
        Assert.Throws<InvalidDataException>(() => UnixSocket.Listen(_path));
        UnixSocket.RemoveSocketFile(_path);
        Assert.Equal("not a socket", File.ReadAllText(_path));
    }

    [Theory]
    [InlineData(" with spaces ")]
    [InlineData("\nwith\nnewlines")]
    [Trait("conformance", "UDS-08")]
    public void A_live_socket_whose_path_has_spaces_or_newlines_is_refused_and_listed_by_its_whole_name(string tail)
    {
        // /proc/net/unix prints the path raw: read by fields, such a live socket looked stale and its file was deleted.
        string path = _path + tail;
        using Socket listener = UnixSocket.Listen(path);
        try
        {
            Assert.Equal(Errno.EADDRINUSE, Assert.Throws<UnixIpcException>(() => UnixSocket.Listen(path)).Error);
            Assert.True(File.Exists(path));
            IpcObjectInfo listed = Assert.Single(IpcObjects.List(), o => o.Kind == IpcObjectKind.UnixSocket && o.Name == path);
            Assert.DoesNotContain("file gone", listed.Detail, StringComparison.Ordinal);
        }
        finally
        {
            UnixSocket.RemoveSocketFile(path);
        }
    }

    [Fact]
    public void The_socket_table_keeps_spaces_and_joins_a_name_cut_by_newlines()
    {
        const string table = "Num       RefCount Protocol Flags    Type St Inode Path\n"
            + "0000000000000000: 00000002 00000000 00010000 0001 01 12345 /tmp/a b \n"
            + "0000000000000000: 00000002 00000000 00010000 0005 01    77 /tmp/x\n"
            + "y\n"
            + "\n"
            + "0000000000000000: 00000003 00000000 00000000 0001 03 99\n"
            + "0000000000000000: 00000002 00000000 00000000 0002 01 100 @abs@tract\n";
        List<UnixSocketTable.Row> rows = UnixSocketTable.Parse(table);
        Assert.Equal(["/tmp/a b ", "/tmp/x\ny\n", "", "@abs@tract"], rows.Select(r => r.Name));
        Assert.Equal(new UnixSocketTable.Row(0x10000, 5, 1, 77, "/tmp/x\ny\n"), rows[1]);
        Assert.Equal(3, rows[2].State);
    }

    [Fact]
    [Trait("conformance", "UDS-08")]
    public async Task Connect_errors_name_the_errno()
    {
        Assert.Equal(Errno.ENOENT, (await Assert.ThrowsAsync<UnixIpcException>(() => UnixSocket.ConnectAsync(_path))).Error);
        File.WriteAllText(_path, "x");
        Assert.Equal(Errno.ECONNREFUSED, (await Assert.ThrowsAsync<UnixIpcException>(() => UnixSocket.ConnectAsync(_path))).Error);
        File.Delete(_path);
        using Socket seqpacket = UnixSocket.Listen(_path, SocketType.Seqpacket);
        Assert.Equal(Errno.EPROTOTYPE, (await Assert.ThrowsAsync<UnixIpcException>(() => UnixSocket.ConnectAsync(_path, SocketType.Stream))).Error);
    }

    [Fact]
    [Trait("conformance", "UDS-08")]
    public async Task Connecting_to_an_abstract_address_nobody_bound_says_so_not_that_a_file_exists()
    {
        string address = $"@unixipc_unbound_{Guid.NewGuid():N}";
        UnixIpcException refused = await Assert.ThrowsAsync<UnixIpcException>(() => UnixSocket.ConnectAsync(address));
        Assert.Equal(Errno.ECONNREFUSED, refused.Error);
        Assert.Contains($"No process listens on the abstract address {address}", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("exists", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("conformance", "UDS-09")]
    public void An_address_longer_than_sun_path_is_refused_not_cut_off()
    {
        string tooLong = "/tmp/" + new string('x', 103);
        Assert.Contains("108 bytes", Assert.Throws<ArgumentException>(() => UnixSocket.EndPoint(tooLong)).Message, StringComparison.Ordinal);
        Assert.NotNull(UnixSocket.EndPoint("/tmp/" + new string('x', 102)));
    }

    [Fact]
    [Trait("conformance", "UDS-10")]
    public async Task An_abstract_address_makes_no_file_and_works()
    {
        string name = "@" + TestNames.Prefix + Environment.ProcessId + "_" + Guid.NewGuid().ToString("N");
        using Socket listener = UnixSocket.Listen(name, SocketType.Seqpacket);
        Assert.False(File.Exists(name));
        Assert.DoesNotContain(Directory.EnumerateFiles(Environment.CurrentDirectory), f => f.Contains(name[1..], StringComparison.Ordinal));
        using Socket client = await UnixSocket.ConnectAsync(name, SocketType.Seqpacket).WaitAsync(Bound);
        using Socket accepted = await listener.AcceptAsync().WaitAsync(Bound);
        client.Send("one"u8);
        client.Send("two"u8);
        var buffer = new byte[16];
        Assert.Equal(3, accepted.Receive(buffer)); // seqpacket keeps the boundary
    }

    [Fact]
    [Trait("conformance", "UDS-13")]
    public async Task AcceptFrom_hands_over_allowed_uids_and_disconnects_the_others()
    {
        using Socket listener = UnixSocket.Listen(_path);
        int me = (int)TestNative.GetEuid();
        using (var cancel = new CancellationTokenSource())
        {
            Task<Socket> refusing = listener.AcceptFromAsync(new HashSet<int> { me + 1 }, cancel.Token);
            using Socket refused = await UnixSocket.ConnectAsync(_path).WaitAsync(Bound);
            Assert.Equal(0, await refused.ReceiveAsync(new byte[1], SocketFlags.None).WaitAsync(Bound)); // disconnected by the server
            Assert.False(refusing.IsCompleted); // and it waits on for an allowed client
            await cancel.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => refusing);
        }

        Task<Socket> accepting = listener.AcceptFromAsync(new HashSet<int> { me });
        using Socket allowed = await UnixSocket.ConnectAsync(_path).WaitAsync(Bound);
        using Socket served = await accepting.WaitAsync(Bound);
        Assert.Equal(me, served.GetPeerCredentials().UserId);
    }

    [Fact]
    public async Task A_live_socket_bound_by_relative_path_in_another_directory_is_never_taken_for_stale()
    {
        // The kernel lists it as "s.sock", relative to the other process's directory: it must not be resolved against
        // ours and judged gone (which deleted the live server's file).
        string dir = Directory.CreateTempSubdirectory(TestNames.Prefix).FullName;
        string path = Path.Combine(dir, "s.sock");
        var options = new ChildProcessOptions(ProcessRunner.DotnetHost, Path.Combine(AppContext.BaseDirectory, "unixipc.dll"), "uds", "listen", "s.sock")
        {
            WorkingDirectory = dir,
            StandardOutput = ChildDescriptor.Null,
            StandardError = ChildDescriptor.Null,
        };
        using ChildProcess server = ChildProcess.Start(options);
        try
        {
            await WaitForSocketAsync(path);
            Assert.True(File.Exists(path), "the server never bound");
            var taken = Assert.Throws<UnixIpcException>(() => UnixSocket.Listen(path));
            Assert.Equal(Errno.EADDRINUSE, taken.Error);
            Assert.True(File.Exists(path)); // the live server's file is still there

            // ls finds its file through the server's own directory: mode 0600, not "file gone".
            IpcObjectInfo listed = Assert.Single(IpcObjects.List(), o => o.Kind == IpcObjectKind.UnixSocket && o.Name == "s.sock" && o.Detail.Contains($"pid {server.ProcessId} ", StringComparison.Ordinal));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, listed.Mode);
            Assert.DoesNotContain("file gone", listed.Detail, StringComparison.Ordinal);
        }
        finally
        {
            server.Kill();
            await server.WaitForExitAsync().WaitAsync(Bound);
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task A_connect_to_a_full_backlog_waits_for_room_and_can_be_cancelled()
    {
        string address = $"@{TestNames.Prefix}{Environment.ProcessId}_{Guid.NewGuid():N}";
        using Socket listener = UnixSocket.Listen(address, backlog: 1);
        var queued = new List<Socket>();
        try
        {
            // Fill the backlog (the kernel admits backlog + 1), accepting none.
            for (int i = 0; i < 2; i++)
            {
                queued.Add(await UnixSocket.ConnectAsync(address).WaitAsync(Bound));
            }

            using var cancel = new CancellationTokenSource();
            Task<Socket> waiting = UnixSocket.ConnectAsync(address, cancellationToken: cancel.Token);
            await cancel.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Bound)); // not EAGAIN, not a hang

            Task<Socket> patient = UnixSocket.ConnectAsync(address);
            using (Socket taken = await listener.AcceptAsync().WaitAsync(Bound))
            {
                queued.Add(await patient.WaitAsync(Bound)); // room came: the connect went through
            }
        }
        finally
        {
            queued.ForEach(q => q.Dispose());
        }
    }

    [Fact]
    public async Task Cli_echo_server_and_client_and_descriptor_passing()
    {
        Task<CliRunner.Result> server = Task.Run(() => CliRunner.RunAsync("uds", "listen", _path, "--echo"));
        await WaitForSocketAsync(_path);
        CliRunner.Result client = await CliRunner.RunAsync("uds", "connect", _path, "--data", "ping");
        Assert.True(client.ExitCode == 0, client.ToString());
        Assert.Equal("ping", client.Stdout);
        CliRunner.Result served = await server.WaitAsync(Bound);
        Assert.Contains($"peer pid={Environment.ProcessId} ", served.Stdout, StringComparison.Ordinal);
        Assert.Contains("sent 4 bytes: ping", served.Stdout, StringComparison.Ordinal);
        Assert.False(File.Exists(_path)); // the listener removed its own socket file

        string file = _path + ".txt";
        File.WriteAllText(file, "passed along");
        try
        {
            Task<CliRunner.Result> receiver = Task.Run(() => CliRunner.RunAsync("uds", "recv-fd", _path, "--print-content", "--json"));
            await WaitForSocketAsync(_path);
            Assert.Equal(0, (await CliRunner.RunAsync("uds", "send-fd", _path, file)).ExitCode);
            CliRunner.Result received = await receiver.WaitAsync(Bound);
            Assert.Contains("\"descriptors\":1", received.Stdout, StringComparison.Ordinal);
            Assert.Contains("\"content\":\"passed along\"", received.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }

        CliRunner.Result missing = await CliRunner.RunAsync("uds", "connect", _path, "--data", "x");
        Assert.Equal("unixipc: uds connect: ENOENT (No such file or directory)\n", missing.Stderr);
    }

    [Fact]
    public async Task Cli_listen_serves_clients_at_once_and_reports_each_as_json()
    {
        Task<CliRunner.Result> server = Task.Run(() => CliRunner.RunAsync("uds", "listen", _path, "--echo", "--count", "3", "--json"));
        await WaitForSocketAsync(_path);

        // The first client connects and sends nothing for now; the two after it must be served meanwhile.
        using Socket slow = await UnixSocket.ConnectAsync(_path).WaitAsync(Bound);
        CliRunner.Result[] quick = await Task.WhenAll(CliRunner.RunAsync("uds", "connect", _path, "--data", "one"), CliRunner.RunAsync("uds", "connect", _path, "--data", "two")).WaitAsync(Bound);
        Assert.Equal(["one", "two"], quick.Select(r => r.Stdout));
        slow.Send("slow"u8);
        slow.Shutdown(SocketShutdown.Send);
        var buffer = new byte[8];
        Assert.Equal(4, await slow.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(Bound));

        CliRunner.Result served = await server.WaitAsync(Bound);
        Assert.True(served.ExitCode == 0, served.ToString());
        string[] lines = served.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal($"{{\"listening\":\"{_path}\"}}", lines[0]);
        var clients = lines[1..].Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["one", "slow", "two"], clients.Select(c => c.GetProperty("data").GetString()).Order(StringComparer.Ordinal));
        Assert.Equal("736c6f77", clients.Single(c => c.GetProperty("data").GetString() == "slow").GetProperty("hex").GetString());
        Assert.All(clients, c => Assert.Equal((int)TestNative.GetEuid(), c.GetProperty("uid").GetInt32()));
        Assert.Contains(clients, c => c.GetProperty("pid").GetInt32() == Environment.ProcessId); // the slow one was this process
    }

    private static Task WaitForSocketAsync(string path) => UnixListeners.WaitUntilListeningAsync(path, Bound);
}

using System.Net.Sockets;

namespace UnixIpc.Tests;

/// <summary>Hostile input to <c>unixipc uds</c>: peers that misbehave, time-outs over every step, odd files and names.</summary>
public sealed class UdsCommandTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"{TestNames.Prefix}{Environment.ProcessId}_{Guid.NewGuid():N}.sock");
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"{TestNames.Prefix}{Environment.ProcessId}_{Guid.NewGuid():N}.d");

    public void Dispose()
    {
        File.Delete(_path);
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir);
        }
    }

    [Fact]
    public async Task Connect_timeout_bounds_the_send_too_not_only_the_reply()
    {
        // The server accepts and never reads: a message larger than the socket buffers cannot be sent.
        using Socket listener = UnixSocket.Listen(_path);
        Task<Socket> accepting = listener.AcceptAsync();
        CliRunner.Result result = await CliRunner.RunAsync(["uds", "connect", _path, "--timeout", "200"], new byte[(1 << 20) - 1]).WaitAsync(Bound);
        Assert.Equal(3, result.ExitCode);
        Assert.Equal("unixipc: uds connect: ETIMEDOUT (Connection timed out)\n", result.Stderr);
        (await accepting.WaitAsync(Bound)).Dispose();
    }

    [Fact]
    public async Task Send_fd_needs_the_receivers_confirmation_and_its_timeout_bounds_the_wait()
    {
        string file = _path + ".txt";
        File.WriteAllText(file, "x");
        try
        {
            // A plain listen server reads to the end and closes without confirming: no hang, and not a success.
            Task<CliRunner.Result> server = Task.Run(() => CliRunner.RunAsync("uds", "listen", _path));
            await WaitForSocketAsync(_path);
            CliRunner.Result sent = await CliRunner.RunAsync("uds", "send-fd", _path, file).WaitAsync(Bound);
            Assert.Equal(1, sent.ExitCode);
            Assert.Equal("unixipc: uds send-fd: ECONNRESET (Connection reset by peer)\n", sent.Stderr);
            Assert.Equal(0, (await server.WaitAsync(Bound)).ExitCode);

            // A receiver that takes the descriptor and never answers: --timeout ends the wait.
            using Socket listener = UnixSocket.Listen(_path);
            Task<Socket> accepting = listener.AcceptAsync();
            CliRunner.Result waited = await CliRunner.RunAsync("uds", "send-fd", _path, file, "--timeout", "200").WaitAsync(Bound);
            Assert.Equal(3, waited.ExitCode);
            Assert.Equal("unixipc: uds send-fd: ETIMEDOUT (Connection timed out)\n", waited.Stderr);
            (await accepting.WaitAsync(Bound)).Dispose();
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Send_fd_of_a_directory_is_EISDIR_not_EACCES()
    {
        Directory.CreateDirectory(_dir);
        CliRunner.Result result = await CliRunner.RunAsync("uds", "send-fd", _path, _dir);
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("unixipc: uds send-fd: EISDIR (Is a directory)\n", result.Stderr);
    }

    [Theory]
    [InlineData("pipe", "unixipc: uds recv-fd: ESPIPE (Illegal seek)\n")]
    [InlineData("socket", "unixipc: uds recv-fd: ESPIPE (Illegal seek)\n")]
    [InlineData("directory", "unixipc: uds recv-fd: EISDIR (Is a directory)\n")]
    public async Task Recv_fd_print_content_names_the_errno_of_a_descriptor_without_content_and_does_not_confirm(string kind, string error)
    {
        Task<CliRunner.Result> receiver = Task.Run(() => CliRunner.RunAsync("uds", "recv-fd", _path, "--print-content"));
        await WaitForSocketAsync(_path);
        using Socket sender = await UnixSocket.ConnectAsync(_path).WaitAsync(Bound);
        if (kind == "pipe")
        {
            using Pipe pipe = Pipe.Create();
            await sender.SendWithDescriptorsAsync("F"u8.ToArray(), [pipe.Reader.SafeFileHandle]).AsTask().WaitAsync(Bound);
        }
        else if (kind == "socket")
        {
            using UnixSocketPair pair = UnixSocketPair.Create(SocketType.Stream);
            await sender.SendWithDescriptorsAsync("F"u8.ToArray(), [pair.First.SafeHandle]).AsTask().WaitAsync(Bound);
        }
        else
        {
            Directory.CreateDirectory(_dir);
            using var directory = new Microsoft.Win32.SafeHandles.SafeFileHandle(TestNative.Open(_dir, O_DIRECTORY | TestNative.O_CLOEXEC, 0), ownsHandle: true);
            Assert.False(directory.IsInvalid);
            await sender.SendWithDescriptorsAsync("F"u8.ToArray(), [directory]).AsTask().WaitAsync(Bound);
        }

        CliRunner.Result result = await receiver.WaitAsync(Bound);
        Assert.Equal(1, result.ExitCode);
        Assert.EndsWith(error, result.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, await sender.ReceiveAsync(new byte[1], SocketFlags.None).WaitAsync(Bound)); // closed, no "."
        Assert.False(File.Exists(_path));
    }

    [Fact]
    public async Task Listen_reports_an_oversized_client_serves_the_others_and_exits_1()
    {
        Task<CliRunner.Result> server = Task.Run(() => CliRunner.RunAsync("uds", "listen", _path, "--count", "2"));
        await WaitForSocketAsync(_path);
        using (Socket flood = await UnixSocket.ConnectAsync(_path).WaitAsync(Bound))
        {
            try
            {
                await flood.SendAsync(new byte[(16 << 20) + 1], SocketFlags.None).WaitAsync(Bound);
            }
            catch (SocketException)
            {
                // the server stopped reading at 16 MiB and closed: expected
            }
        }

        CliRunner.Result ok = await CliRunner.RunAsync("uds", "connect", _path, "--data", "fine").WaitAsync(Bound);
        Assert.True(ok.ExitCode == 0, ok.ToString());
        CliRunner.Result served = await server.WaitAsync(Bound);
        Assert.Equal(1, served.ExitCode);
        Assert.Contains("sent 4 bytes: fine", served.Stdout, StringComparison.Ordinal);
        Assert.Equal($"unixipc: uds listen: client pid {Environment.ProcessId}: EFBIG (File too large)\n", served.Stderr);
    }

    [Fact]
    public async Task An_address_with_a_newline_prints_on_one_line()
    {
        string name = _path + "\nsecond";
        Task<CliRunner.Result> server = Task.Run(() => CliRunner.RunAsync("uds", "listen", name));
        await WaitForSocketAsync(name);
        CliRunner.Result client = await CliRunner.RunAsync("uds", "connect", name, "--data", "x").WaitAsync(Bound);
        Assert.True(client.ExitCode == 0, client.ToString());
        CliRunner.Result served = await server.WaitAsync(Bound);
        Assert.StartsWith($"listening {name.Replace("\n", "\\x0A", StringComparison.Ordinal)}\npeer ", served.Stdout, StringComparison.Ordinal);
    }

    private const int O_DIRECTORY = 0x10000;

    private static Task WaitForSocketAsync(string path) => UnixListeners.WaitUntilListeningAsync(path, Bound);
}

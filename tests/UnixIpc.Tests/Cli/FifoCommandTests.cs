namespace UnixIpc.Tests;

/// <summary><c>unixipc fifo …</c> in-process, with C peers on the other end.</summary>
public sealed class FifoCommandTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"{TestNames.Prefix}{Environment.ProcessId}_{Guid.NewGuid():N}.fifo");

    public void Dispose() => File.Delete(_path);

    [Fact]
    [Trait("conformance", "FIFO-01")]
    public async Task Create_makes_a_FIFO_with_the_mode_asked_and_refuses_an_existing_path()
    {
        CliRunner.Result created = await CliRunner.RunAsync("fifo", "create", _path, "--mode", "0640");
        Assert.True(created.ExitCode == 0, created.ToString());
        Assert.Equal(_path + "\n", created.Stdout);
        Assert.True(Fifo.Exists(_path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(_path));

        CliRunner.Result again = await CliRunner.RunAsync("fifo", "create", _path);
        Assert.Equal(1, again.ExitCode);
        Assert.Equal("unixipc: fifo create: EEXIST (File exists)\n", again.Stderr);
    }

    [Fact]
    [Trait("conformance", "FIFO-04")]
    public async Task Read_waits_for_a_C_writer_and_prints_until_end_of_stream()
    {
        Fifo.Create(_path);
        Task<CliRunner.Result> reading = CliRunner.RunAsync("fifo", "read", _path);
        Assert.False(reading.IsCompleted);
        ProcessRunner.Result writer = await CPeers.RunAsync("fifo_write", _path, "from C");
        Assert.True(writer.ExitCode == 0, writer.ToString());
        CliRunner.Result read = await reading.WaitAsync(Bound);
        Assert.True(read.ExitCode == 0, read.ToString());
        Assert.Equal("from C", read.Stdout);
    }

    [Fact]
    [Trait("conformance", "FIFO-04")]
    public async Task Write_waits_for_a_C_reader_and_the_bytes_arrive()
    {
        Fifo.Create(_path);
        Task<ProcessRunner.Result> reader = CPeers.RunAsync("fifo_read", _path);
        CliRunner.Result written = await CliRunner.RunAsync("fifo", "write", _path, "--hex", "68 69 0a");
        Assert.True(written.ExitCode == 0, written.ToString());
        ProcessRunner.Result read = await reader.WaitAsync(Bound);
        Assert.Equal("hi\n", read.Stdout);
    }

    [Fact]
    [Trait("conformance", "FIFO-02")]
    public async Task Nonblocking_write_without_a_reader_is_ENXIO_exit_3_and_time_outs_are_ETIMEDOUT()
    {
        Fifo.Create(_path);
        CliRunner.Result nonblocking = await CliRunner.RunAsync("fifo", "write", _path, "--nonblock", "--data", "x");
        Assert.Equal(3, nonblocking.ExitCode);
        Assert.Equal("unixipc: fifo write: ENXIO (No such device or address)\n", nonblocking.Stderr);

        CliRunner.Result timedWrite = await CliRunner.RunAsync("fifo", "write", _path, "--timeout", "20", "--data", "x");
        Assert.Equal(3, timedWrite.ExitCode);
        Assert.Contains("ETIMEDOUT", timedWrite.Stderr, StringComparison.Ordinal);

        CliRunner.Result timedRead = await CliRunner.RunAsync("fifo", "read", _path, "--timeout", "20");
        Assert.Equal(3, timedRead.ExitCode);
        Assert.Contains("ETIMEDOUT", timedRead.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("conformance", "FIFO-03")]
    public async Task Nonblocking_read_with_no_writer_is_an_empty_end_of_stream()
    {
        Fifo.Create(_path);
        CliRunner.Result read = await CliRunner.RunAsync("fifo", "read", _path, "--nonblock");
        Assert.Equal(0, read.ExitCode);
        Assert.Empty(read.StdoutBytes);
    }

    [Fact]
    public async Task What_is_not_a_FIFO_is_neither_read_written_nor_removed()
    {
        File.WriteAllText(_path, "precious");
        foreach (string[] args in new[] { new[] { "fifo", "read", _path }, ["fifo", "write", _path, "--data", "x"], ["fifo", "unlink", _path] })
        {
            CliRunner.Result result = await CliRunner.RunAsync(args);
            Assert.Equal(1, result.ExitCode);
            Assert.Contains("not a FIFO", result.Stderr, StringComparison.Ordinal);
            Assert.Single(result.Stderr.TrimEnd('\n').Split('\n'));
        }

        Assert.Equal("precious", File.ReadAllText(_path));
        CliRunner.Result missing = await CliRunner.RunAsync("fifo", "read", _path + ".missing", "--nonblock");
        Assert.Equal("unixipc: fifo read: ENOENT (No such file or directory)\n", missing.Stderr);
        Assert.Equal(2, (await CliRunner.RunAsync("fifo", "read", _path, "--nonblock", "--timeout", "5")).ExitCode);
        Assert.Equal(2, (await CliRunner.RunAsync("fifo", "create", _path + ".x", "--mode", "0x1ffff")).ExitCode);
        Assert.False(File.Exists(_path + ".x"));
    }

    [Fact]
    public async Task Write_streams_standard_input_much_longer_than_the_FIFO_byte_for_byte()
    {
        Fifo.Create(_path);
        var payload = new byte[3 << 20];
        new Random(5).NextBytes(payload);
        Task<byte[]> reading = Task.Run(async () =>
        {
            using PipeEndStream reader = await Fifo.OpenReadAsync(_path);
            using var received = new MemoryStream();
            await reader.CopyToAsync(received);
            return received.ToArray();
        });
        CliRunner.Result written = await CliRunner.RunAsync(["fifo", "write", _path], payload);
        Assert.True(written.ExitCode == 0, written.ToString());
        Assert.Equal(payload, await reading.WaitAsync(Bound));
    }
}

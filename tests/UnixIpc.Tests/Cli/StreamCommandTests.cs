using System.Text.Json;

namespace UnixIpc.Tests;

/// <summary><c>unixipc stream listen|connect</c>: shared-memory streams from a shell.</summary>
public sealed class StreamCommandTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    // The listener is an abstract socket: it is up once the kernel's table lists it.
    private static async Task WaitForListenerAsync(string name)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (!File.ReadAllText("/proc/net/unix").Contains("@unixipc.stream" + name, StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, "the listener never came up");
            await Task.Delay(5);
        }
    }

    [Fact]
    public async Task An_echo_listener_serves_two_clients_and_reports_each_as_json()
    {
        string name = TestNames.Unique("clistream");
        Task<CliRunner.Result> server = Task.Run(() => CliRunner.RunAsync("stream", "listen", name, "--echo", "--count", "2", "--json"));
        await WaitForListenerAsync(name);
        CliRunner.Result[] clients = await Task.WhenAll(
            CliRunner.RunAsync("stream", "connect", name, "--data", "first"),
            CliRunner.RunAsync(["stream", "connect", name], "from stdin"u8.ToArray())).WaitAsync(Bound);
        Assert.True(clients.All(c => c.ExitCode == 0), string.Join("\n", clients.Select(c => c.ToString())));
        Assert.Equal(["first", "from stdin"], clients.Select(c => c.Stdout));

        CliRunner.Result served = await server.WaitAsync(Bound);
        Assert.True(served.ExitCode == 0, served.ToString());
        string[] lines = served.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal($"{{\"listening\":\"{name}\"}}", lines[0]);
        var reports = lines[1..].Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["first", "from stdin"], reports.Select(r => r.GetProperty("data").GetString()).Order(StringComparer.Ordinal));
        Assert.All(reports, r => Assert.Equal((int)TestNative.GetEuid(), r.GetProperty("uid").GetInt32()));
        Assert.DoesNotContain(Directory.EnumerateFiles("/dev/shm", "unixipc_stream_*"), f => reports.Any(r => f.Contains($"_{r.GetProperty("pid").GetInt32()}_", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_client_whose_stdout_is_closed_is_refused_before_it_connects()
    {
        string name = TestNames.Unique("clistreamout");
        Task<CliRunner.Result> server = Task.Run(() => CliRunner.RunAsync("stream", "listen", name, "--count", "1"));
        await WaitForListenerAsync(name);
        string cli = $"'{ProcessRunner.DotnetHost}' '{Path.Combine(AppContext.BaseDirectory, "unixipc.dll")}'";
        ProcessRunner.Result closed = await ProcessRunner.RunAsync("/bin/bash", ["-c", $"{cli} stream connect {name} --data lost >&-"]);
        Assert.Equal(1, closed.ExitCode);
        Assert.Contains("EBADF", closed.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, (await CliRunner.RunAsync("stream", "connect", name, "--data", "served")).ExitCode);
        CliRunner.Result served = await server.WaitAsync(Bound);
        Assert.Contains("sent 6 bytes: served", served.Stdout, StringComparison.Ordinal); // the one client it served
        Assert.DoesNotContain("lost", served.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_empty_message_is_reported_as_sent_nothing()
    {
        string name = TestNames.Unique("clistreamempty");
        Task<CliRunner.Result> server = Task.Run(() => CliRunner.RunAsync("stream", "listen", name));
        await WaitForListenerAsync(name);
        Assert.Equal(0, (await CliRunner.RunAsync(["stream", "connect", name], [])).ExitCode);
        CliRunner.Result served = await server.WaitAsync(Bound);
        Assert.EndsWith(" sent nothing\n", served.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_listener_is_one_line_and_exit_1_and_bad_values_are_usage_errors()
    {
        CliRunner.Result refused = await CliRunner.RunAsync("stream", "connect", TestNames.Unique("nobody"), "--data", "x");
        Assert.Equal(1, refused.ExitCode);
        Assert.StartsWith("unixipc: stream connect: ECONNREFUSED", refused.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", refused.Stderr, StringComparison.Ordinal);

        foreach (string[] bad in new[]
        {
            new[] { "stream", "connect", "/x", "--data", "x", "--timeout", "-5" },
            new[] { "stream", "connect", "/x", "--data", "x", "--timeout", "0xFFFFFFFFFFFFFFFF" },
            new[] { "stream", "listen", "/x", "--count", "0" },
            new[] { "stream", "listen", "a/b" },
            new[] { "stream", "connect", "", "--data", "x" },
        })
        {
            CliRunner.Result result = await CliRunner.RunAsync(bad);
            Assert.True(result.ExitCode == 2, $"{string.Join(' ', bad)}: {result}");
            Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
        }
    }
}

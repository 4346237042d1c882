using System.Text.Json;

namespace UnixIpc.Tests;

/// <summary><c>unixipc channel …</c> in-process.</summary>
public sealed class ChannelCommandTests : IDisposable
{
    private readonly string _name = TestNames.Unique("clichan");

    public void Dispose() => SharedMemoryChannel.TryUnlink(_name);

    [Fact]
    public async Task Create_send_recv_stat_unlink()
    {
        Assert.Equal(_name + "\n", (await CliRunner.RunAsync("channel", "create", _name, "--capacity", "65536", "--mode-bits", "0640")).Stdout);
        Assert.Equal("unixipc: channel create: EEXIST (File exists)\n", (await CliRunner.RunAsync("channel", "create", _name, "--capacity", "65536")).Stderr);
        Assert.Equal(0, (await CliRunner.RunAsync("channel", "send", _name, "--data", "hi", "--count", "3")).ExitCode);
        Assert.Equal(0, (await CliRunner.RunAsync(["channel", "send", _name], "from stdin"u8.ToArray())).ExitCode);
        Assert.Equal("hihi", (await CliRunner.RunAsync("channel", "recv", _name, "--count", "2")).Stdout);
        Assert.Equal("{\"index\":0,\"size\":2,\"text\":\"hi\",\"base64\":\"aGk=\"}\n", (await CliRunner.RunAsync("channel", "recv", _name, "--json")).Stdout);

        using (JsonDocument stat = JsonDocument.Parse((await CliRunner.RunAsync("channel", "stat", _name, "--json")).Stdout))
        {
            JsonElement r = stat.RootElement;
            Assert.Equal(65536, r.GetProperty("capacity").GetInt64());
            Assert.Equal(4, r.GetProperty("messages_written").GetInt64());
            Assert.Equal(3, r.GetProperty("messages_read").GetInt64());
            Assert.Equal(64, r.GetProperty("used_bytes").GetInt64());
            Assert.Equal(0, r.GetProperty("participants").GetArrayLength());
        }

        Assert.Equal("from stdin", (await CliRunner.RunAsync("channel", "recv", _name)).Stdout);
        CliRunner.Result empty = await CliRunner.RunAsync("channel", "recv", _name, "--timeout", "20");
        Assert.Equal(3, empty.ExitCode);
        Assert.Equal("unixipc: channel recv: ETIMEDOUT (Connection timed out)\n", empty.Stderr);
        Assert.Equal(0, (await CliRunner.RunAsync("channel", "unlink", _name)).ExitCode);
        Assert.Equal("unixipc: channel stat: ENOENT (No such file or directory)\n", (await CliRunner.RunAsync("channel", "stat", _name)).Stderr);
    }

    [Theory]
    [InlineData("--capacity", "1000")]
    [InlineData("--capacity", "4096", "--mode", "fanout")]
    [InlineData("--capacity", "4096", "--overrun")]
    public async Task Bad_capacity_or_mode_is_exit_2(params string[] options)
    {
        CliRunner.Result result = await CliRunner.RunAsync(["channel", "create", _name, .. options]);
        Assert.Equal(2, result.ExitCode);
        Assert.False(SharedMemoryChannel.TryUnlink(_name));
    }

    [Fact]
    public async Task A_broadcast_channel_reports_its_mode()
    {
        Assert.Equal(0, (await CliRunner.RunAsync("channel", "create", _name, "--capacity", "4096", "--mode", "broadcast")).ExitCode);
        using JsonDocument stat = JsonDocument.Parse((await CliRunner.RunAsync("channel", "stat", _name, "--json")).Stdout);
        Assert.Equal("broadcast", stat.RootElement.GetProperty("mode").GetString());
    }

    [Fact]
    public async Task An_overrun_channel_reports_its_policy_and_recv_says_how_many_messages_it_lost()
    {
        Assert.Equal(0, (await CliRunner.RunAsync("channel", "create", _name, "--capacity", "4096", "--mode", "broadcast", "--overrun")).ExitCode);
        using SharedMemoryChannel channel = SharedMemoryChannel.OpenExisting(_name);
        Task<CliRunner.Result> recv = Task.Run(() => CliRunner.RunAsync("channel", "recv", _name, "--json", "--timeout", "60000"));
        Assert.True(SpinWait.SpinUntil(() => channel.Stat().Participants.Count == 1, TimeSpan.FromSeconds(30)), "recv never subscribed");
        using (SharedMemoryChannelWriter writer = channel.CreateWriter())
        {
            for (int i = 0; i < 1000; i++)
            {
                Assert.True(writer.TryWrite(System.Text.Encoding.ASCII.GetBytes(i.ToString(System.Globalization.CultureInfo.InvariantCulture))));
            }
        }

        // Whenever recv got to read, the message it printed is preceded by exactly the ones it lost.
        CliRunner.Result result = await recv.WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(0, result.ExitCode);
        using (JsonDocument message = JsonDocument.Parse(result.Stdout))
        {
            Assert.Equal(int.Parse(message.RootElement.GetProperty("text").GetString()!, System.Globalization.CultureInfo.InvariantCulture), message.RootElement.GetProperty("lost").GetInt64());
        }

        using JsonDocument stat = JsonDocument.Parse((await CliRunner.RunAsync("channel", "stat", _name, "--json")).Stdout);
        Assert.Equal("broadcast", stat.RootElement.GetProperty("mode").GetString());
        Assert.Equal("overrun", stat.RootElement.GetProperty("slow_subscribers").GetString());
        Assert.Equal(1000, stat.RootElement.GetProperty("messages_written").GetInt64());
    }
}

using System.Text.Json;

namespace UnixIpc.Tests;

/// <summary><c>unixipc channel …</c> in-process.</summary>
public sealed class ChannelCommandTests : IDisposable
{
    private readonly string _name = TestNames.Unique("clichan");

    public void Dispose() => PosixSharedMemory.TryUnlink(_name); // some tests leave a plain object under the name

    [Fact]
    public async Task Create_send_recv_stat_unlink()
    {
        Assert.Equal(_name + "\n", (await CliRunner.RunAsync("channel", "create", _name, "--capacity", "65536", "--mode", "0640")).Stdout);
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
        Assert.Equal(0, (await CliRunner.RunAsync("channel", "create", _name, "--capacity", "4096", "--delivery", "broadcast")).ExitCode);
        using JsonDocument stat = JsonDocument.Parse((await CliRunner.RunAsync("channel", "stat", _name, "--json")).Stdout);
        Assert.Equal("broadcast", stat.RootElement.GetProperty("mode").GetString());
    }

    [Fact]
    public async Task An_overrun_channel_reports_its_policy_and_recv_says_how_many_messages_it_lost()
    {
        Assert.Equal(0, (await CliRunner.RunAsync("channel", "create", _name, "--capacity", "4096", "--delivery", "broadcast", "--overrun")).ExitCode);
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

    [Fact]
    public async Task Stat_text_and_json_list_the_same_fields_and_participants()
    {
        Assert.Equal(0, (await CliRunner.RunAsync("channel", "create", _name, "--capacity", "4096")).ExitCode);
        using SharedMemoryChannel channel = SharedMemoryChannel.OpenExisting(_name);
        using SharedMemoryChannelWriter writer = channel.CreateWriter();
        Assert.True(writer.TryWrite("abc"u8));

        // One printer serves both forms: every JSON field is a text line with the same value, and the participant
        // row (a string, a yes/no and numbers) reads the same in both.
        string text = (await CliRunner.RunAsync("channel", "stat", _name)).Stdout;
        using JsonDocument json = JsonDocument.Parse((await CliRunner.RunAsync("channel", "stat", _name, "--json")).Stdout);
        string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        foreach (JsonProperty field in json.RootElement.EnumerateObject().Where(f => f.Value.ValueKind != JsonValueKind.Array))
        {
            string value = field.Value.ValueKind == JsonValueKind.String ? field.Value.GetString()! : field.Value.GetRawText();
            Assert.Contains(lines, l => l.Split(' ', 2)[0] == field.Name && l[field.Name.Length..].Trim() == value);
        }

        JsonElement participant = Assert.Single(json.RootElement.GetProperty("participants").EnumerateArray());
        Assert.Equal("producer", participant.GetProperty("role").GetString());
        Assert.Equal(Environment.ProcessId, participant.GetProperty("pid").GetInt32());
        Assert.True(participant.GetProperty("alive").GetBoolean());
        Assert.Equal(1, participant.GetProperty("messages").GetInt64());
        string[] header = lines[^2].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        string[] row = lines[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal([.. participant.EnumerateObject().Select(p => p.Name)], header);
        Assert.Equal([.. participant.EnumerateObject().Select(p => p.Value.ValueKind switch { JsonValueKind.True => "yes", JsonValueKind.False => "no", JsonValueKind.String => p.Value.GetString()!, _ => p.Value.GetRawText() })], row);
    }

    [Fact]
    public async Task Send_on_a_full_channel_gives_up_when_told_to()
    {
        Assert.Equal(0, (await CliRunner.RunAsync("channel", "create", _name, "--capacity", "4096")).ExitCode);
        Assert.Equal(0, (await CliRunner.RunAsync("channel", "send", _name, "--hex", new string('a', 2 * 2000), "--count", "2")).ExitCode); // full: 2 x 2048 bytes

        CliRunner.Result nonBlocking = await CliRunner.RunAsync("channel", "send", _name, "--data", "x", "--nonblock");
        Assert.Equal((3, "unixipc: channel send: EAGAIN (Resource temporarily unavailable)\n"), (nonBlocking.ExitCode, nonBlocking.Stderr));
        CliRunner.Result timed = await CliRunner.RunAsync("channel", "send", _name, "--data", "x", "--timeout", "50");
        Assert.Equal((3, "unixipc: channel send: ETIMEDOUT (Connection timed out)\n"), (timed.ExitCode, timed.Stderr));
        Assert.Equal(2, (await CliRunner.RunAsync("channel", "send", _name, "--data", "x", "--timeout", "50", "--nonblock")).ExitCode);
        using SharedMemoryChannel channel = SharedMemoryChannel.OpenExisting(_name);
        Assert.Equal(2, channel.Stat().MessagesWritten); // nothing half-sent
    }

    [Fact]
    public async Task Unlink_refuses_an_object_that_is_not_a_channel_and_stat_says_what_is_wrong_in_one_line()
    {
        using (var plain = PosixSharedMemory.CreateNew(_name, 4096))
        {
            using MappedRegion region = plain.Map();
            region.Write(0, "not a channel"u8);
        }

        CliRunner.Result unlink = await CliRunner.RunAsync("channel", "unlink", _name);
        Assert.Equal(1, unlink.ExitCode);
        Assert.Equal($"unixipc: channel unlink: {_name} is not a channel (no channel header), so it was not removed. If it is yours to remove, use PosixSharedMemory.Unlink (unixipc pshm unlink).\n", unlink.Stderr);
        Assert.True(File.Exists("/dev/shm" + _name));

        CliRunner.Result stat = await CliRunner.RunAsync("channel", "stat", _name);
        Assert.Equal(1, stat.ExitCode);
        Assert.Equal($"unixipc: channel stat: {_name} is not a UnixIpc channel (no channel header).\n", stat.Stderr); // no stack trace
        CliRunner.Result recv = await CliRunner.RunAsync("channel", "recv", _name, "--timeout", "10");
        Assert.Equal(1, recv.ExitCode);
        Assert.DoesNotContain("\n   at ", recv.Stderr, StringComparison.Ordinal);
    }
}

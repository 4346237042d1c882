using System.Text.Json;

namespace UnixIpc.Tests;

/// <summary><c>unixipc mq …</c> in-process.</summary>
public sealed class MqCommandTests : IDisposable
{
    private readonly string _name = TestNames.Unique("climq");

    public void Dispose() => PosixMessageQueue.TryUnlink(_name);

    [Fact]
    [Trait("conformance", "MQ-01")]
    [Trait("conformance", "MQ-20")]
    public async Task Create_send_with_priorities_attr_and_receive_highest_first()
    {
        CliRunner.Result created = await CliRunner.RunAsync("mq", "create", _name, "--max-messages", "5", "--message-size", "64", "--excl");
        Assert.True(created.ExitCode == 0, created.ToString());
        Assert.Equal(_name + "\n", created.Stdout);
        foreach ((string data, string prio) in new[] { ("a", "1"), ("b", "3"), ("c", "2"), ("d", "3") })
        {
            Assert.Equal(0, (await CliRunner.RunAsync("mq", "send", _name, "--priority", prio, "--data", data)).ExitCode);
        }

        using (JsonDocument attr = JsonDocument.Parse((await CliRunner.RunAsync("mq", "attr", _name, "--json")).Stdout))
        {
            Assert.Equal(5, attr.RootElement.GetProperty("max_messages").GetInt64());
            Assert.Equal(64, attr.RootElement.GetProperty("message_size").GetInt64());
            Assert.Equal(4, attr.RootElement.GetProperty("current_messages").GetInt64());
        }

        CliRunner.Result json = await CliRunner.RunAsync("mq", "recv", _name, "--count", "2", "--json");
        string[] lines = json.Stdout.TrimEnd('\n').Split('\n');
        Assert.Equal("{\"priority\":3,\"size\":1,\"text\":\"b\",\"base64\":\"Yg==\"}", lines[0]);
        Assert.Equal("{\"priority\":3,\"size\":1,\"text\":\"d\",\"base64\":\"ZA==\"}", lines[1]);
        Assert.Equal("ca", (await CliRunner.RunAsync("mq", "recv", _name, "--count", "2")).Stdout);
        Assert.Contains("current_messages  0", (await CliRunner.RunAsync("mq", "attr", _name)).Stdout, StringComparison.Ordinal);
        Assert.Equal(0, (await CliRunner.RunAsync("mq", "unlink", _name)).ExitCode);
    }

    [Fact]
    public async Task Binary_data_from_hex_and_stdin_and_json_without_text_for_invalid_utf8()
    {
        await CliRunner.RunAsync("mq", "create", _name, "--max-messages", "3", "--message-size", "16");
        Assert.Equal(0, (await CliRunner.RunAsync("mq", "send", _name, "--hex", "ff00fe")).ExitCode);
        Assert.Equal(0, (await CliRunner.RunAsync(["mq", "send", _name], "piped"u8.ToArray())).ExitCode);
        CliRunner.Result binary = await CliRunner.RunAsync("mq", "recv", _name, "--json");
        Assert.Equal("{\"priority\":0,\"size\":3,\"base64\":\"/wD+\"}\n", binary.Stdout);
        Assert.Equal("piped", (await CliRunner.RunAsync("mq", "recv", _name)).Stdout);
    }

    [Fact]
    [Trait("conformance", "MQ-13")]
    [Trait("conformance", "MQ-14")]
    [Trait("conformance", "MQ-16")]
    public async Task Would_block_and_time_outs_are_exit_3_with_the_errno()
    {
        await CliRunner.RunAsync("mq", "create", _name, "--max-messages", "1", "--message-size", "8");
        CliRunner.Result empty = await CliRunner.RunAsync("mq", "recv", _name, "--nonblock");
        Assert.Equal(3, empty.ExitCode);
        Assert.Equal("unixipc: mq recv: EAGAIN (Resource temporarily unavailable)\n", empty.Stderr);
        CliRunner.Result timedOut = await CliRunner.RunAsync("mq", "recv", _name, "--timeout", "50");
        Assert.Equal(3, timedOut.ExitCode);
        Assert.Equal("unixipc: mq recv: ETIMEDOUT (Connection timed out)\n", timedOut.Stderr);

        Assert.Equal(0, (await CliRunner.RunAsync("mq", "send", _name, "--data", "1")).ExitCode);
        CliRunner.Result full = await CliRunner.RunAsync("mq", "send", _name, "--nonblock", "--data", "2");
        Assert.Equal(3, full.ExitCode);
        Assert.Equal("unixipc: mq send: EAGAIN (Resource temporarily unavailable)\n", full.Stderr);
        Assert.Equal(3, (await CliRunner.RunAsync("mq", "send", _name, "--timeout", "50", "--data", "2")).ExitCode);
        Assert.Equal(2, (await CliRunner.RunAsync("mq", "send", _name, "--timeout", "50", "--nonblock", "--data", "2")).ExitCode);
    }

    [Fact]
    [Trait("conformance", "MQ-10")]
    [Trait("conformance", "MQ-12")]
    [Trait("conformance", "MQ-07")]
    public async Task Kernel_refusals_the_library_checks_first_still_print_the_kernels_errno()
    {
        await CliRunner.RunAsync("mq", "create", _name, "--max-messages", "2", "--message-size", "4");
        CliRunner.Result tooLong = await CliRunner.RunAsync("mq", "send", _name, "--data", "12345");
        Assert.Equal(1, tooLong.ExitCode);
        Assert.Equal("unixipc: mq send: EMSGSIZE (Message too long)\n", tooLong.Stderr);
        CliRunner.Result badPriority = await CliRunner.RunAsync("mq", "send", _name, "--priority", "32768", "--data", "x");
        Assert.Equal("unixipc: mq send: EINVAL (Invalid argument)\n", badPriority.Stderr);
        Assert.Equal(0, (await CliRunner.RunAsync("mq", "send", _name, "--priority", "32767", "--data", "x")).ExitCode);
        Assert.Contains("current_messages  1", (await CliRunner.RunAsync("mq", "attr", _name)).Stdout, StringComparison.Ordinal);

        string other = TestNames.Unique("climq");
        CliRunner.Result zero = await CliRunner.RunAsync("mq", "create", other, "--max-messages", "0");
        Assert.Equal("unixipc: mq create: EINVAL (Invalid argument)\n", zero.Stderr);
        Assert.False(PosixMessageQueue.TryUnlink(other));
    }

    [Fact]
    [Trait("conformance", "MQ-03")]
    [Trait("conformance", "MQ-04")]
    [Trait("conformance", "MQ-23")]
    public async Task Missing_and_existing_names()
    {
        CliRunner.Result missing = await CliRunner.RunAsync("mq", "send", _name, "--data", "x");
        Assert.Equal(1, missing.ExitCode);
        Assert.Equal("unixipc: mq send: ENOENT (No such file or directory)\n", missing.Stderr);
        Assert.Equal(0, (await CliRunner.RunAsync("mq", "create", _name, "--excl")).ExitCode);
        Assert.Equal("unixipc: mq create: EEXIST (File exists)\n", (await CliRunner.RunAsync("mq", "create", _name, "--excl")).Stderr);
        Assert.Equal(0, (await CliRunner.RunAsync("mq", "unlink", _name)).ExitCode);
        Assert.Equal("unixipc: mq unlink: ENOENT (No such file or directory)\n", (await CliRunner.RunAsync("mq", "unlink", _name)).Stderr);
        Assert.Equal(2, (await CliRunner.RunAsync("mq", "create", "a/b")).ExitCode);
    }
}

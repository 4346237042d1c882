using System.Globalization;
using System.Text.Json;

namespace UnixIpc.Tests;

/// <summary><c>unixipc msg …</c> in-process.</summary>
public sealed class MsgCommandTests : IDisposable
{
    private readonly List<int> _ids = [];

    public void Dispose()
    {
        foreach (int id in _ids)
        {
            SystemVMessageQueue.TryRemove(id);
        }
    }

    private async Task<string> NewQueueAsync(params string[] extra)
    {
        CliRunner.Result result = await CliRunner.RunAsync(["msg", "get", "--private", .. extra]);
        Assert.True(result.ExitCode == 0, result.ToString());
        int id = int.Parse(result.Stdout.Trim(), CultureInfo.InvariantCulture);
        _ids.Add(id);
        return id.ToString(CultureInfo.InvariantCulture);
    }

    [Fact]
    [Trait("conformance", "SVMSG-04")]
    [Trait("conformance", "SVMSG-05")]
    public async Task Typed_send_and_every_selection()
    {
        string id = await NewQueueAsync();
        foreach (string t in new[] { "4", "3", "2", "1" })
        {
            Assert.Equal(0, (await CliRunner.RunAsync("msg", "send", id, "--type", t, "--data", "t" + t)).ExitCode);
        }

        Assert.Equal("{\"type\":1,\"size\":2,\"text\":\"t1\",\"base64\":\"dDE=\"}\n", (await CliRunner.RunAsync("msg", "recv", id, "--type", "-2", "--json")).Stdout);
        Assert.Equal("t4", (await CliRunner.RunAsync("msg", "recv", id, "--type", "3", "--except")).Stdout);
        Assert.Equal("t3", (await CliRunner.RunAsync("msg", "recv", id, "--type", "3")).Stdout);
        Assert.Equal("t2", (await CliRunner.RunAsync("msg", "recv", id)).Stdout);
    }

    [Fact]
    [Trait("conformance", "SVMSG-06")]
    [Trait("conformance", "SVMSG-07")]
    [Trait("conformance", "SVMSG-08")]
    [Trait("conformance", "SVMSG-18")]
    public async Task Nowait_too_big_noerror_copy_and_bad_types()
    {
        string id = await NewQueueAsync();
        CliRunner.Result none = await CliRunner.RunAsync("msg", "recv", id, "--nowait");
        Assert.Equal(3, none.ExitCode);
        Assert.Equal("unixipc: msg recv: ENOMSG (No message of desired type)\n", none.Stderr);

        await CliRunner.RunAsync("msg", "send", id, "--type", "1", "--data", "0123456789");
        CliRunner.Result copy = await CliRunner.RunAsync("msg", "recv", id, "--copy", "0");
        Assert.Equal("0123456789", copy.Stdout);
        CliRunner.Result big = await CliRunner.RunAsync("msg", "recv", id, "--max-size", "4");
        Assert.Equal(1, big.ExitCode);
        Assert.Equal("unixipc: msg recv: E2BIG (Argument list too long)\n", big.Stderr);
        Assert.Equal("0123", (await CliRunner.RunAsync("msg", "recv", id, "--max-size", "4", "--noerror")).Stdout);

        CliRunner.Result zero = await CliRunner.RunAsync("msg", "send", id, "--type", "0", "--data", "x");
        Assert.Equal(1, zero.ExitCode);
        Assert.Equal("unixipc: msg send: EINVAL (Invalid argument)\n", zero.Stderr);
    }

    [Fact]
    [Trait("conformance", "SVMSG-10")]
    [Trait("conformance", "SVMSG-14")]
    [Trait("conformance", "SVMSG-15")]
    [Trait("conformance", "SVMSG-16")]
    public async Task Stat_set_full_queue_and_rm()
    {
        string id = await NewQueueAsync("--mode", "0640");
        Assert.Equal(0, (await CliRunner.RunAsync("msg", "set", id, "--max-bytes", "4", "--mode", "0600")).ExitCode);
        Assert.Equal(0, (await CliRunner.RunAsync("msg", "send", id, "--type", "2", "--data", "full")).ExitCode);
        CliRunner.Result full = await CliRunner.RunAsync("msg", "send", id, "--type", "2", "--nowait", "--data", "x");
        Assert.Equal(3, full.ExitCode);
        Assert.Equal("unixipc: msg send: EAGAIN (Resource temporarily unavailable)\n", full.Stderr);
        Assert.Equal(3, (await CliRunner.RunAsync("msg", "send", id, "--type", "2", "--timeout", "50", "--data", "x")).ExitCode);

        using (JsonDocument stat = JsonDocument.Parse((await CliRunner.RunAsync("msg", "stat", id, "--json")).Stdout))
        {
            JsonElement r = stat.RootElement;
            Assert.Equal(1, r.GetProperty("qnum").GetInt64());
            Assert.Equal(4, r.GetProperty("cbytes").GetInt64());
            Assert.Equal(4, r.GetProperty("qbytes").GetInt64());
            Assert.Equal("0600", r.GetProperty("mode").GetString());
            Assert.Equal(Environment.ProcessId, r.GetProperty("lspid").GetInt32());
            Assert.Equal(0, r.GetProperty("lrpid").GetInt32());
            Assert.Equal(JsonValueKind.Null, r.GetProperty("rtime").ValueKind);
        }

        Assert.Equal(0, (await CliRunner.RunAsync("msg", "rm", id)).ExitCode);
        Assert.Equal("unixipc: msg stat: EINVAL (Invalid argument)\n", (await CliRunner.RunAsync("msg", "stat", id)).Stderr);
    }

    [Fact]
    [Trait("conformance", "SVMSG-02")]
    public async Task Get_by_ftok_create_excl_and_open()
    {
        string file = TestNames.KeyFile();
        IpcKey key = IpcKey.FromPath(file, 7);
        try
        {
            Assert.Equal("unixipc: msg get: ENOENT (No such file or directory)\n", (await CliRunner.RunAsync("msg", "get", "--ftok", file, "7")).Stderr);
            CliRunner.Result created = await CliRunner.RunAsync("msg", "get", "--ftok", file, "7", "--create", "--excl");
            int id = int.Parse(created.Stdout.Trim(), CultureInfo.InvariantCulture);
            _ids.Add(id);
            Assert.Equal("unixipc: msg get: EEXIST (File exists)\n", (await CliRunner.RunAsync("msg", "get", "--ftok", file, "7", "--create", "--excl")).Stderr);
            Assert.Equal(created.Stdout, (await CliRunner.RunAsync("msg", "get", key.ToString())).Stdout);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("msg", "send", "1")]                    // --type missing
    [InlineData("msg", "recv", "1", "--except")]        // --except needs a positive --type
    [InlineData("msg", "recv", "1", "--nowait", "--timeout", "5")]
    [InlineData("msg", "set", "1")]
    public async Task Usage_errors_are_exit_2(params string[] args)
    {
        Assert.Equal(2, (await CliRunner.RunAsync(args)).ExitCode);
    }

    [Fact]
    public async Task Both_ways_of_waiting_at_once_is_a_usage_error_that_names_this_verbs_flag()
    {
        string id = await NewQueueAsync();
        CliRunner.Result both = await CliRunner.RunAsync("msg", "send", id, "--type", "1", "--data", "x", "--nowait", "--timeout", "5");
        Assert.Equal((2, "unixipc: msg send: give --timeout or --nowait, not both.\n"), (both.ExitCode, both.Stderr)); // it used to name --nonblock, which msg does not have
    }
}

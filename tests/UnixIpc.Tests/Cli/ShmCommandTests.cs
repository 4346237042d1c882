using System.Globalization;
using System.Text.Json;

namespace UnixIpc.Tests;

/// <summary><c>unixipc shm …</c> run in-process with captured output.</summary>
public sealed class ShmCommandTests
{
    private static int ParseId(CliRunner.Result result)
    {
        Assert.True(result.ExitCode == 0, result.ToString());
        return int.Parse(result.Stdout.Trim(), CultureInfo.InvariantCulture);
    }

    [Fact]
    [Trait("conformance", "SVSHM-01")]
    [Trait("conformance", "SVSHM-03")]
    public async Task Get_private_write_read_stat_rm()
    {
        int id = ParseId(await CliRunner.RunAsync("shm", "get", "--private", "--size", "2048", "--mode", "0640"));
        try
        {
            string ids = id.ToString(CultureInfo.InvariantCulture);
            Assert.Equal(0, (await CliRunner.RunAsync("shm", "write", ids, "--data", "sysv!")).ExitCode);
            Assert.Equal(0, (await CliRunner.RunAsync("shm", "write", ids, "--offset", "0x10", "--hex", "0102")).ExitCode);
            Assert.Equal("sysv!\n", (await CliRunner.RunAsync("shm", "read", ids, "--cstring")).Stdout);
            Assert.Equal(new byte[] { 1, 2, 0 }, (await CliRunner.RunAsync("shm", "read", ids, "--offset", "16", "--length", "3")).StdoutBytes);
            Assert.Equal(2048, (await CliRunner.RunAsync("shm", "read", ids)).StdoutBytes.Length);

            CliRunner.Result stat = await CliRunner.RunAsync("shm", "stat", ids, "--json");
            using (JsonDocument json = JsonDocument.Parse(stat.Stdout))
            {
                JsonElement r = json.RootElement;
                Assert.Equal("0x00000000", r.GetProperty("key").GetString());
                Assert.Equal(id, r.GetProperty("id").GetInt32());
                Assert.Equal(2048, r.GetProperty("size").GetInt64());
                Assert.Equal(0, r.GetProperty("nattch").GetInt64());
                Assert.Equal(Environment.ProcessId, r.GetProperty("cpid").GetInt32());
                Assert.Equal(Environment.ProcessId, r.GetProperty("lpid").GetInt32());
                Assert.Equal("0640", r.GetProperty("mode").GetString());
                Assert.Equal((int)TestNative.GetEuid(), r.GetProperty("uid").GetInt32());
                Assert.Equal((int)TestNative.GetEgid(), r.GetProperty("gid").GetInt32());
                Assert.Equal(JsonValueKind.Number, r.GetProperty("atime").ValueKind);
                Assert.Equal(JsonValueKind.Number, r.GetProperty("dtime").ValueKind);
                Assert.True(r.GetProperty("ctime").GetInt64() > 0);
                Assert.False(r.GetProperty("dest").GetBoolean());
            }

            string text = (await CliRunner.RunAsync("shm", "stat", ids)).Stdout;
            Assert.Contains("size    2048", text, StringComparison.Ordinal);
            Assert.Contains("mode    0640", text, StringComparison.Ordinal);

            Assert.Equal(0, (await CliRunner.RunAsync("shm", "rm", ids)).ExitCode);
            CliRunner.Result gone = await CliRunner.RunAsync("shm", "stat", ids);
            Assert.Equal(1, gone.ExitCode);
            Assert.Equal("unixipc: shm stat: EINVAL (Invalid argument)\n", gone.Stderr);
        }
        finally
        {
            SystemVSharedMemory.TryRemove(id);
        }
    }

    [Fact]
    [Trait("conformance", "SVSHM-02")]
    public async Task Get_by_key_and_by_ftok_with_create_excl_and_the_errors()
    {
        string file = TestNames.KeyFile();
        IpcKey key = IpcKey.FromPath(file, 9);
        try
        {
            CliRunner.Result missing = await CliRunner.RunAsync("shm", "get", "--ftok", file, "9");
            Assert.Equal(1, missing.ExitCode);
            Assert.Equal("unixipc: shm get: ENOENT (No such file or directory)\n", missing.Stderr);

            int id = ParseId(await CliRunner.RunAsync("shm", "get", "--ftok", file, "9", "--size", "64", "--create", "--excl"));
            CliRunner.Result exists = await CliRunner.RunAsync("shm", "get", "--ftok", file, "9", "--size", "64", "--create", "--excl");
            Assert.Equal(1, exists.ExitCode);
            Assert.Equal("unixipc: shm get: EEXIST (File exists)\n", exists.Stderr);

            Assert.Equal(id, ParseId(await CliRunner.RunAsync("shm", "get", key.ToString())));
            Assert.Equal(id, ParseId(await CliRunner.RunAsync("shm", "get", key.Value.ToString(CultureInfo.InvariantCulture))));
            Assert.Equal(id, ParseId(await CliRunner.RunAsync("shm", "get", key.ToString(), "--size", "64", "--create")));

            CliRunner.Result tooBig = await CliRunner.RunAsync("shm", "get", key.ToString(), "--size", "65");
            Assert.Equal(1, tooBig.ExitCode);
            Assert.Equal("unixipc: shm get: EINVAL (Invalid argument)\n", tooBig.Stderr);
            Assert.Equal(0, (await CliRunner.RunAsync("shm", "rm", id.ToString(CultureInfo.InvariantCulture))).ExitCode);
        }
        finally
        {
            Cleanup.RemoveSegment(key);

            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("shm", "get")]
    [InlineData("shm", "get", "0x10", "--private")]
    [InlineData("shm", "get", "--private")]
    [InlineData("shm", "get", "--private", "--size", "0")]
    [InlineData("shm", "get", "nonsense")]
    [InlineData("shm", "get", "0x10", "--excl")]
    [InlineData("shm", "get", "--ftok", "/tmp", "x")]
    [InlineData("shm", "read", "-3")]
    [InlineData("shm", "attach", "1")]
    public async Task Usage_errors_are_exit_2(params string[] args)
    {
        CliRunner.Result result = await CliRunner.RunAsync(args);
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("unixipc: ", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ftok_on_a_missing_path_is_ENOENT()
    {
        CliRunner.Result result = await CliRunner.RunAsync("shm", "get", "--ftok", "/nonexistent/" + Guid.NewGuid(), "1");
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("unixipc: shm get: ENOENT (No such file or directory)\n", result.Stderr);
    }

    [Fact]
    public async Task Writing_past_the_end_of_a_segment_writes_nothing()
    {
        SystemVSharedMemory segment = SystemVSharedMemory.CreateNew(IpcKey.Private, 4);
        try
        {
            CliRunner.Result result = await CliRunner.RunAsync("shm", "write", segment.Id.ToString(CultureInfo.InvariantCulture), "--data", "12345");
            Assert.Equal(2, result.ExitCode);
            using MappedRegion region = segment.Attach();
            Assert.Equal(0, region.Read<int>(0));
        }
        finally
        {
            segment.Remove();
        }
    }
}

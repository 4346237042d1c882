using System.Text.Json;

namespace UnixIpc.Tests;

/// <summary><c>unixipc pshm …</c> run in-process with captured output.</summary>
[Trait("conformance", "PSHM-01")]
public sealed class PshmCommandTests
{
    [Fact]
    public async Task Create_write_read_stat_unlink_round_trip()
    {
        string name = TestNames.Unique("cli");
        try
        {
            CliRunner.Result created = await CliRunner.RunAsync("pshm", "create", name.TrimStart('/'), "--size", "0x100", "--mode", "0640");
            Assert.True(created.ExitCode == 0, created.ToString());
            Assert.Equal(name + "\n", created.Stdout);

            Assert.Equal(0, (await CliRunner.RunAsync("pshm", "write", name, "--data", "Hello, World!")).ExitCode);
            Assert.Equal(0, (await CliRunner.RunAsync("pshm", "write", name, "--offset", "20", "--hex", "de ad be ef")).ExitCode);
            Assert.Equal(0, (await CliRunner.RunAsync(["pshm", "write", name, "--offset", "30"], "from stdin"u8.ToArray())).ExitCode);

            CliRunner.Result text = await CliRunner.RunAsync("pshm", "read", name, "--cstring");
            Assert.Equal("Hello, World!\n", text.Stdout);
            CliRunner.Result raw = await CliRunner.RunAsync("pshm", "read", name, "--offset", "20", "--length", "4");
            Assert.Equal(new byte[] { 0xde, 0xad, 0xbe, 0xef }, raw.StdoutBytes);
            Assert.Equal("from stdin", (await CliRunner.RunAsync("pshm", "read", name, "--offset", "30", "--length", "10")).Stdout);
            Assert.Equal(256, (await CliRunner.RunAsync("pshm", "read", name)).StdoutBytes.Length);
            Assert.Empty((await CliRunner.RunAsync("pshm", "read", name, "--offset", "256")).StdoutBytes);

            CliRunner.Result stat = await CliRunner.RunAsync("pshm", "stat", name, "--json");
            using (JsonDocument json = JsonDocument.Parse(stat.Stdout))
            {
                JsonElement root = json.RootElement;
                Assert.Equal(name, root.GetProperty("name").GetString());
                Assert.Equal(256, root.GetProperty("size").GetInt64());
                Assert.Equal("0640", root.GetProperty("mode").GetString());
                Assert.Equal((int)TestNative.GetEuid(), root.GetProperty("uid").GetInt32());
                Assert.Equal((int)TestNative.GetEgid(), root.GetProperty("gid").GetInt32());
            }

            Assert.Contains("size  256", (await CliRunner.RunAsync("pshm", "stat", name)).Stdout, StringComparison.Ordinal);

            Assert.Equal(0, (await CliRunner.RunAsync("pshm", "unlink", name)).ExitCode);
            Assert.False(PosixSharedMemory.TryOpenExisting(name, out _));
        }
        finally
        {
            PosixSharedMemory.TryUnlink(name);
        }
    }

    [Fact]
    [Trait("conformance", "PSHM-04")]
    public async Task A_missing_object_is_exit_1_with_one_ENOENT_line()
    {
        string name = TestNames.Unique("cli");
        foreach (string[] args in new[]
        {
            new[] { "pshm", "read", name },
            new[] { "pshm", "stat", name },
            new[] { "pshm", "write", name, "--data", "x" },
            new[] { "pshm", "unlink", name },
        })
        {
            CliRunner.Result result = await CliRunner.RunAsync(args);
            Assert.Equal(1, result.ExitCode);
            Assert.Equal($"unixipc: pshm {args[1]}: ENOENT (No such file or directory)\n", result.Stderr);
            Assert.Empty(result.StdoutBytes);
        }
    }

    [Fact]
    [Trait("conformance", "PSHM-03")]
    public async Task Excl_on_an_existing_name_is_EEXIST_and_without_excl_it_opens_and_grows()
    {
        string name = TestNames.Unique("cli");
        try
        {
            Assert.Equal(0, (await CliRunner.RunAsync("pshm", "create", name, "--size", "10", "--excl")).ExitCode);
            CliRunner.Result again = await CliRunner.RunAsync("pshm", "create", name, "--size", "10", "--excl");
            Assert.Equal(1, again.ExitCode);
            Assert.Equal("unixipc: pshm create: EEXIST (File exists)\n", again.Stderr);

            Assert.Equal(0, (await CliRunner.RunAsync("pshm", "create", name, "--size", "100")).ExitCode);
            using var shm = PosixSharedMemory.OpenExisting(name);
            Assert.Equal(100, shm.Size);
        }
        finally
        {
            PosixSharedMemory.TryUnlink(name);
        }
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("/")]
    [Trait("conformance", "PSHM-10")]
    public async Task A_bad_name_is_exit_2_stating_the_rule(string name)
    {
        CliRunner.Result result = await CliRunner.RunAsync("pshm", "create", name, "--size", "1");
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("unixipc: pshm create: The name", result.Stderr, StringComparison.Ordinal);
        Assert.Single(result.Stderr.TrimEnd('\n').Split('\n'));
    }

    [Theory]
    [InlineData("pshm", "create", "x")]                         // --size missing
    [InlineData("pshm", "create", "x", "--size", "ten")]        // not a number
    [InlineData("pshm", "create", "x", "--size", "1", "--mode", "0800")]
    [InlineData("pshm", "frobnicate")]
    [InlineData("pshm", "write", "x", "--data", "a", "--hex", "62")]
    [InlineData("pshm", "write", "x", "--hex", "abc")]
    public async Task Usage_errors_are_exit_2(params string[] args)
    {
        CliRunner.Result result = await CliRunner.RunAsync(args);
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("unixipc: ", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Writing_past_the_end_writes_nothing_and_is_exit_2()
    {
        string name = TestNames.Unique("cli");
        try
        {
            using var shm = PosixSharedMemory.CreateNew(name, 8);
            CliRunner.Result result = await CliRunner.RunAsync("pshm", "write", name, "--offset", "5", "--data", "toolong");
            Assert.Equal(2, result.ExitCode);
            Assert.Contains("do not fit", result.Stderr, StringComparison.Ordinal);
            using MappedRegion region = shm.Map();
            Assert.Equal(0L, region.Read<long>(0));
        }
        finally
        {
            PosixSharedMemory.TryUnlink(name);
        }
    }
}

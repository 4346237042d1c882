using System.Globalization;
using System.Text.Json;

namespace UnixIpc.Tests;

/// <summary><c>unixipc psem|sem|lock …</c> in-process.</summary>
public sealed class SyncCommandTests : IDisposable
{
    private readonly string _name = TestNames.Unique("clipsem");
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"{TestNames.Prefix}{Environment.ProcessId}_{Guid.NewGuid():N}.lock");
    private readonly List<int> _sets = [];

    public void Dispose()
    {
        PosixSemaphore.TryUnlink(_name);
        File.Delete(_path);
        foreach (int id in _sets)
        {
            SystemVSemaphoreSet.TryRemove(id);
        }
    }

    [Fact]
    [Trait("conformance", "PSEM-02")]
    [Trait("conformance", "PSEM-03")]
    [Trait("conformance", "PSEM-04")]
    [Trait("conformance", "PSEM-08")]
    [Trait("conformance", "PSEM-09")]
    public async Task Psem_create_wait_post_value_unlink()
    {
        Assert.Equal("unixipc: psem wait: ENOENT (No such file or directory)\n", (await CliRunner.RunAsync("psem", "wait", _name)).Stderr);
        Assert.Equal(_name + "\n", (await CliRunner.RunAsync("psem", "create", _name, "--value", "2", "--excl")).Stdout);
        Assert.Equal("unixipc: psem create: EEXIST (File exists)\n", (await CliRunner.RunAsync("psem", "create", _name, "--excl")).Stderr);
        Assert.Equal(0, (await CliRunner.RunAsync("psem", "create", _name, "--value", "9")).ExitCode); // opens; the value stays 2
        Assert.Equal("2\n", (await CliRunner.RunAsync("psem", "value", _name)).Stdout);
        Assert.Equal(0, (await CliRunner.RunAsync("psem", "wait", _name)).ExitCode);
        Assert.Equal(0, (await CliRunner.RunAsync("psem", "wait", _name, "--nonblock")).ExitCode);
        CliRunner.Result busy = await CliRunner.RunAsync("psem", "wait", _name, "--nonblock");
        Assert.Equal(3, busy.ExitCode);
        Assert.Equal("unixipc: psem wait: EAGAIN (Resource temporarily unavailable)\n", busy.Stderr);
        CliRunner.Result timedOut = await CliRunner.RunAsync("psem", "wait", _name, "--timeout", "50");
        Assert.Equal(3, timedOut.ExitCode);
        Assert.Equal("unixipc: psem wait: ETIMEDOUT (Connection timed out)\n", timedOut.Stderr);
        Assert.Equal(0, (await CliRunner.RunAsync("psem", "post", _name)).ExitCode);
        Assert.Equal("1\n", (await CliRunner.RunAsync("psem", "value", _name)).Stdout);
        Assert.Equal(0, (await CliRunner.RunAsync("psem", "unlink", _name)).ExitCode);
        Assert.Equal("unixipc: psem unlink: ENOENT (No such file or directory)\n", (await CliRunner.RunAsync("psem", "unlink", _name)).Stderr);
        Assert.Equal("unixipc: psem create: EINVAL (Invalid argument)\n", (await CliRunner.RunAsync("psem", "create", _name, "--value", "2147483648")).Stderr);
    }

    [Fact]
    [Trait("conformance", "SVSEM-03")]
    [Trait("conformance", "SVSEM-05")]
    [Trait("conformance", "SVSEM-13")]
    public async Task Sem_get_op_values_stat_rm()
    {
        CliRunner.Result got = await CliRunner.RunAsync("sem", "get", "--private", "--count", "3");
        int id = int.Parse(got.Stdout.Trim(), CultureInfo.InvariantCulture);
        _sets.Add(id);
        string ids = id.ToString(CultureInfo.InvariantCulture);
        Assert.Equal("0 0 0\n", (await CliRunner.RunAsync("sem", "values", ids)).Stdout);
        Assert.Equal(0, (await CliRunner.RunAsync("sem", "values", ids, "--set", "1,0,5")).ExitCode);

        CliRunner.Result atomic = await CliRunner.RunAsync("sem", "op", ids, "0:+1,1:-1", "--nowait");
        Assert.Equal(3, atomic.ExitCode);
        Assert.Equal("unixipc: sem op: EAGAIN (Resource temporarily unavailable)\n", atomic.Stderr);
        Assert.Equal("1 0 5\n", (await CliRunner.RunAsync("sem", "values", ids)).Stdout); // nothing applied
        Assert.Equal(0, (await CliRunner.RunAsync("sem", "op", ids, "0:-1,1:+1,2:-5")).ExitCode);
        Assert.Equal("0 1 0\n", (await CliRunner.RunAsync("sem", "values", ids)).Stdout);
        Assert.Equal(3, (await CliRunner.RunAsync("sem", "op", ids, "0:-1", "--timeout", "50")).ExitCode);

        Assert.Equal(0, (await CliRunner.RunAsync("sem", "value", ids, "2", "--set", "42")).ExitCode);
        Assert.Equal("42\n", (await CliRunner.RunAsync("sem", "value", ids, "2")).Stdout);
        Assert.Equal("unixipc: sem value: ERANGE (Numerical result out of range)\n", (await CliRunner.RunAsync("sem", "value", ids, "2", "--set", "32768")).Stderr);
        Assert.Equal("unixipc: sem op: EFBIG (File too large)\n", (await CliRunner.RunAsync("sem", "op", ids, "3:+1")).Stderr);

        using (JsonDocument stat = JsonDocument.Parse((await CliRunner.RunAsync("sem", "stat", ids, "--json")).Stdout))
        {
            JsonElement r = stat.RootElement;
            Assert.Equal(3, r.GetProperty("nsems").GetInt32());
            Assert.Equal(42, r.GetProperty("semaphores")[2].GetProperty("value").GetInt32());
            Assert.Equal(Environment.ProcessId, r.GetProperty("semaphores")[0].GetProperty("pid").GetInt32());
            Assert.Equal(0, r.GetProperty("semaphores")[0].GetProperty("ncnt").GetInt32());
        }

        Assert.Equal(0, (await CliRunner.RunAsync("sem", "rm", ids)).ExitCode);
        Assert.Equal("unixipc: sem stat: EINVAL (Invalid argument)\n", (await CliRunner.RunAsync("sem", "stat", ids)).Stderr);
    }

    [Theory]
    [InlineData("sem", "op", "1", "0-1")]
    [InlineData("sem", "get", "--private")]
    [InlineData("sem", "values", "1", "--set", "a,b")]
    [InlineData("lock", "set", "/tmp/x", "--posix", "--ofd")]
    [InlineData("lock", "set", "/tmp/x", "--type", "maybe")]
    public async Task Usage_errors_are_exit_2(params string[] args)
    {
        Assert.Equal(2, (await CliRunner.RunAsync(args)).ExitCode);
    }

    [Fact]
    [Trait("conformance", "LOCK-02")]
    public async Task Lock_get_on_a_free_file_and_set_then_unlock()
    {
        File.WriteAllBytes(_path, new byte[10]);
        Assert.Equal("{\"locked\":false}\n", (await CliRunner.RunAsync("lock", "get", _path, "--json")).Stdout);
        Assert.Equal("unlocked\n", (await CliRunner.RunAsync("lock", "get", _path)).Stdout);
        Assert.Equal(0, (await CliRunner.RunAsync("lock", "set", _path, "--type", "write", "--posix")).ExitCode);
        Assert.Equal(0, (await CliRunner.RunAsync("lock", "set", _path, "--type", "unlock")).ExitCode);
        Assert.Equal("unixipc: lock get: ENOENT (No such file or directory)\n", (await CliRunner.RunAsync("lock", "get", _path + ".missing")).Stderr);
    }
}

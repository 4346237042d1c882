using System.Text.Json;

namespace UnixIpc.Tests;

/// <summary><c>unixipc run …</c> in-process: pipelines over kernel pipes, statuses, descriptors.</summary>
public sealed class RunCommandTests
{
    [Fact]
    [Trait("conformance", "PROC-02")]
    public async Task Echo_hello_into_wc_c_prints_6()
    {
        CliRunner.Result result = await CliRunner.RunAsync("run", "--", "echo", "hello", "|", "wc", "-c");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("6", result.Stdout.Trim());
    }

    [Fact]
    [Trait("conformance", "PROC-02")]
    [Trait("conformance", "PROC-03")]
    public async Task Json_gives_every_stage_status_and_the_exit_is_the_last_stage_s()
    {
        CliRunner.Result result = await CliRunner.RunAsync("run", "--json", "--", "sh", "-c", "echo x; exit 4", "|", "sh", "-c", "cat; kill -9 $$");
        Assert.Equal(137, result.ExitCode);
        using JsonDocument json = JsonDocument.Parse(result.Stdout);
        JsonElement stages = json.RootElement.GetProperty("stages");
        Assert.Equal(4, stages[0].GetProperty("exit_code").GetInt32());
        Assert.Equal(JsonValueKind.Null, stages[1].GetProperty("exit_code").ValueKind);
        Assert.Equal(9, stages[1].GetProperty("signal").GetInt32());
        Assert.Equal("x\n", json.RootElement.GetProperty("output").GetString());
    }

    [Fact]
    [Trait("conformance", "PROC-01")]
    public async Task Fd_maps_a_file_into_every_stage()
    {
        string file = Path.Combine(Path.GetTempPath(), $"{TestNames.Prefix}{Environment.ProcessId}_{Guid.NewGuid():N}.txt");
        try
        {
            File.WriteAllText(file, "from fd 3");
            CliRunner.Result read = await CliRunner.RunAsync("run", "--fd", $"3<{file}", "--", "sh", "-c", "cat <&3");
            Assert.True(read.ExitCode == 0, read.ToString());
            Assert.Equal("from fd 3", read.Stdout);

            CliRunner.Result written = await CliRunner.RunAsync("run", "--fd", $"4>{file}", "--", "sh", "-c", "printf new >&4");
            Assert.Equal(0, written.ExitCode);
            Assert.Equal("new", File.ReadAllText(file));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Stdin_goes_to_the_first_stage_and_stderr_is_relayed()
    {
        CliRunner.Result result = await CliRunner.RunAsync(["run", "--", "tr", "a-z", "A-Z", "|", "sh", "-c", "cat; echo oops >&2"], "quiet"u8.ToArray());
        Assert.Equal("QUIET", result.Stdout);
        Assert.Equal("oops\n", result.Stderr);
    }

    [Fact]
    [Trait("conformance", "PROC-07")]
    public async Task Bad_input_is_one_clear_line()
    {
        (string[] Args, int Exit, string Says)[] cases =
        [
            (["run", "--", "uipc-no-such-program"], 1, "unixipc: run spawn: ENOENT (No such file or directory)"),
            (["run", "--", "|", "true"], 2, "'|' must stand between two commands"),
            (["run", "--", "true", "|"], 2, "'|' must stand between two commands"),
            (["run", "--fd", "3", "--", "true"], 2, "expected N=PATH"),
            (["run", "--fd", "99999999999999999999=/x", "--", "true"], 2, "expected N=PATH"),
            (["run", "--fd", "-1=/x", "--", "true"], 2, "expected N=PATH"),
            (["run", "--fd", "3=/x", "--fd", "3=/y", "--", "true"], 2, "given twice"),
            (["run", "--fd", "3=/nonexistent/uipc", "--", "true"], 1, "unixipc: run spawn: ENOENT (No such file or directory)"),
            (["run"], 2, "Required argument missing"),
        ];
        foreach ((string[] args, int exit, string says) in cases)
        {
            CliRunner.Result result = await CliRunner.RunAsync(args);
            Assert.True(result.ExitCode == exit, $"{string.Join(' ', args)}: {result}");
            Assert.Contains(says, result.Stderr, StringComparison.Ordinal);
            Assert.Single(result.Stderr.TrimEnd('\n').Split('\n'));
        }
    }

    [Fact]
    public async Task Fd_naming_a_socket_is_ENXIO_exit_1_not_would_block()
    {
        string path = Path.Combine(Path.GetTempPath(), $"{TestNames.Prefix}{Environment.ProcessId}_{Guid.NewGuid():N}.sock");
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        socket.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(path));
        try
        {
            CliRunner.Result result = await CliRunner.RunAsync("run", "--fd", $"3<{path}", "--", "true");
            Assert.Equal(1, result.ExitCode);
            Assert.Equal("unixipc: run spawn: ENXIO (No such device or address)\n", result.Stderr);
        }
        finally
        {
            File.Delete(path);
        }
    }
}

namespace UnixIpc.Tests;

/// <summary>
/// <c>tour-step</c> is internal but reachable from a shell (issue #10): run by hand with arguments the tour would
/// never pass, each role fails in one line with exit 1 or 2 — never a stack trace, the last-resort handler, or a wait
/// with no end.
/// </summary>
public sealed class TourStepCommandTests
{
    [Theory]
    [InlineData(2, "tour-step", "no-such-role")]
    [InlineData(2, "tour-step", "pipe-reverser")] // missing argument
    [InlineData(1, "tour-step", "uds-file-sender", "@unixipc_test_nobody_listens", "/nonexistent/file")]
    [InlineData(1, "tour-step", "grpc-client", "1", "@unixipc_test_nobody_listens", "/unixipc_test_no_channel", "@unixipc_test_nobody_listens")]
    public async Task A_step_run_by_hand_with_bad_arguments_fails_in_one_line(int exitCode, params string[] arguments)
    {
        ProcessRunner.Result result = await ProcessRunner.RunAsync(ProcessRunner.DotnetHost, [Path.Combine(AppContext.BaseDirectory, "unixipc.dll"), .. arguments], stdin: "");
        Assert.True(result.ExitCode == exitCode, result.ToString());
        Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("unixipc: tour-step", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", result.Stderr, StringComparison.Ordinal);
    }
}

namespace UnixIpc.Tests;

/// <summary>The real executable with a closed, full or vanishing standard output: one line (or none) and an exit code, never a trace or a signal.</summary>
[Collection(CrossProcessCollection.Name)]
public sealed class CliOutputTests
{
    public static TheoryData<string, int, string> Cases => new()
    {
        { "> /dev/full", 1, "unixipc: limits read: cannot write to standard output: ENOSPC (No space left on device)\n" },
        { ">&-", 1, "unixipc: limits read: cannot write to standard output: EBADF (Bad file descriptor)\n" },
        { "> /dev/full 2>&-", 1, string.Empty },
        { "| head -c1 > /dev/null", 0, string.Empty },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_standard_output_that_cannot_be_written_is_one_line_and_an_exit_code(string redirection, int exitCode, string stderr)
    {
        string cli = $"'{ProcessRunner.DotnetHost}' '{Path.Combine(AppContext.BaseDirectory, "unixipc.dll")}'";
        ProcessRunner.Result result = await ProcessRunner.RunAsync("/bin/bash", ["-c", $"set -o pipefail; {cli} limits --json {redirection}"]);
        Assert.True((exitCode, stderr) == (result.ExitCode, result.Stderr), result.ToString());
    }
}

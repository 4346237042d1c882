using System.Text;
using UnixIpc.Cli;

namespace UnixIpc.Tests;

/// <summary>Runs <c>unixipc</c> commands in-process with captured streams.</summary>
internal static class CliRunner
{
    public sealed record Result(int ExitCode, byte[] StdoutBytes, string Stderr)
    {
        public string Stdout => Encoding.UTF8.GetString(StdoutBytes);

        public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
    }

    public static async Task<Result> RunAsync(string[] args, byte[]? stdin = null)
    {
        var stdout = new MemoryStream();
        var stdoutText = new StreamWriter(stdout, new UTF8Encoding(false)) { AutoFlush = true };
        var stderr = new StringWriter();
        var console = new CliConsole(stdoutText, stderr, new MemoryStream(stdin ?? []), stdout, isTerminal: false);
        int exit = await CliApp.RunAsync(args, console);
        if (CliApp.LastInternalError is { } bug)
        {
            CliApp.LastInternalError = null;
            throw new InvalidOperationException($"unixipc {string.Join(' ', args)}: an exception reached the last-resort handler (a bug: every expected failure has its own message)", bug);
        }

        stdoutText.Flush();
        return new Result(exit, stdout.ToArray(), stderr.ToString());
    }

    public static Task<Result> RunAsync(params string[] args) => RunAsync(args, null);
}

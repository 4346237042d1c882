using System.Diagnostics;
using System.Text;

namespace UnixIpc.Tests;

/// <summary>Runs a program to completion with a bounded wait; kills it if the bound passes.</summary>
internal static class ProcessRunner
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
    }

    public static async Task<Result> RunAsync(string file, IEnumerable<string> arguments, string? stdin = null, TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        try
        {
            Task<string> stdout = process.StandardOutput.ReadToEndAsync();
            Task<string> stderr = process.StandardError.ReadToEndAsync();
            if (stdin is not null)
            {
                await process.StandardInput.WriteAsync(stdin);
                process.StandardInput.Close();
            }

            await process.WaitForExitAsync().WaitAsync(timeout ?? DefaultTimeout);
            return new Result(process.ExitCode, await stdout, await stderr);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    /// <summary>The dotnet host that runs this test process (set by `dotnet test`), for starting managed children.</summary>
    public static string DotnetHost
        => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH")
           ?? (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet");

    public static Task<Result> RunCliAsync(params string[] arguments)
        => RunAsync(DotnetHost, [Path.Combine(AppContext.BaseDirectory, "unixipc.dll"), .. arguments]);

    /// <summary>The CLI with a longer bound than <see cref="DefaultTimeout"/> (a benchmark run that starts servers).</summary>
    public static Task<Result> RunCliAsync(TimeSpan timeout, params string[] arguments)
        => RunAsync(DotnetHost, [Path.Combine(AppContext.BaseDirectory, "unixipc.dll"), .. arguments], timeout: timeout);

    internal static string Describe(IEnumerable<string> arguments)
    {
        var text = new StringBuilder();
        foreach (string a in arguments)
        {
            text.Append(' ').Append(a);
        }

        return text.ToString();
    }
}

namespace UnixIpc.Tests;

/// <summary>
/// The project's own C peers (tests/interop/*.c), compiled with gcc once per test run into the test
/// output folder. Tests that need them skip, with the reason, when gcc is missing.
/// </summary>
internal static class CPeers
{
    private static readonly Lazy<string?> s_binDirectory = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);
    private static string? s_buildError;

    public static string SourceDirectory => System.IO.Path.Combine(AppContext.BaseDirectory, "interop");

    /// <summary>Path to the compiled peer, skipping the test if it cannot be built.</summary>
    public static string Path(string program)
    {
        string? bin = s_binDirectory.Value;
        Skip.If(bin is null, s_buildError ?? "gcc is not available to build the C peers");
        return System.IO.Path.Combine(bin!, program);
    }

    public static Task<ProcessRunner.Result> RunAsync(string program, params string[] arguments)
        => ProcessRunner.RunAsync(Path(program), arguments);

    private static string? Build()
    {
        string gcc = FindGcc() ?? "";
        if (gcc.Length == 0)
        {
            s_buildError = "gcc was not found on PATH: the C interop peers cannot be built";
            return null;
        }

        string bin = System.IO.Path.Combine(AppContext.BaseDirectory, "interop-bin");
        Directory.CreateDirectory(bin);
        foreach (string source in Directory.EnumerateFiles(SourceDirectory, "*.c"))
        {
            string output = System.IO.Path.Combine(bin, System.IO.Path.GetFileNameWithoutExtension(source));
            ProcessRunner.Result result = ProcessRunner.RunAsync(gcc, ["-O2", "-Wall", "-Wextra", "-Werror", "-o", output, source]).GetAwaiter().GetResult();
            if (result.ExitCode != 0)
            {
                throw new InvalidOperationException($"gcc failed on {source}:\n{result.Stderr}");
            }
        }

        return bin;
    }

    internal static string? FindGcc()
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'))
        {
            string candidate = System.IO.Path.Combine(dir, "gcc");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}

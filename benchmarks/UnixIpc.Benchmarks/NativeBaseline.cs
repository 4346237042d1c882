using System.Globalization;

namespace UnixIpc.Benchmarks;

/// <summary>A C baseline of the two-process kernel benchmarks: built with gcc once a run, run once a measurement.</summary>
internal static class NativeBaseline
{
    /// <summary>Compiles native/<paramref name="name"/>.c into a temporary file removed when this process exits.</summary>
    public static string Build(string name)
    {
        string source = Path.Combine(AppContext.BaseDirectory, "native", name + ".c");
        string binary = Path.Combine(Path.GetTempPath(), $"unixipc_{name}_{Environment.ProcessId}");
        ChildProcessOutput gcc = ChildProcess.RunAsync("gcc", "-O2", "-o", binary, source).GetAwaiter().GetResult();
        if (!gcc.Status.Success)
        {
            throw new InvalidOperationException($"gcc could not build {name}.c: " + System.Text.Encoding.UTF8.GetString(gcc.StandardError));
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) => File.Delete(binary);
        return binary;
    }

    /// <summary>Runs the baseline and returns the numbers it prints on one line.</summary>
    public static async Task<double[]> RunAsync(string binary, params string[] arguments)
    {
        ChildProcessOutput result = await ChildProcess.RunAsync(binary, arguments);
        if (!result.Status.Success)
        {
            throw new InvalidOperationException($"{Path.GetFileName(binary)} {string.Join(' ', arguments)}: {result.Status}");
        }

        return [.. result.Text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(v => double.Parse(v, CultureInfo.InvariantCulture))];
    }
}

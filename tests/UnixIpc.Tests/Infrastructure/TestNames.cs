namespace UnixIpc.Tests;

/// <summary>Unique names per test: <c>uipc_t_&lt;pid&gt;_&lt;counter&gt;</c>, so tests run in parallel and a crashed run's leftovers are recognisable.</summary>
internal static class TestNames
{
    public const string Prefix = "uipc_t_";
    private static int s_counter;

    public static string Unique(string kind) => $"/{Prefix}{Environment.ProcessId}_{kind}_{Interlocked.Increment(ref s_counter)}";

    /// <summary>A new empty file for ftok, deleted by the caller.</summary>
    public static string KeyFile()
    {
        string path = Path.Combine(Path.GetTempPath(), $"{Prefix}{Environment.ProcessId}_{Interlocked.Increment(ref s_counter)}.key");
        File.WriteAllBytes(path, []);
        return path;
    }
}

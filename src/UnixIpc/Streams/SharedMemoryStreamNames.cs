using System.Globalization;

namespace UnixIpc;

// The names behind a shared-memory listener and its connections. The listener is an abstract Unix socket (no file;
// gone with the process) used only to set connections up: it gives each side the other's pid, uid and gid from the
// kernel (SO_PEERCRED), and its hang-up tells a side that the other died. The rings are two channels the connector
// creates under names that carry its pid, which the listener checks before it opens, and unlinks after.
internal static class SharedMemoryStreamNames
{
    internal const string RingPrefix = "/unixipc_stream_";

    internal static string ControlAddress(string name) => "@unixipc.stream" + name;

    internal static string NewRing(int processId, string direction) =>
        string.Create(CultureInfo.InvariantCulture, $"{RingPrefix}{processId}_{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8))}_{direction}");

    internal static bool IsRingOf(string ringName, int processId, string direction) =>
        ringName.StartsWith(string.Create(CultureInfo.InvariantCulture, $"{RingPrefix}{processId}_"), StringComparison.Ordinal)
        && ringName.EndsWith("_" + direction, StringComparison.Ordinal)
        && ringName.Length == RingPrefix.Length + processId.ToString(CultureInfo.InvariantCulture).Length + 1 + 16 + 1 + direction.Length;
}

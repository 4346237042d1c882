using System.Globalization;
using System.Runtime.CompilerServices;

namespace UnixIpc.Tests;

/// <summary>
/// Before any test: removes /dev/shm entries that earlier, crashed runs of this suite left behind
/// (named <c>uipc_t_&lt;pid&gt;_…</c> with a pid that no longer runs). Never touches anything else.
/// </summary>
internal static class LeftoverSweeper
{
    [ModuleInitializer]
    internal static void Sweep()
    {
        foreach (string path in Directory.EnumerateFiles("/dev/shm", TestNames.Prefix + "*"))
        {
            string name = Path.GetFileName(path);
            string[] parts = name[TestNames.Prefix.Length..].Split('_');
            if (parts.Length > 0 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int pid)
                && pid != Environment.ProcessId && !Directory.Exists($"/proc/{pid}"))
            {
                File.Delete(path);
            }
        }
    }
}

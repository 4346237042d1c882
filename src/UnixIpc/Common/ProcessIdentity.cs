using System.Globalization;

namespace UnixIpc;

/// <summary>
/// A process told apart from a later one with the same pid: the pid and the process's start time
/// (field 22 of /proc/PID/stat, clock ticks since boot). Liveness is never judged by pid alone.
/// </summary>
internal static class ProcessIdentity
{
    private static readonly Lazy<ulong> s_self = new(() => StartTime(Environment.ProcessId) ?? 0);

    public static ulong SelfStartTime => s_self.Value;

    /// <summary>The start time of process <paramref name="pid"/>, or null if there is no such process.</summary>
    public static ulong? StartTime(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
        // fields[0] is the state (field 3); a zombie (Z) or dead (X) process no longer runs.
        string[] fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        if (fields[0] is "Z" or "X")
        {
            return null;
        }

        return ulong.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out ulong start) ? start : null;
    }

    /// <summary>True while the process that registered as (<paramref name="pid"/>, <paramref name="startTime"/>) runs.</summary>
    public static bool IsAlive(int pid, ulong startTime) => pid > 0 && StartTime(pid) == startTime;
}

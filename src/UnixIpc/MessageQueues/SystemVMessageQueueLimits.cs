using System.Globalization;

namespace UnixIpc;

/// <summary>The System V message queue limits, read from /proc/sys/kernel (never hard-coded).</summary>
public static class SystemVMessageQueueLimits
{
    /// <summary>MSGMAX: the largest message, in bytes.</summary>
    public static int MaxMessageSize => (int)Read("msgmax");

    /// <summary>MSGMNB: the default (and, without CAP_SYS_RESOURCE, the highest) byte limit of a queue.</summary>
    public static long DefaultMaxBytes => Read("msgmnb");

    /// <summary>MSGMNI: how many queues may exist system-wide.</summary>
    public static long MaxQueues => Read("msgmni");

    private static long Read(string name) => long.Parse(File.ReadAllText("/proc/sys/kernel/" + name).Trim(), CultureInfo.InvariantCulture);
}

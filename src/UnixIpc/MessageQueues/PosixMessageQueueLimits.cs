using System.Globalization;

namespace UnixIpc;

/// <summary>
/// The system's POSIX message queue limits, read from /proc/sys/fs/mqueue and getrlimit (never hard-coded),
/// and the hints that turn a bare EINVAL/EMFILE/ENOSPC from mq_open into "which limit, its value, how to raise it".
/// </summary>
public static class PosixMessageQueueLimits
{
    private const string Directory = "/proc/sys/fs/mqueue/";

    /// <summary>Largest mq_maxmsg an unprivileged process may ask for (msg_max).</summary>
    public static int MaxMessagesLimit => ReadInt("msg_max");

    /// <summary>Largest mq_msgsize an unprivileged process may ask for (msgsize_max).</summary>
    public static int MaxMessageSizeLimit => ReadInt("msgsize_max");

    /// <summary>mq_maxmsg when none is given (msg_default, capped by msg_max).</summary>
    public static int DefaultMaxMessages => ReadInt("msg_default");

    /// <summary>mq_msgsize when none is given (msgsize_default).</summary>
    public static int DefaultMaxMessageSize => ReadInt("msgsize_default");

    /// <summary>How many queues may exist system-wide (queues_max).</summary>
    public static long MaxQueues => Read("queues_max");

    /// <summary>RLIMIT_MSGQUEUE: bytes of queue memory this user may hold; null when unlimited.</summary>
    public static long? MaxBytesPerUser => (long?)Interop.SoftLimit(Interop.RLIMIT_MSGQUEUE);

    /// <summary>The largest valid priority + 1 (sysconf(_SC_MQ_PRIO_MAX) on Linux).</summary>
    public const int PriorityLimit = 32768;

    internal static string? HintForCreate(Errno error, PosixMessageQueueOptions? options)
    {
        switch (error)
        {
            case Errno.EINVAL when options?.MaxMessages is int m && m > SafeRead("msg_max"):
                return $"MaxMessages {m} is above /proc/sys/fs/mqueue/msg_max ({SafeRead("msg_max")}), the ceiling without CAP_SYS_RESOURCE: ask for fewer, or raise it (sysctl -w fs.mqueue.msg_max={m}).";
            case Errno.EINVAL when options?.MaxMessageSize is int s && s > SafeRead("msgsize_max"):
                return $"MaxMessageSize {s} is above /proc/sys/fs/mqueue/msgsize_max ({SafeRead("msgsize_max")}), the ceiling without CAP_SYS_RESOURCE: ask for less, or raise it (sysctl -w fs.mqueue.msgsize_max={s}).";
            case Errno.EMFILE:
                string bytes = Interop.SoftLimit(Interop.RLIMIT_MSGQUEUE) is ulong q ? q.ToString(CultureInfo.InvariantCulture) + " bytes" : "unlimited";
                string files = Interop.SoftLimit(Interop.RLIMIT_NOFILE) is ulong n ? n.ToString(CultureInfo.InvariantCulture) : "unlimited";
                return $"Either this user's queues would exceed RLIMIT_MSGQUEUE ({bytes}; ulimit -q; each queue costs about max messages × (message size + pointer)) or the process is out of descriptors (RLIMIT_NOFILE {files}; ulimit -n): unlink unused queues, ask for a smaller queue, or raise the limit.";
            case Errno.ENOSPC:
                return $"The system already has /proc/sys/fs/mqueue/queues_max ({SafeRead("queues_max")}) queues: unlink unused ones or raise it (sysctl -w fs.mqueue.queues_max=N).";
            default:
                return null;
        }
    }

    private static long Read(string name)
        => long.Parse(File.ReadAllText(Directory + name).Trim(), CultureInfo.InvariantCulture);

    // Message counts and sizes are ints on the public surface: Linux caps msg_max at HARD_MSGMAX (65536)
    // and msgsize_max at HARD_MSGSIZEMAX (16 MiB), and the defaults at those.
    private static int ReadInt(string name) => checked((int)Read(name));

    private static long SafeRead(string name)
    {
        try
        {
            return Read(name);
        }
        catch (IOException)
        {
            return -1;
        }
    }
}

using System.Globalization;

namespace UnixIpc;

/// <summary>
/// The kernel's IPC limits (what <c>ipcs -l</c> and <c>lsipc --global</c> show, plus the POSIX ones), each with
/// the file or ulimit that sets it and, where the kernel lets it be counted, how much is in use. Read fresh on
/// every call: an administrator may raise them at any time.
/// </summary>
public static class IpcLimits
{
    private const string Kernel = "/proc/sys/kernel/";
    private const string Mqueue = "/proc/sys/fs/mqueue/";
    private const string Fs = "/proc/sys/fs/";
    private const string PipeMaxSize = Fs + "pipe-max-size";

    /// <summary>Every limit, System V first, then POSIX.</summary>
    public static IReadOnlyList<IpcLimit> Read()
    {
        List<string[]> segments = IpcObjects.SystemVRows("/proc/sysvipc/shm");
        List<string[]> queues = IpcObjects.SystemVRows("/proc/sysvipc/msg");
        List<string[]> sets = IpcObjects.SystemVRows("/proc/sysvipc/sem");
        ulong pageSize = (ulong)Environment.SystemPageSize;
        ulong shmPages = segments.Aggregate(0UL, (sum, f) => sum + ((ulong.Parse(f[3], CultureInfo.InvariantCulture) + pageSize - 1) / pageSize));
        ulong semaphores = sets.Aggregate(0UL, (sum, f) => sum + ulong.Parse(f[3], CultureInfo.InvariantCulture));

        // /proc/sys/kernel/sem holds four numbers: SEMMSL SEMMNS SEMOPM SEMMNI.
        ulong[] sem = [.. File.ReadAllText(Kernel + "sem").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Select(s => ulong.Parse(s, CultureInfo.InvariantCulture))];
        var shmFs = new DriveInfo("/dev/shm");
        int? mqueueCount = IpcObjects.MessageQueuesListed ? Directory.GetFiles("/dev/mqueue").Length : null;

        return
        [
            new("shm", "SHMMAX", ReadNumber(Kernel + "shmmax"), null, Kernel + "shmmax", "largest segment, bytes"),
            new("shm", "SHMMIN", 1, null, "fixed", "smallest segment, bytes"),
            new("shm", "SHMALL", ReadNumber(Kernel + "shmall"), shmPages, Kernel + "shmall", "all segments together, pages of " + pageSize.ToString(CultureInfo.InvariantCulture) + " bytes"),
            new("shm", "SHMMNI", ReadNumber(Kernel + "shmmni"), (ulong)segments.Count, Kernel + "shmmni", "segments"),
            new("msg", "MSGMAX", (ulong)SystemVMessageQueueLimits.MaxMessageSize, null, Kernel + "msgmax", "largest message, bytes"),
            new("msg", "MSGMNB", (ulong)SystemVMessageQueueLimits.DefaultMaxBytes, null, Kernel + "msgmnb", "default byte capacity of a queue (msg_qbytes; raising it needs CAP_SYS_RESOURCE)"),
            new("msg", "MSGMNI", (ulong)SystemVMessageQueueLimits.MaxQueues, (ulong)queues.Count, Kernel + "msgmni", "queues"),
            new("sem", "SEMMSL", sem[0], null, Kernel + "sem (1st field)", "semaphores in one set"),
            new("sem", "SEMMNS", sem[1], semaphores, Kernel + "sem (2nd field)", "semaphores in all sets"),
            new("sem", "SEMOPM", sem[2], null, Kernel + "sem (3rd field)", "operations in one semop call"),
            new("sem", "SEMMNI", sem[3], (ulong)sets.Count, Kernel + "sem (4th field)", "semaphore sets"),
            new("sem", "SEMVMX", 32767, null, "fixed", "largest semaphore value"),
            new("mq", "queues_max", (ulong)PosixMessageQueueLimits.MaxQueues, (ulong?)mqueueCount, Mqueue + "queues_max", "queues (in use counted only when /dev/mqueue is mounted)"),
            new("mq", "msg_max", (ulong)PosixMessageQueueLimits.MaxMessagesLimit, null, Mqueue + "msg_max", "largest mq_maxmsg without CAP_SYS_RESOURCE"),
            new("mq", "msgsize_max", (ulong)PosixMessageQueueLimits.MaxMessageSizeLimit, null, Mqueue + "msgsize_max", "largest mq_msgsize without CAP_SYS_RESOURCE, bytes"),
            new("mq", "msg_default", (ulong)PosixMessageQueueLimits.DefaultMaxMessages, null, Mqueue + "msg_default", "mq_maxmsg when none is given"),
            new("mq", "msgsize_default", (ulong)PosixMessageQueueLimits.DefaultMaxMessageSize, null, Mqueue + "msgsize_default", "mq_msgsize when none is given, bytes"),
            new("mq", "RLIMIT_MSGQUEUE", (ulong?)PosixMessageQueueLimits.MaxBytesPerUser, null, "ulimit -q", "queue memory per user, bytes"),
            new("pipe", "pipe-max-size", ReadNumber(PipeMaxSize), null, PipeMaxSize, "largest pipe capacity without CAP_SYS_RESOURCE, bytes"),
            new("pipe", "pipe-user-pages-soft", ReadNumber(Fs + "pipe-user-pages-soft"), null, Fs + "pipe-user-pages-soft", "pages of pipe buffers per user before new pipes shrink to 2 pages (0: no limit)"),
            new("pipe", "pipe-user-pages-hard", ReadNumber(Fs + "pipe-user-pages-hard"), null, Fs + "pipe-user-pages-hard", "pages of pipe buffers per user before new pipes fail (0: no limit)"),
            new("pshm", "tmpfs size", (ulong)shmFs.TotalSize, (ulong)(shmFs.TotalSize - shmFs.TotalFreeSpace), "/dev/shm mount (size=)", "POSIX shared memory, semaphores and channels together, bytes"),
        ];
    }

    /// <summary>/proc/sys/fs/pipe-max-size: the largest capacity F_SETPIPE_SZ grants without CAP_SYS_RESOURCE.</summary>
    internal static int ReadPipeMaxSize() => (int)Math.Min(ReadNumber(PipeMaxSize), int.MaxValue);

    // SHMMAX and SHMALL default to nearly 2^64 on current kernels: too large for long.
    private static ulong ReadNumber(string path) => ulong.Parse(File.ReadAllText(path).Trim(), CultureInfo.InvariantCulture);
}

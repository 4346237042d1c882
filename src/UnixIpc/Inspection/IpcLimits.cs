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

    /// <summary>Every limit, System V first, then POSIX.</summary>
    public static IReadOnlyList<IpcLimit> Read()
    {
        List<string[]> segments = SystemVRows("/proc/sysvipc/shm");
        List<string[]> queues = SystemVRows("/proc/sysvipc/msg");
        List<string[]> sets = SystemVRows("/proc/sysvipc/sem");
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
            new("msg", "MSGMAX", ReadNumber(Kernel + "msgmax"), null, Kernel + "msgmax", "largest message, bytes"),
            new("msg", "MSGMNB", ReadNumber(Kernel + "msgmnb"), null, Kernel + "msgmnb", "default byte capacity of a queue (msg_qbytes; raising it needs CAP_SYS_RESOURCE)"),
            new("msg", "MSGMNI", ReadNumber(Kernel + "msgmni"), (ulong)queues.Count, Kernel + "msgmni", "queues"),
            new("sem", "SEMMSL", sem[0], null, Kernel + "sem (1st field)", "semaphores in one set"),
            new("sem", "SEMMNS", sem[1], semaphores, Kernel + "sem (2nd field)", "semaphores in all sets"),
            new("sem", "SEMOPM", sem[2], null, Kernel + "sem (3rd field)", "operations in one semop call"),
            new("sem", "SEMMNI", sem[3], (ulong)sets.Count, Kernel + "sem (4th field)", "semaphore sets"),
            new("sem", "SEMVMX", 32767, null, "fixed", "largest semaphore value"),
            new("mq", "queues_max", ReadNumber(Mqueue + "queues_max"), (ulong?)mqueueCount, Mqueue + "queues_max", "queues (in use counted only when /dev/mqueue is mounted)"),
            new("mq", "msg_max", ReadNumber(Mqueue + "msg_max"), null, Mqueue + "msg_max", "largest mq_maxmsg without CAP_SYS_RESOURCE"),
            new("mq", "msgsize_max", ReadNumber(Mqueue + "msgsize_max"), null, Mqueue + "msgsize_max", "largest mq_msgsize without CAP_SYS_RESOURCE, bytes"),
            new("mq", "msg_default", ReadNumber(Mqueue + "msg_default"), null, Mqueue + "msg_default", "mq_maxmsg when none is given"),
            new("mq", "msgsize_default", ReadNumber(Mqueue + "msgsize_default"), null, Mqueue + "msgsize_default", "mq_msgsize when none is given, bytes"),
            new("mq", "RLIMIT_MSGQUEUE", Interop.SoftLimit(Interop.RLIMIT_MSGQUEUE), null, "ulimit -q", "queue memory per user, bytes"),
            new("pshm", "tmpfs size", (ulong)shmFs.TotalSize, (ulong)(shmFs.TotalSize - shmFs.TotalFreeSpace), "/dev/shm mount (size=)", "POSIX shared memory, semaphores and channels together, bytes"),
        ];
    }

    private static ulong ReadNumber(string path) => ulong.Parse(File.ReadAllText(path).Trim(), CultureInfo.InvariantCulture);

    private static List<string[]> SystemVRows(string path) =>
        [.. File.ReadLines(path).Skip(1).Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(f => f.Length > 3)];
}

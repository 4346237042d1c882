using System.Globalization;

namespace UnixIpc;

/// <summary>
/// Lists the IPC objects of the machine (what <c>ipcs</c> and <c>lsipc</c> show, plus the POSIX ones): System V
/// objects from /proc/sysvipc, POSIX shared memory and semaphores from /dev/shm, POSIX message queues from
/// /dev/mqueue when that file system is mounted (it is not on every machine; <see cref="MessageQueuesListed"/>
/// says whether they could be listed), channels recognised by their header, named Unix sockets from /proc/net/unix.
/// </summary>
public static partial class IpcObjects
{
    private const string MqueueDirectory = "/dev/mqueue";

    /// <summary>Whether POSIX message queues can be listed (the mqueue file system is mounted at /dev/mqueue).</summary>
    public static bool MessageQueuesListed => File.ReadLines("/proc/self/mounts").Any(line => line.Split(' ') is [_, MqueueDirectory, "mqueue", ..]);

    /// <summary>Every object visible to this process, System V first (by id), then POSIX (by name).</summary>
    public static IReadOnlyList<IpcObjectInfo> List()
    {
        var objects = new List<IpcObjectInfo>();
        objects.AddRange(SystemV("/proc/sysvipc/shm", IpcObjectKind.SystemVSharedMemory, f => (Long(f[3]), $"nattch {f[6]}"), uidField: 7));
        objects.AddRange(SystemV("/proc/sysvipc/msg", IpcObjectKind.SystemVMessageQueue, f => (Long(f[3]), $"messages {f[4]}"), uidField: 7));
        objects.AddRange(SystemV("/proc/sysvipc/sem", IpcObjectKind.SystemVSemaphoreSet, f => (Long(f[3]), string.Empty), uidField: 4));
        objects.AddRange(PosixShm());
        if (MessageQueuesListed)
        {
            foreach (string path in Directory.EnumerateFiles(MqueueDirectory).Order(StringComparer.Ordinal))
            {
                IpcObjectInfo? queue = IfStillThere(() => new IpcObjectInfo(IpcObjectKind.PosixMessageQueue, "/" + Path.GetFileName(path), -1, Owner(path),
                    File.GetUnixFileMode(path) & (UnixFileMode)0x1FF, -1, File.ReadAllText(path).Trim())); // "QSIZE:n NOTIFY:… SIGNO:… NOTIFY_PID:…"
                if (queue is not null)
                {
                    objects.Add(queue);
                }
            }
        }

        objects.AddRange(UnixSockets());
        return objects;
    }

    private static IEnumerable<IpcObjectInfo> SystemV(string file, IpcObjectKind kind, Func<string[], (long Size, string Detail)> describe, int uidField)
    {
        foreach (string[] f in SystemVRows(file).Where(f => f.Length > uidField))
        {
            (long size, string detail) = describe(f);
            int mode = Convert.ToInt32(f[2], 8); // the kernel prints the mode in octal ("%4o"), SHM_DEST bit included
            yield return new IpcObjectInfo(kind, new IpcKey(int.Parse(f[0], CultureInfo.InvariantCulture)).ToString(), int.Parse(f[1], CultureInfo.InvariantCulture),
                int.Parse(f[uidField], CultureInfo.InvariantCulture), (UnixFileMode)(mode & 0x1FF), size,
                kind == IpcObjectKind.SystemVSharedMemory && (mode & Interop.SHM_DEST) != 0 ? detail + " dest" : detail);
        }
    }

    /// <summary>The rows of a /proc/sysvipc table (its header line skipped), split into fields.</summary>
    internal static List<string[]> SystemVRows(string path) =>
        [.. File.ReadLines(path).Skip(1).Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(f => f.Length > 3)];

    private static IEnumerable<IpcObjectInfo> PosixShm()
    {
        foreach (string path in Directory.EnumerateFiles("/dev/shm").Order(StringComparer.Ordinal))
        {
            IpcObjectInfo? found = DescribeShmEntry(path);
            if (found is not null)
            {
                yield return found;
            }
        }
    }

    /// <summary>What the /dev/shm entry at <paramref name="path"/> is; null if it vanished since the directory was read.</summary>
    internal static IpcObjectInfo? DescribeShmEntry(string path) => IfStillThere(() => DescribeExistingShmEntry(path));

    private static unsafe IpcObjectInfo DescribeExistingShmEntry(string path)
    {
        var info = new FileInfo(path);
        UnixFileMode mode = info.UnixFileMode & (UnixFileMode)0x1FF;
        Interop.statx st;
        if (Interop.StatxPathNoFollow(path, &st) == 0 && (st.stx_mode & Interop.S_IFMT) != Interop.S_IFREG)
        {
            // Someone else's FIFO, directory or link in /dev/shm: listed for what it is, never opened.
            string what = Interop.DescribeFileType(st.stx_mode & Interop.S_IFMT);
            return new IpcObjectInfo(IpcObjectKind.PosixSharedMemory, "/" + info.Name, -1, (int)st.stx_uid, mode, -1, $"not a shared memory object: {what}");
        }

        if (info.Name.StartsWith("sem.", StringComparison.Ordinal))
        {
            return new IpcObjectInfo(IpcObjectKind.PosixSemaphore, "/" + info.Name[4..], -1, Owner(path), mode, -1, string.Empty);
        }

        string? channel = DescribeChannel("/" + info.Name, info.Length);
        return channel is null
            ? new IpcObjectInfo(IpcObjectKind.PosixSharedMemory, "/" + info.Name, -1, Owner(path), mode, info.Length, string.Empty)
            : new IpcObjectInfo(IpcObjectKind.Channel, "/" + info.Name, -1, Owner(path), mode, info.Length, channel);
    }

    // Objects come and go while we list: one removed between the directory read and its stat is skipped.
    private static IpcObjectInfo? IfStillThere(Func<IpcObjectInfo> describe)
    {
        try
        {
            return describe();
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    // A channel's mode and participants (with how many are alive), what is wrong with a damaged one, or null if
    // the object is not a channel. The header is validated before anything else is read.
    private static string? DescribeChannel(string name, long length)
    {
        if (length < ChannelLayout.SlotsOffset)
        {
            return null;
        }

        try
        {
            using var shm = PosixSharedMemory.OpenExisting(name, readOnly: true);
            using (MappedRegion header = shm.Map(MapAccess.ReadOnly, 0, ChannelLayout.SlotsOffset))
            {
                if (header.Read<ulong>(ChannelLayout.MagicOffset) != ChannelLayout.Magic)
                {
                    return null;
                }

                int version = header.Read<int>(ChannelLayout.VersionOffset);
                if (version != ChannelLayout.Version)
                {
                    return string.Create(CultureInfo.InvariantCulture, $"protocol version {version}, not readable by this build (version {ChannelLayout.Version})");
                }
            }

            using SharedMemoryChannel channel = SharedMemoryChannel.OpenExisting(name, new SharedMemoryChannelOpenOptions { ReadyTimeout = TimeSpan.Zero });
            SharedMemoryChannelStatus status = channel.Stat();
            int alive = status.Participants.Count(p => p.IsAlive);
            return string.Create(CultureInfo.InvariantCulture, $"{(status.Delivery == ChannelDelivery.Queue ? "queue" : status.SlowSubscribers == SlowSubscriberPolicy.Overrun ? "broadcast (overrun)" : "broadcast")}, {status.Participants.Count} participants ({alive} alive), {status.UsedBytes} bytes in use");
        }
        catch (InvalidDataException e)
        {
            return "damaged or unfinished channel: " + e.Message;
        }
        catch (Exception e) when (e is UnixIpcException or ArgumentException)
        {
            return null; // not ours to read
        }
    }

    internal static int Owner(string path)
    {
        using SafeFdHandle fd = Interop.Open(path, Interop.O_PATH | Interop.O_CLOEXEC, 0);
        return fd.IsInvalid ? -1 : (int)Interop.FStatx(fd, path).stx_uid;
    }

    private static long Long(string text) => long.Parse(text, CultureInfo.InvariantCulture);
}

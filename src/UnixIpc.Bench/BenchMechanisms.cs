using System.Net.Sockets;

namespace UnixIpc.Benchmarking;

/// <summary>
/// A mechanism of the registry: its name for <c>--only</c>, what the table calls it, whether it carries bytes (then
/// it is timed with 8 B and 1 KiB round trips and 64 B one-way throughput; otherwise with empty round trips: a post,
/// a signal) and .NET's own type that does the same job, if any (the "what .NET users use today" column).
/// </summary>
internal sealed record BenchMechanism(string Name, string Title, bool CarriesBytes, string? DotNetBaseline)
{
    /// <summary>Every mechanism, in the order of the table.</summary>
    public static readonly IReadOnlyList<BenchMechanism> All =
    [
        new("pipe", "pipe", true, "AnonymousPipe"),
        new("fifo", "FIFO", true, "NamedPipe"),
        new("stream", "Unix stream socket", true, "Socket (UDS)"),
        new("seqpacket", "Unix seqpacket socket", true, "Socket (UDS)"),
        new("mq", "POSIX mq", true, null),
        new("msg", "System V msg", true, null),
        new("psem", "POSIX semaphores", false, null),
        new("sem", "System V semaphores", false, null),
        new("signal", "signals (sigqueue)", false, null),
    ];

    /// <summary>What is timed: round trips of each size, then (bytes only) 64 B throughput.</summary>
    public IEnumerable<BenchMeasure> Measures => CarriesBytes
        ? [new BenchMeasure("latency", 8), new BenchMeasure("latency", 1024), new BenchMeasure("throughput", 64)]
        : [new BenchMeasure("latency", 0)];

    /// <summary>The mechanisms <paramref name="only"/> names (all when empty); an unknown name is an ArgumentException naming the valid ones.</summary>
    public static IReadOnlyList<BenchMechanism> Select(IReadOnlyCollection<string> only)
    {
        string[] unknown = [.. only.Where(n => All.All(m => m.Name != n))];
        if (unknown.Length > 0)
        {
            throw new ArgumentException($"unknown mechanism(s) {string.Join(", ", unknown)}: --only takes {string.Join(", ", All.Select(m => m.Name))}");
        }

        return only.Count == 0 ? All : [.. All.Where(m => only.Contains(m.Name))];
    }

    /// <summary>
    /// Makes the objects one measurement of <paramref name="implementation"/> uses (the harness owns them: the sides
    /// only open them, so nothing is left behind whatever becomes of a side) and says what each side gets.
    /// </summary>
    public BenchObjects Prepare(string implementation, string scratch, int serial)
    {
        string tag = $"unixipc_bench_{Environment.ProcessId}_{serial}";
        var objects = new BenchObjects();
        switch (Name)
        {
            case "pipe":
                Pipe there = Pipe.Create(), back = Pipe.Create();
                objects.Owned.Add(there);
                objects.Owned.Add(back);
                objects.Measure[3] = ChildDescriptor.From(back.Reader);
                objects.Measure[4] = ChildDescriptor.From(there.Writer);
                objects.Peer[3] = ChildDescriptor.From(there.Reader);
                objects.Peer[4] = ChildDescriptor.From(back.Writer);
                break;
            case "fifo" when implementation == "dotnet":
                objects.Arguments.Add(tag);
                objects.Cleanups.Add(() => File.Delete(Path.Combine(Path.GetTempPath(), "CoreFxPipe_" + tag)));
                break;
            case "fifo":
                string to = Path.Combine(scratch, tag + "_there"), from = Path.Combine(scratch, tag + "_back");
                Fifo.Create(to);
                objects.Cleanups.Add(() => File.Delete(to));
                Fifo.Create(from);
                objects.Cleanups.Add(() => File.Delete(from));
                objects.Arguments.AddRange([to, from]);
                break;
            case "stream" or "seqpacket" when implementation == "dotnet":
                objects.Arguments.Add(tag); // an abstract address: nothing on disk
                break;
            case "stream" or "seqpacket":
                UnixSocketPair pair = UnixSocketPair.Create(Name == "seqpacket" ? SocketType.Seqpacket : SocketType.Stream);
                objects.Owned.Add(pair);
                objects.Measure[3] = ChildDescriptor.From(pair.First.SafeHandle);
                objects.Peer[3] = ChildDescriptor.From(pair.Second.SafeHandle);
                break;
            case "mq":
                var options = new PosixMessageQueueOptions { MaxMessages = 10, MaxMessageSize = 1024, UnlinkOnDispose = true };
                objects.Owned.Add(PosixMessageQueue.CreateNew("/" + tag + "_there", options));
                objects.Owned.Add(PosixMessageQueue.CreateNew("/" + tag + "_back", options));
                objects.Arguments.AddRange(["/" + tag + "_there", "/" + tag + "_back"]);
                break;
            case "msg":
                SystemVMessageQueue queue = SystemVMessageQueue.CreateNew(IpcKey.Private);
                objects.Cleanups.Add(() => queue.TryRemove());
                objects.Arguments.Add(queue.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
                break;
            case "psem":
                objects.Owned.Add(PosixSemaphore.CreateNew("/" + tag + "_ping"));
                objects.Cleanups.Add(() => PosixSemaphore.TryUnlink("/" + tag + "_ping"));
                objects.Owned.Add(PosixSemaphore.CreateNew("/" + tag + "_pong"));
                objects.Cleanups.Add(() => PosixSemaphore.TryUnlink("/" + tag + "_pong"));
                objects.Arguments.AddRange(["/" + tag + "_ping", "/" + tag + "_pong"]);
                break;
            case "sem":
                SystemVSemaphoreSet set = SystemVSemaphoreSet.CreateNew(IpcKey.Private, 2);
                objects.Cleanups.Add(() => set.TryRemove());
                objects.Arguments.Add(set.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
                break;
            case "signal":
                objects.BlockSignals = true;
                objects.MeasureGetsPeerId = true;
                break;
            default:
                throw new ArgumentException($"no objects for '{Name}'");
        }

        return objects;
    }
}

/// <summary>A timed figure: round trips (latency) or one-way sends (throughput) of <paramref name="Size"/> bytes.</summary>
internal sealed record BenchMeasure(string Mode, int Size)
{
    public bool IsLatency => Mode == "latency";

    public string Label => IsLatency ? (Size == 0 ? "rtt" : $"rtt {SizeText}") : $"{SizeText} msgs/s";

    private string SizeText => Size >= 1024 ? $"{Size / 1024} KiB" : $"{Size} B";
}

/// <summary>What the harness made for one measurement, and what each side gets; disposing removes it all.</summary>
internal sealed class BenchObjects : IDisposable
{
    public List<string> Arguments { get; } = [];

    /// <summary>Descriptors of the measuring side (3 reads, 4 writes; a socket: 3) and of the peer.</summary>
    public Dictionary<int, ChildDescriptor> Measure { get; } = [];

    public Dictionary<int, ChildDescriptor> Peer { get; } = [];

    public bool BlockSignals { get; set; }

    /// <summary>The measuring side gets the peer's pid as its one argument (signals).</summary>
    public bool MeasureGetsPeerId { get; set; }

    public List<IDisposable> Owned { get; } = [];

    public List<Action> Cleanups { get; } = [];

    /// <summary>Closes the harness's copies of the descriptors once both sides have theirs.</summary>
    public void CloseDescriptors()
    {
        foreach (IDisposable owned in Owned.Where(o => o is Pipe or UnixSocketPair))
        {
            owned.Dispose();
        }
    }

    public void Dispose()
    {
        foreach (IDisposable owned in Owned)
        {
            owned.Dispose();
        }

        foreach (Action cleanup in Cleanups)
        {
            try
            {
                cleanup();
            }
            catch (Exception e) when (e is IOException or UnixIpcException or UnauthorizedAccessException)
            {
                // Already gone.
            }
        }
    }
}

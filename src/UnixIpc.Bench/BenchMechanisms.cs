using System.Net.Sockets;

namespace UnixIpc.Benchmarking;

/// <summary>
/// A mechanism of the registry: its name for <c>--only</c>, what the table calls it, what is timed (round trips of
/// each size, one-way throughput of 64 B and, where the mechanism takes one, 64 KiB messages) and .NET's own type that
/// does the same job, if any (the "what .NET users use today" column). A row not <paramref name="ThroughUnixIpc"/>
/// (TCP loopback) is a baseline only: .NET's own type against C, and what every other row is compared with.
/// </summary>
internal sealed record BenchMechanism(string Name, string Title, IReadOnlyList<BenchMeasure> Measures, string? DotNetBaseline, bool ThroughUnixIpc = true, bool HasC = true)
{
    /// <summary>The one-way message size of the bulk throughput figure (MB/s).</summary>
    public const int BulkSize = 65536;

    /// <summary>Every mechanism, in the order of the table.</summary>
    public static readonly IReadOnlyList<BenchMechanism> All =
    [
        new("pipe", "pipe", [.. Bytes(), WakeUp], "AnonymousPipe"),
        new("fifo", "FIFO", [.. Bytes(), WakeUp], "NamedPipe"),
        new("stream", "Unix stream socket", [.. Bytes(), WakeUp], "Socket (UDS)"),
        new("seqpacket", "Unix seqpacket socket", [.. Bytes(), WakeUp], "Socket (UDS)"),
        new("mq", "POSIX mq", [.. Bytes(), WakeUp], null),
        new("msg", "System V msg", [.. Bytes(), WakeUp], null),
        new("psem", "POSIX semaphores", Signals(), null), // a post carries no timestamp: no wake-up figure
        new("sem", "System V semaphores", Signals(), null),
        new("signal", "signals (sigqueue)", [.. Signals(), WakeUp], null), // the timestamp rides in the signal's value
        new("lock", "file locks (OFD, 2 hand-offs)", Signals(), null),
        new("shmsem", "shm + semaphores (64 B items)", [new("latency", 64), new("throughput", 64), WakeUp], null),
        new("channel", "channel (spin, then sleep)", [.. Bytes(), WakeUp, .. Fans()], null),
        new("channel-spin", "channel (busy-spin)", [.. Bytes(), .. Fans()], null), // never sleeps
        new("shmstream", "shared-memory stream", [.. Bytes(), WakeUp], "NamedPipe", HasC: false), // C has no such stream: against .NET's own
        new("grpc", "gRPC over Unix socket", Bytes(), "gRPC over TCP", HasC: false), // unary calls, a client stream
        new("grpc-shm", "gRPC over shared memory", Bytes(), "gRPC over TCP", HasC: false),
        new(Tcp, "TCP loopback (baseline)", [.. Bytes(), WakeUp], "Socket (TCP)", ThroughUnixIpc: false),
    ];

    /// <summary>The size of the C baseline's shared memory for the channel rows: two rings (bench_side.c's <c>ring</c>: two counters on their own cache lines, then the data), holding what the channel's rings hold.</summary>
    private const long NativeRingsSize = 2 * (128 + ChannelEnd.Capacity);

    /// <summary>The name of the TCP loopback row, the ÷TCP column's baseline.</summary>
    public const string Tcp = "tcp";

    /// <summary>Whether C measures <paramref name="measure"/> (the minimal ring only spins: it has no wake-up to time).</summary>
    public bool HasNative(BenchMeasure measure) => HasC && !(NativeName == "ring" && measure.IsWakeUp);

    /// <summary>Why C has no figure for <paramref name="measure"/> (a note under the table), or null when it has one.</summary>
    public string? NoNative(BenchMeasure measure) => HasNative(measure) ? null : !HasC
        ? $"{Title}: no C figures (C has no such mechanism; compared with .NET's {DotNetBaseline})"
        : $"{Title} {measure.Label}: no C figure (its C baseline, the minimal ring, only spins: it never sleeps)";

    /// <summary>The mechanism bench_side.c runs as this row's C baseline: the channel's is the minimal spin ring.</summary>
    public string NativeName => Name.StartsWith("channel", StringComparison.Ordinal) ? "ring" : Name;

    /// <summary>
    /// How many times the run's message count one measurement of <paramref name="measure"/> takes. The channel's small
    /// messages move at tens of millions a second: 100 000 of them are timed in a few milliseconds, about one scheduler
    /// time slice, so a single preemption of one of the (two or three) processes decided the figure. Ten times as many.
    /// </summary>
    public int CountScale(BenchMeasure measure) => NativeName == "ring" && !measure.IsLatency && !measure.IsWakeUp && !measure.IsBulk ? ChannelMessageScale : 1;

    /// <summary>See <see cref="CountScale"/>.</summary>
    public const int ChannelMessageScale = 10;

    /// <summary>The implementation a row's ratios are of: UnixIpc, or .NET's own type for a baseline-only row.</summary>
    public string Subject => ThroughUnixIpc ? "unixipc" : "dotnet";

    /// <summary>
    /// Why <paramref name="measure"/> cannot be taken on this machine with the kernel's default limits (a queue whose
    /// messages may not be 64 KiB long), or null. The row is shown as n/a with this reason.
    /// </summary>
    public string? Unmeasurable(BenchMeasure measure)
    {
        if (measure.Size <= 1024)
        {
            return null;
        }

        (string Limit, string Path)[] limits = Name switch
        {
            "mq" => [("msgsize_max", "/proc/sys/fs/mqueue/msgsize_max")],
            "msg" => [("MSGMAX", "/proc/sys/kernel/msgmax"), ("MSGMNB", "/proc/sys/kernel/msgmnb")], // a message, a queue's bytes
            _ => [],
        };
        foreach ((string limit, string path) in limits)
        {
            if (long.TryParse(File.ReadAllText(path).Trim(), System.Globalization.CultureInfo.InvariantCulture, out long max) && max < measure.Size)
            {
                return $"{Title} {measure.Label}: n/a, a message may be at most {max} bytes here ({limit}, {path})";
            }
        }

        return null;
    }

    // Byte-carrying mechanisms: 8 B and 1 KiB round trips, 64 B and 64 KiB one-way.
    private static BenchMeasure[] Bytes() => [new("latency", 8), new("latency", 1024), new("throughput", 64), new("throughput", BulkSize)];

    // Many processes, 64 B one-way: FanPeers producers into one queue, one producer to FanPeers subscribers.
    private static BenchMeasure[] Fans() => [new("fanin", ChannelFanSides.MessageSize), new("broadcast", ChannelFanSides.MessageSize)];

    // The time from a send to the return of a receiver blocked (asleep) in its receive.
    private static BenchMeasure WakeUp => new("wakeup", 8);

    // A post, a signal: empty round trips.
    private static BenchMeasure[] Signals() => [new("latency", 0)];

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
    public BenchObjects Prepare(string implementation, BenchMeasure measure, string scratch, int serial)
    {
        string tag = $"unixipc_bench_{Environment.ProcessId}_{serial}";
        var objects = new BenchObjects();
        try
        {
            Make(objects, implementation, measure, scratch, tag);
            return objects;
        }
        catch
        {
            objects.Dispose(); // what was made before the failure
            throw;
        }
    }

    private void Make(BenchObjects objects, string implementation, BenchMeasure measure, string scratch, string tag)
    {
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
            case "fifo" or "shmstream" when implementation == "dotnet":
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
            case "shmstream":
                objects.Arguments.Add("/" + tag); // the listener's name: its setup socket is abstract, its rings anonymous
                break;
            case "grpc" or "grpc-shm" when implementation == "dotnet":
                objects.Arguments.Add("127.0.0.1:" + FreeLoopbackPort().ToString(System.Globalization.CultureInfo.InvariantCulture));
                break;
            case "grpc":
                objects.Arguments.Add("@" + tag); // an abstract Unix socket: nothing on disk
                break;
            case "grpc-shm":
                objects.Arguments.Add("/" + tag);
                break;
            case "stream" or "seqpacket" when implementation == "dotnet":
                objects.Arguments.Add(tag); // an abstract address: nothing on disk
                break;
            case Tcp:
                (Socket measuring, Socket answering) = ConnectedLoopbackPair();
                objects.Owned.Add(measuring);
                objects.Owned.Add(answering);
                objects.Measure[3] = ChildDescriptor.From(measuring.SafeHandle);
                objects.Peer[3] = ChildDescriptor.From(answering.SafeHandle);
                break;
            case "stream" or "seqpacket":
                UnixSocketPair pair = UnixSocketPair.Create(Name == "seqpacket" ? SocketType.Seqpacket : SocketType.Stream);
                objects.Owned.Add(pair);
                objects.Measure[3] = ChildDescriptor.From(pair.First.SafeHandle);
                objects.Peer[3] = ChildDescriptor.From(pair.Second.SafeHandle);
                break;
            case "mq":
                var options = new PosixMessageQueueOptions { MaxMessages = 10, MaxMessageSize = Math.Max(1024, measure.Size), UnlinkOnDispose = true };
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
            case "lock":
                string lockPath = Path.Combine(scratch, tag + ".lock");
                File.WriteAllBytes(lockPath, [0, 0, 0]);
                objects.Cleanups.Add(() => File.Delete(lockPath));
                objects.Arguments.Add(lockPath);
                break;
            case "shmsem":
                objects.Owned.Add(PosixSharedMemory.CreateNew("/" + tag + "_items", SemaphoreBufferEnd.MemorySize, new PosixSharedMemoryOptions { UnlinkOnDispose = true }));
                objects.Arguments.Add("/" + tag + "_items");
                foreach ((string role, int initial) in new[] { ("there_empty", SemaphoreBufferEnd.Slots), ("there_full", 0), ("back_empty", SemaphoreBufferEnd.Slots), ("back_full", 0) })
                {
                    string semaphore = $"/{tag}_{role}";
                    objects.Owned.Add(PosixSemaphore.CreateNew(semaphore, initial));
                    objects.Cleanups.Add(() => PosixSemaphore.TryUnlink(semaphore));
                    objects.Arguments.Add(semaphore);
                }

                break;
            case "channel" or "channel-spin" when measure.Peers > 1 && implementation == "c":
                objects.Owned.Add(PosixSharedMemory.CreateNew("/" + tag + "_fan", ChannelFanSides.NativeObjectSize, new PosixSharedMemoryOptions { UnlinkOnDispose = true }));
                objects.Arguments.Add("/" + tag + "_fan");
                objects.Arguments.Add(measure.Peers.ToString(System.Globalization.CultureInfo.InvariantCulture));
                break;
            case "channel" or "channel-spin" when measure.Peers > 1:
                ChannelFanSides.Make(objects, measure, tag);
                break;
            case "channel" or "channel-spin" when implementation == "c":
                objects.Owned.Add(PosixSharedMemory.CreateNew("/" + tag + "_rings", NativeRingsSize, new PosixSharedMemoryOptions { UnlinkOnDispose = true }));
                objects.Arguments.Add("/" + tag + "_rings");
                break;
            case "channel" or "channel-spin":
                foreach (string direction in new[] { "_there", "_back" })
                {
                    objects.Owned.Add(SharedMemoryChannel.CreateNew("/" + tag + direction, new SharedMemoryChannelOptions { Capacity = ChannelEnd.Capacity, UnlinkOnDispose = true }));
                    objects.Arguments.Add("/" + tag + direction);
                }

                break;
            case "signal":
                objects.BlockSignals = true;
                objects.MeasureGetsPeerId = true;
                break;
            default:
                throw new ArgumentException($"no objects for '{Name}'");
        }
    }

    // A TCP port free now on 127.0.0.1, for the gRPC server the peer starts (taken back at once: the server binds it).
    private static int FreeLoopbackPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        return ((System.Net.IPEndPoint)probe.LocalEndPoint!).Port;
    }

    // A TCP connection over 127.0.0.1 with Nagle off on both ends (what a request/response user sets): both sides of
    // every implementation get the same kind of descriptor, as the Unix socket pair rows do.
    private static (Socket, Socket) ConnectedLoopbackPair()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            client.Connect(listener.LocalEndPoint!);
            Socket server = listener.Accept();
            server.NoDelay = true;
            return (client, server);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }
}

/// <summary>
/// A timed figure: round trips (latency), one-way sends (throughput), or wake-ups (the time from a send to the return
/// of the receiver that was blocked in its receive) of <paramref name="Size"/> bytes.
/// </summary>
internal sealed record BenchMeasure(string Mode, int Size)
{
    /// <summary>Timed per message (a histogram of nanoseconds, lower is better): round trips and wake-ups.</summary>
    public bool IsLatency => Mode is "latency" or "wakeup";

    public bool IsWakeUp => Mode == "wakeup";

    /// <summary>How many peers the harness starts: the producers into one queue (fanin), the subscribers of a broadcast; otherwise one.</summary>
    public int Peers => Mode is "fanin" or "broadcast" ? ChannelFanSides.FanPeers : 1;

    /// <summary>Throughput of large messages, shown in MB/s rather than messages/s.</summary>
    public bool IsBulk => Mode == "throughput" && Size >= BenchMechanism.BulkSize;

    public string Label => Mode switch
    {
        "wakeup" => "wake-up",
        "latency" => Size == 0 ? "rtt" : $"rtt {SizeText}",
        "fanin" => $"{Peers}→1 {SizeText} msgs/s",
        "broadcast" => $"1→{Peers} {SizeText} msgs/s",
        _ => IsBulk ? $"{SizeText} MB/s" : $"{SizeText} msgs/s",
    };

    /// <summary>The figure's name in JSON: rtt, wakeup or throughput.</summary>
    public string Figure => Mode == "latency" ? "rtt" : Mode;

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
        foreach (IDisposable owned in Owned.Where(o => o is Pipe or UnixSocketPair or Socket))
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

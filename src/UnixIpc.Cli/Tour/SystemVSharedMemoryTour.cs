using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using static UnixIpc.Cli.TourSteps;

namespace UnixIpc.Cli;

/// <summary>The tour over System V shared memory, keyed by ftok.</summary>
internal sealed class SystemVSharedMemoryTour : TourScenario
{
    public override IReadOnlyDictionary<string, Action<string[], TextWriter>> Roles { get; } = new Dictionary<string, Action<string[], TextWriter>>
    {
        ["svshm-producer"] = (a, o) => SystemVProducer(a[0], int.Parse(a[1], CultureInfo.InvariantCulture), o),
        ["svshm-consumer"] = (a, o) => SystemVConsumer(a[0], int.Parse(a[1], CultureInfo.InvariantCulture), o),
    };

    public const int SystemVCount = 5;

    public override async Task RunAsync(TourRunner tour, CancellationToken cancellationToken)
    {
        string path = Path.Combine(Path.GetTempPath(), $"unixipc-tour-{Environment.ProcessId}.key");
        const int project = 'U';
        tour.Heading($"System V shared memory: producer/consumer over ftok(\"{path}\", '{(char)project}')");
        File.WriteAllBytes(path, []);
        IpcKey key = IpcKey.FromPath(path, project);
        try
        {
            await tour.StepAsync("producer", cancellationToken, "svshm-producer", path, project.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
            await tour.StepAsync("consumer", cancellationToken, "svshm-consumer", path, project.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
            tour.Check(!SystemVSharedMemory.TryOpenExisting(key, out _), $"no segment has key {key} any more");
        }
        finally
        {
            if (SystemVSharedMemory.TryOpenExisting(key, out SystemVSharedMemory? left))
            {
                left.Remove();
            }

            File.Delete(path);
        }
    }

    private static void SystemVProducer(string path, int project, TextWriter output)
    {
        var clock = Stopwatch.StartNew();
        IpcKey key = IpcKey.FromPath(path, project);
        SystemVSharedMemory segment = SystemVSharedMemory.CreateNew(key, SystemVCount * sizeof(int));
        Say(output, clock, $"ftok(\"{path}\", {project}) = {key}; shmget(IPC_CREAT|IPC_EXCL, {SystemVCount * sizeof(int)} bytes) = id {segment.Id}");

        using MappedRegion region = segment.Attach();
        for (int i = 0; i < SystemVCount; i++)
        {
            region.Write(i * sizeof(int), i + 1);
        }

        Say(output, clock, $"attached and wrote {string.Join(' ', Enumerable.Range(1, SystemVCount))}");
    }

    private static void SystemVConsumer(string path, int project, TextWriter output)
    {
        var clock = Stopwatch.StartNew();
        IpcKey key = IpcKey.FromPath(path, project);
        SystemVSharedMemory segment = SystemVSharedMemory.OpenExisting(key);
        int[] values = new int[SystemVCount];
        using (MappedRegion region = segment.Attach(readOnly: true))
        {
            Say(output, clock, $"ftok gives {key} again; shmget found id {segment.Id}, attached read-only ({region.Stat(segment)})");
            using MappedRegionAccess view = region.Acquire();
            MemoryMarshal.Cast<byte, int>(view.ReadOnlySlice(0, SystemVCount * sizeof(int))).CopyTo(values);
        }

        Say(output, clock, $"read {string.Join(' ', values)} and detached");
        segment.Remove();
        Say(output, clock, $"shmctl({segment.Id}, IPC_RMID): the segment is gone");
    }
}

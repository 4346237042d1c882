using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using static UnixIpc.Cli.TourSteps;

namespace UnixIpc.Cli;

/// <summary>The tour over POSIX shared memory: a producer writes, a consumer reads and unlinks.</summary>
internal sealed class PosixSharedMemoryTour : TourScenario
{
    public override IReadOnlyDictionary<string, Action<string[], TextWriter>> Roles { get; } = new Dictionary<string, Action<string[], TextWriter>>
    {
        ["pshm-producer"] = (a, o) => PosixProducer(a[0], o),
        ["pshm-consumer"] = (a, o) => PosixConsumer(a[0], o),
    };

    public const string PosixText = "Hello, World!";

    public const int PosixSize = 4096;

    public override async Task RunAsync(TourRunner tour, CancellationToken cancellationToken)
    {
        string name = $"/unixipc_tour_{Environment.ProcessId}";
        tour.Heading("POSIX shared memory: producer/consumer over " + name);
        using var cleanup = new TourCleanup(() => PosixSharedMemory.TryUnlink(name));
        await tour.StepAsync("producer", cancellationToken, "pshm-producer", name).ConfigureAwait(false);
        await tour.StepAsync("consumer", cancellationToken, "pshm-consumer", name).ConfigureAwait(false);
        tour.Check(!PosixSharedMemory.TryOpenExisting(name, out PosixSharedMemory? left), $"{name} no longer exists");
        left?.Dispose();
    }

    private static void PosixProducer(string name, TextWriter output)
    {
        var clock = Stopwatch.StartNew();
        using PosixSharedMemory shm = PosixSharedMemory.CreateNew(name, PosixSize);
        Say(output, clock, $"shm_open(\"{shm.Name}\", O_CREAT|O_EXCL|O_RDWR) and sized it to {PosixSize} bytes");

        using MappedRegion region = shm.Map();
        byte[] text = System.Text.Encoding.UTF8.GetBytes(PosixText + "\0");
        region.Write(0, text);
        Say(output, clock, $"mapped it and wrote \"{PosixText}\" ({text.Length} bytes with the NUL)");
    }

    private static void PosixConsumer(string name, TextWriter output)
    {
        var clock = Stopwatch.StartNew();
        using (PosixSharedMemory shm = PosixSharedMemory.OpenExisting(name, readOnly: true))
        {
            using MappedRegion region = shm.Map();
            Say(output, clock, $"shm_open(\"{shm.Name}\", O_RDONLY), mapped {region.Length} bytes read-only");

            using MappedRegionAccess view = region.Acquire();
            ReadOnlySpan<byte> bytes = view.ReadOnlySpan;
            int end = bytes.IndexOf((byte)0);
            string text = System.Text.Encoding.UTF8.GetString(end < 0 ? bytes : bytes[..end]);
            Say(output, clock, $"read \"{text}\"");
        }

        PosixSharedMemory.Unlink(name);
        Say(output, clock, $"shm_unlink(\"{name}\"): the object is gone");
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using static UnixIpc.Cli.TourSteps;

namespace UnixIpc.Cli;

/// <summary>The tour's race: five writers append to one file, without and then with a named semaphore as a mutex.</summary>
internal sealed class SynchronisedWritersTour : TourScenario
{
    public override IReadOnlyDictionary<string, Action<string[], TextWriter>> Roles { get; } = new Dictionary<string, Action<string[], TextWriter>>
    {
        ["writer"] = (a, o) => Writer(a[0], a[1], a.Length > 2 ? a[2] : null, o),
    };

    public override async Task RunAsync(TourRunner tour, CancellationToken cancellationToken)
    {
        string file = Path.Combine(Path.GetTempPath(), $"unixipc-tour-{Environment.ProcessId}-writers.txt");
        string gate = $"/unixipc_tour_{Environment.ProcessId}_gate";
        string mutex = $"/unixipc_tour_{Environment.ProcessId}_mutex";
        tour.Heading("Synchronised writers: five processes append 0123456789 to one file, without and then with a named semaphore");
        using var cleanup = new TourCleanup(() =>
        {
            PosixSemaphore.TryUnlink(gate);
            PosixSemaphore.TryUnlink(mutex);
            File.Delete(file);
        });
        using var gateSemaphore = PosixSemaphore.CreateNew(gate, 0);
        using var mutexSemaphore = PosixSemaphore.CreateNew(mutex, 1);
        foreach (string? lockName in new[] { null, mutex })
        {
            File.WriteAllBytes(file, []);
            await tour.RunTogetherAsync("writer", 5, () => gateSemaphore.Release(5), lockName is null ? ["writer", file, gate] : ["writer", file, gate, lockName], cancellationToken).ConfigureAwait(false);
            string text = await File.ReadAllTextAsync(file, cancellationToken).ConfigureAwait(false);
            bool clean = text == string.Concat(Enumerable.Repeat("0123456789", 5));
            tour.Line("tour", Environment.ProcessId, $"the file now reads {text}");
            if (lockName is null)
            {
                // Informational: what a race does varies from run to run.
                tour.Line("tour", Environment.ProcessId, clean
                    ? "(the writers happened not to overlap this time; run again to see them interleave)"
                    : text.Length == 50
                        ? "without a lock the writers' digits interleave"
                        : $"without a lock the writers' digits interleave, and {50 - text.Length} digit(s) were overwritten where two wrote at the same place");
            }
            else
            {
                tour.Check(clean, $"with {lockName} as a mutex: five clean runs of 0123456789");
            }
        }
    }

    // Appends the digits 0-9 to FILE one write at a time, pausing between them, after the start GATE
    // opens; with a MUTEX semaphore the whole run is one critical section.
    private static void Writer(string file, string gate, string? mutex, TextWriter output)
    {
        using PosixSemaphore start = PosixSemaphore.OpenExisting(gate);
        using PosixSemaphore? exclusive = mutex is null ? null : PosixSemaphore.OpenExisting(mutex);
        output.WriteLine("0 ready");
        output.Flush();
        start.Wait();
        var clock = Stopwatch.StartNew();
        exclusive?.Wait();
        using (var stream = new FileStream(file, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, bufferSize: 1))
        {
            for (int digit = 0; digit < 10; digit++)
            {
                // .NET opens FileMode.Append without O_APPEND, so each write goes to the end found just before it.
                stream.Seek(0, SeekOrigin.End);
                stream.WriteByte((byte)('0' + digit));
                stream.Flush();
                Thread.Sleep(1); // gives the other writers a chance to cut in, as in the classic demonstration
            }
        }

        exclusive?.Release();
        Say(output, clock, mutex is null ? "appended 0123456789 without a lock" : $"appended 0123456789 holding {mutex}");
    }
}

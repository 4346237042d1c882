using System.Globalization;

namespace UnixIpc.Cli;

/// <summary>
/// Zombies: a process that has exited but whose parent has not waited shows as Z in /proc; ChildProcess reaps its
/// children as soon as they exit, awaited or not.
/// </summary>
internal sealed class ZombieTour : TourScenario
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    public override IReadOnlyDictionary<string, Action<string[], TextWriter>> Roles { get; } = new Dictionary<string, Action<string[], TextWriter>>();

    public override async Task RunAsync(TourRunner tour, CancellationToken cancellationToken)
    {
        tour.Heading("Zombies: an exited child its parent never waits for, and one this library reaps");

        // sh starts a background reader and becomes `sleep`, which never waits. The reader exits only when told, after
        // the exec (had it exited before, sh itself might have reaped it): from then on it is sleep's zombie. (Its input
        // goes through fd 3: sh gives a background job /dev/null as stdin.)
        var options = new ChildProcessOptions("sh", "-c", "exec 3<&0; (read line <&3) & echo $!; exec sleep 30") { StandardInput = ChildDescriptor.Pipe, StandardOutput = ChildDescriptor.Pipe };
        using ChildProcess parent = ChildProcess.Start(options);
        try
        {
            string? line = await new StreamReader(parent.StandardOutput!).ReadLineAsync(cancellationToken).AsTask().WaitAsync(Bound, cancellationToken).ConfigureAwait(false);
            int zombie = int.Parse(line ?? "0", CultureInfo.InvariantCulture);
            bool execed = await WaitForAsync(() => Command(parent.ProcessId) == "sleep", cancellationToken).ConfigureAwait(false);
            await parent.StandardInput!.WriteAsync("exit now\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
            parent.StandardInput.Dispose();
            bool seen = execed && await WaitForAsync(() => State(zombie) == "Z", cancellationToken).ConfigureAwait(false);
            tour.Line("tour", Environment.ProcessId, $"pid {zombie} (sh's background reader) has exited; its parent, sleep (pid {parent.ProcessId}), never waits: /proc/{zombie}/stat says state {State(zombie) ?? "gone"}");
            tour.Check(seen, $"pid {zombie} showed as Z (zombie) until its parent reaps it");
        }
        finally
        {
            parent.Kill(); // the zombie goes to the nearest subreaper (or init), which reaps it
        }

        ChildExitStatus status = await parent.WaitForExitAsync(cancellationToken).WaitAsync(Bound, cancellationToken).ConfigureAwait(false);
        tour.Line("tour", Environment.ProcessId, $"killed sleep through its pidfd: {status}; reaped by this library");

        using ChildProcess child = ChildProcess.Start("true");
        int pid = child.ProcessId;
        tour.Line("tour", Environment.ProcessId, $"started true (pid {pid}) and never waited for it");
        bool reaped = await WaitForAsync(() => State(pid) is null, cancellationToken).ConfigureAwait(false);
        tour.Check(reaped, $"pid {pid} exited and was reaped at once (no Z in /proc): the reactor saw its pidfd and called waitid");
    }

    private static string? Command(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }

    // The state letter of /proc/PID/stat (R, S, Z, …), or null once the process is gone.
    private static string? State(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0];
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static async Task<bool> WaitForAsync(Func<bool> condition, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(5, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }
}

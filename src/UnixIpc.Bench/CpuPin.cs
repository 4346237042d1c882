using System.Runtime.InteropServices;

namespace UnixIpc.Benchmarking;

/// <summary>
/// Pins the calling thread to one CPU of those it may run on, until disposed (then it gets its old set back): each
/// side of a two-process measurement on its own CPU, as the C baseline pins its two processes. Other threads of the
/// runtime (GC, the socket engine's epoll thread) stay free.
/// </summary>
internal sealed partial class CpuPin : IDisposable
{
    private readonly ulong[] previous = new ulong[16]; // room for 1024 CPUs

    private unsafe CpuPin(int index)
    {
        fixed (ulong* mask = previous)
        {
            Check(SchedGetAffinity(0, (nuint)(previous.Length * sizeof(ulong)), mask), "sched_getaffinity");
            var allowed = Enumerable.Range(0, previous.Length * 64).Where(cpu => (previous[cpu / 64] & (1UL << (cpu % 64))) != 0).ToList();
            int chosen = allowed[Math.Min(index, allowed.Count - 1)]; // the last one if there are fewer
            var one = new ulong[previous.Length];
            one[chosen / 64] = 1UL << (chosen % 64);
            fixed (ulong* only = one)
            {
                Check(SchedSetAffinity(0, (nuint)(one.Length * sizeof(ulong)), only), "sched_setaffinity");
            }
        }
    }

    /// <summary>The calling thread onto the <paramref name="index"/>-th CPU it may use (0: the measuring side, 1: the peer).</summary>
    public static CpuPin Thread(int index) => new(index);

    public unsafe void Dispose()
    {
        fixed (ulong* mask = previous)
        {
            Check(SchedSetAffinity(0, (nuint)(previous.Length * sizeof(ulong)), mask), "sched_setaffinity");
        }
    }

    private static void Check(int result, string call)
    {
        if (result != 0)
        {
            throw new InvalidOperationException($"{call}: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [LibraryImport("libc", EntryPoint = "sched_getaffinity", SetLastError = true)]
    private static unsafe partial int SchedGetAffinity(int pid, nuint size, ulong* mask);

    [LibraryImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static unsafe partial int SchedSetAffinity(int pid, nuint size, ulong* mask);
}

using System.Runtime.CompilerServices;
using System.Globalization;

namespace UnixIpc.Tests;

/// <summary>
/// Tells, without sleeping, when a thread of this process is blocked inside a system call:
/// /proc/self/task/TID/syscall shows the call's number while the thread waits in the kernel
/// ("running" otherwise). Lets a test order "it is blocked" before "now wake it".
/// </summary>
internal static class ThreadProbe
{
    /// <summary>Runs <paramref name="body"/> on a new thread and returns once that thread is blocked in a system call.</summary>
    public static async Task<Task<T>> StartBlockedAsync<T>(Func<T> body)
    {
        int tid = 0;
        var started = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            Volatile.Write(ref tid, Interop.GetTid());
            try
            {
                started.SetResult(body());
            }
            catch (Exception e)
            {
                started.SetException(e);
            }
        })
        { IsBackground = true };
        thread.Start();
        await WaitUntilBlockedAsync(() => Volatile.Read(ref tid), started.Task);
        Tids.AddOrUpdate(started.Task, new StrongBox<int>(Volatile.Read(ref tid)));
        return started.Task;
    }

    private static readonly ConditionalWeakTable<Task, StrongBox<int>> Tids = [];

    /// <summary>
    /// Delivers a signal to the thread blocked in <paramref name="blocked"/> (tgkill, the library's own interrupter
    /// signal: a handler that does nothing, installed without SA_RESTART), so its system call returns EINTR, and
    /// waits (bounded) until the thread has woken and blocked again: the EINTR path ran and retried, every time,
    /// instead of depending on a process-wide signal (SIGCHLD) happening to pick this thread.
    /// </summary>
    public static async Task InterruptAsync(Task blocked, int times = 3)
    {
        int tid = Tids.TryGetValue(blocked, out StrongBox<int>? box) ? box.Value : throw new InvalidOperationException("not a task from StartBlockedAsync");
        try
        {
            for (int i = 0; i < times && !blocked.IsCompleted; i++)
            {
                long before = Switches(tid);
                Assert.Equal(0, Interop.TgKill(Environment.ProcessId, tid, SignalInterrupter.SignalNumber));
                var limit = DateTime.UtcNow + TimeSpan.FromSeconds(30);
                while (!blocked.IsCompleted && !(Switches(tid) > before && IsBlocked(tid)))
                {
                    Assert.True(DateTime.UtcNow < limit, "the interrupted thread never went back to waiting");
                    await Task.Yield();
                }
            }
        }
        catch (IOException) when (!Directory.Exists($"/proc/self/task/{tid}"))
        {
            // The call returned (EINTR, as some tests expect) and the thread ended between our looks: its task says how.
        }
    }

    // Context switches of a thread so far: each time it blocks again after waking, this grows.
    private static long Switches(int tid)
    {
        long total = 0;
        foreach (string line in File.ReadLines($"/proc/self/task/{tid}/status"))
        {
            if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal) || line.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal))
            {
                total += long.Parse(line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim(), CultureInfo.InvariantCulture);
            }
        }

        return total;
    }

    /// <summary>Waits (bounded) until the thread is in a blocking system call, or <paramref name="finished"/> completes.</summary>
    public static async Task WaitUntilBlockedAsync(Func<int> tid, Task finished)
    {
        var limit = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < limit && !finished.IsCompleted)
        {
            int id = tid();
            if (id != 0 && IsBlocked(id))
            {
                return;
            }

            await Task.Yield();
        }

        if (!finished.IsCompleted)
        {
            throw new TimeoutException("the thread never blocked in a system call");
        }
    }

    private static bool IsBlocked(int tid)
    {
        try
        {
            string syscall = File.ReadAllText($"/proc/self/task/{tid}/syscall");
            string stat = File.ReadAllText($"/proc/self/task/{tid}/stat");
            char state = stat[(stat.LastIndexOf(')') + 2)..][0];
            return state == 'S' && int.TryParse(syscall.Split(' ')[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out _);
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>
    /// Waits (bounded) until some thread of process <paramref name="pid"/> is blocked in the system call
    /// <paramref name="call"/> (e.g. "msgrcv"), read from /proc/PID/task/*/syscall.
    /// </summary>
    public static async Task WaitUntilProcessBlockedInAsync(int pid, string call)
    {
        // glibc implements semop with the semtimedop system call (NULL time-out) on some architectures.
        int[] numbers = call == "semop" ? [SyscallNumber("semop"), SyscallNumber("semtimedop")] : [SyscallNumber(call)];
        var limit = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < limit)
        {
            foreach (string task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                try
                {
                    string syscall = File.ReadAllText(Path.Combine(task, "syscall"));
                    if (int.TryParse(syscall.Split(' ')[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && numbers.Contains(n))
                    {
                        return;
                    }
                }
                catch (IOException)
                {
                    // the thread ended meanwhile
                }
            }

            await Task.Yield();
        }

        throw new TimeoutException($"process {pid} never blocked in {call}");
    }

    /// <summary>
    /// Waits (bounded) until some thread of process <paramref name="pid"/> sleeps in FUTEX_WAIT on a shared word (op 0:
    /// a channel's sleep; the runtime's own waits are private futexes), read from /proc/PID/task/*/syscall.
    /// </summary>
    public static async Task WaitUntilProcessInSharedFutexWaitAsync(int pid)
    {
        string futex = SyscallNumber("futex").ToString(CultureInfo.InvariantCulture);
        var limit = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < limit)
        {
            foreach (string task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                try
                {
                    string[] fields = File.ReadAllText(Path.Combine(task, "syscall")).Split(' ');
                    if (fields.Length > 2 && fields[0] == futex && fields[2] == "0x0")
                    {
                        return;
                    }
                }
                catch (IOException)
                {
                    // the thread ended meanwhile
                }
            }

            await Task.Yield();
        }

        throw new TimeoutException($"process {pid} never slept on a shared futex");
    }

    internal static int SyscallNumber(string call) => (System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture, call) switch
    {
        (System.Runtime.InteropServices.Architecture.X64, "msgsnd") => 69,
        (System.Runtime.InteropServices.Architecture.X64, "msgrcv") => 70,
        (System.Runtime.InteropServices.Architecture.X64, "semop") => 65,
        (System.Runtime.InteropServices.Architecture.X64, "semtimedop") => 220,
        (System.Runtime.InteropServices.Architecture.X64, "futex") => 202,
        (System.Runtime.InteropServices.Architecture.X64, "fcntl") => 72,
        (System.Runtime.InteropServices.Architecture.X64, "flock") => 73,
        (System.Runtime.InteropServices.Architecture.X64, "mq_timedreceive") => 243,
        (System.Runtime.InteropServices.Architecture.Arm64, "msgsnd") => 189,
        (System.Runtime.InteropServices.Architecture.Arm64, "msgrcv") => 188,
        (System.Runtime.InteropServices.Architecture.Arm64, "semop") => 193,
        (System.Runtime.InteropServices.Architecture.Arm64, "semtimedop") => 192,
        (System.Runtime.InteropServices.Architecture.Arm64, "futex") => 98,
        (System.Runtime.InteropServices.Architecture.Arm64, "fcntl") => 25,
        (System.Runtime.InteropServices.Architecture.Arm64, "flock") => 32,
        (System.Runtime.InteropServices.Architecture.Arm64, "mq_timedreceive") => 183,
        _ => throw new PlatformNotSupportedException($"no syscall number for {call} on this architecture"),
    };
}

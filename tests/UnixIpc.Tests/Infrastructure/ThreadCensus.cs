using System.Globalization;

namespace UnixIpc.Tests;

/// <summary>
/// Which threads of this process wait in the kernel, in which call, on which object: /proc/self/task/TID/syscall
/// gives the call's number and its arguments (the first is the queue id for msgrcv, the futex word's address for
/// sem_wait, the descriptor for mq_timedreceive), /proc/self/task/TID/comm the thread's name. Lets the "no thread is
/// held while waiting" tests check the design itself instead of counting threads: the thread pool grows slowly,
/// so a count taken at once cannot tell a design that blocks pool threads from one that does not.
/// </summary>
internal static class ThreadCensus
{
    /// <summary>A thread blocked in a system call: its id, its name and the call's first argument.</summary>
    public readonly record struct BlockedThread(int Tid, string Name, ulong FirstArgument);

    /// <summary>The threads of this process blocked now in <paramref name="call"/> whose first argument passes <paramref name="argument"/>.</summary>
    public static IReadOnlyList<BlockedThread> BlockedIn(string call, Func<ulong, bool> argument)
    {
        int number = ThreadProbe.SyscallNumber(call);
        var found = new List<BlockedThread>();
        foreach (string task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                string[] fields = File.ReadAllText(Path.Combine(task, "syscall")).Split(' ');
                if (fields.Length > 1 && int.TryParse(fields[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n == number
                    && ulong.TryParse(fields[1].AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong first) && argument(first))
                {
                    found.Add(new BlockedThread(int.Parse(Path.GetFileName(task), CultureInfo.InvariantCulture), File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n'), first));
                }
            }
            catch (IOException)
            {
                // the thread ended meanwhile
            }
        }

        return found;
    }

    /// <summary>Waits (bounded, 30 s) until at least <paramref name="count"/> threads are blocked in <paramref name="call"/> on the object; returns them.</summary>
    public static async Task<IReadOnlyList<BlockedThread>> WaitForBlockedAsync(string call, Func<ulong, bool> argument, int count)
    {
        var limit = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        IReadOnlyList<BlockedThread> seen = BlockedIn(call, argument);
        while (seen.Count < count)
        {
            if (DateTime.UtcNow > limit)
            {
                throw new TimeoutException($"{seen.Count} of {count} waits ever blocked in {call} ({string.Join(", ", seen.Select(t => t.Name))})");
            }

            await Task.Delay(1);
            seen = BlockedIn(call, argument);
        }

        return seen;
    }
}

using System.Globalization;
using System.Runtime.InteropServices;
using UnixIpc;

namespace UnixIpc.Tests;

/// <summary>Scenarios on POSIX and System V shared memory.</summary>
internal static class SharedMemoryScenarios
{
    // Serves reads and writes of one region until "exit": "read OFFSET LENGTH" (hex), "write OFFSET HEX",
    // "add32 OFFSET TIMES" (atomic adds), "enter OFFSET"/"leave OFFSET" (exchange the word with 1/0, answer its
    // old value: a critical section's "inside" flag), "detach" (disposes the region first).
    public static int ServeRegion(MappedRegion region)
    {
        using (region)
        {
            return LineServer.Serve(words => words[0] switch
            {
                "read" => Read(region, long.Parse(words[1], CultureInfo.InvariantCulture), int.Parse(words[2], CultureInfo.InvariantCulture)),
                "write" => Done(() => region.Write(long.Parse(words[1], CultureInfo.InvariantCulture), Convert.FromHexString(words[2])), "ok"),
                "add32" => Done(() => AddTimes(region, long.Parse(words[1], CultureInfo.InvariantCulture), int.Parse(words[2], CultureInfo.InvariantCulture)), "ok"),
                "detach" => Done(region.Dispose, "ok"),
                "enter" => region.AtomicExchangeInt32(long.Parse(words[1], CultureInfo.InvariantCulture), 1).ToString(CultureInfo.InvariantCulture), // the word as it was: 0 if nobody was inside
                "leave" => region.AtomicExchangeInt32(long.Parse(words[1], CultureInfo.InvariantCulture), 0).ToString(CultureInfo.InvariantCulture),
                _ => null,
            });
        }
    }

    private static string Read(MappedRegion region, long offset, int length)
    {
        var buffer = new byte[length];
        int n = region.Read(offset, buffer);
        return Convert.ToHexString(buffer, 0, n);
    }

    private static void AddTimes(MappedRegion region, long offset, int times)
    {
        for (int i = 0; i < times; i++)
        {
            region.AtomicAddInt32(offset, 1);
        }
    }

    private static string Done(Action action, string answer)
    {
        action();
        return answer;
    }

    // PSHM-12: after "go", try to create every name exclusively; print how many this process won.
    public static int RaceCreate(string[] names)
    {
        Console.WriteLine("READY");
        if (Console.ReadLine() != "go")
        {
            return 1;
        }

        int won = 0;
        foreach (string name in names)
        {
            try
            {
                using PosixSharedMemory shm = PosixSharedMemory.CreateNew(name, 64);
                won++;
            }
            catch (UnixIpcException e) when (e.Error == Errno.EEXIST)
            {
            }
        }

        Console.WriteLine(won.ToString(CultureInfo.InvariantCulture));
        return 0;
    }

    // PSHM-16: with every descriptor below RLIMIT_NOFILE in use, creating fails with EMFILE.
    public static int CreateWithoutDescriptors(string name)
        => WithoutDescriptors(() =>
        {
            using PosixSharedMemory shm = PosixSharedMemory.CreateNew(name, 64);
        }, () => PosixSharedMemory.TryUnlink(name));

    // Uses up RLIMIT_NOFILE (lowered to just above what is open), then tries ATTEMPT: prints "created" or "ERRNO message".
    public static int WithoutDescriptors(Action attempt, Action? cleanup = null, int freeBeforeAttempt = 0)
    {
        Console.WriteLine("READY");
        int highest = Directory.EnumerateFiles("/proc/self/fd").Select(p => int.Parse(Path.GetFileName(p), CultureInfo.InvariantCulture)).Max();
        var limit = new RLimit { Current = (ulong)highest + 8, Maximum = ulong.MaxValue };
        Native.GetRLimit(Native.RLIMIT_NOFILE, out RLimit old);
        limit.Maximum = old.Maximum;
        if (Native.SetRLimit(Native.RLIMIT_NOFILE, in limit) != 0)
        {
            throw new InvalidOperationException("setrlimit failed");
        }

        var held = new List<Microsoft.Win32.SafeHandles.SafeFileHandle>();
        try
        {
            while (true)
            {
                held.Add(File.OpenHandle("/dev/null"));
            }
        }
        catch (IOException)
        {
            // The table is full now.
        }

        for (int i = 0; i < freeBeforeAttempt; i++)
        {
            held[^1].Dispose();
            held.RemoveAt(held.Count - 1);
        }

        string outcome;
        try
        {
            attempt();
            outcome = "created";
        }
        catch (UnixIpcException e)
        {
            outcome = e.Error + " " + e.Message;
        }

        foreach (var handle in held)
        {
            handle.Dispose();
        }

        cleanup?.Invoke();
        Console.WriteLine(outcome);
        return 0;
    }

    // Creates a private segment of SIZE bytes as this (unprivileged) user, tries SHM_LOCK, removes it.
    public static void LockOwnSegment(long size)
    {
        SystemVSharedMemory segment = SystemVSharedMemory.CreateNew(IpcKey.Private, size);
        try
        {
            segment.Lock();
            segment.Unlock();
        }
        finally
        {
            segment.Remove();
        }
    }

    // PSHM-07, in a process of its own (umask is process-wide: changing it in the test process would race with
    // every other test creating files): under umask MASK (octal), shm_open(O_CREAT, 0666) alone; prints the mode.
    public static int ShmOpenUnderUmask(string name, string mask)
    {
        _ = Native.Umask(Convert.ToUInt32(mask, 8));
        using SafeFdHandle fd = Interop.ShmOpen(name, Interop.O_RDWR | Interop.O_CREAT | Interop.O_EXCL, 0x1B6); // 0666
        if (fd.IsInvalid)
        {
            throw new InvalidOperationException($"shm_open failed: errno {Marshal.GetLastPInvokeError()}");
        }

        Console.WriteLine(Convert.ToString(Interop.FStatx(fd, name).stx_mode & 0x1FF, 8));
        return 0;
    }
}

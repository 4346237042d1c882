using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace UnixIpc.Cli;

/// <summary>
/// What each tour process does, with the library's public API only. Each step prints one line per action:
/// <c>MICROSECONDS TEXT</c>, the time the action took and what it did; the tour prefixes role, pid and time.
/// </summary>
internal static class TourSteps
{
    public const string PosixText = "Hello, World!";
    public const int SystemVCount = 5;
    public const int PosixSize = 4096;

    public static int Run(string role, string[] args, TextWriter output)
    {
        switch (role)
        {
            case "pshm-producer":
                PosixProducer(args[0], output);
                return 0;
            case "pshm-consumer":
                PosixConsumer(args[0], output);
                return 0;
            case "svshm-producer":
                SystemVProducer(args[0], int.Parse(args[1], CultureInfo.InvariantCulture), output);
                return 0;
            case "svshm-consumer":
                SystemVConsumer(args[0], int.Parse(args[1], CultureInfo.InvariantCulture), output);
                return 0;
            default:
                throw new UsageException($"unknown tour step '{role}'.");
        }
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

    private static string Stat(this MappedRegion region, SystemVSharedMemory segment)
        => $"{region.Length} bytes, {segment.Stat().AttachCount} attachment(s)";

    private static void Say(TextWriter output, Stopwatch clock, string text)
    {
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{clock.Elapsed.TotalMicroseconds:F0} {text}"));
        output.Flush();
        clock.Restart();
    }
}

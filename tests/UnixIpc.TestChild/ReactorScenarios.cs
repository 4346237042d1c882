namespace UnixIpc.Tests;

/// <summary>Whether the library's epoll reactor (its thread is named "UnixIpc epoll reactor") was started.</summary>
internal static class ReactorScenarios
{
    // Uses a pipe and the POSIX queue NAME synchronously only, disposes them, then prints "READY" and "reactor yes" or
    // "reactor no": whether a thread of the reactor exists (/proc/self/task/*/comm, 15 characters of its name).
    public static int SyncOnly(string queueName)
    {
        using (Pipe pipe = Pipe.Create())
        {
            pipe.Writer.Write([42]);
            _ = pipe.Reader.ReadByte();
        }

        using (PosixMessageQueue queue = PosixMessageQueue.CreateNew(queueName, new PosixMessageQueueOptions { UnlinkOnDispose = true }))
        {
            queue.Send([1]);
            _ = queue.Receive(new byte[queue.MaxMessageSize]);
        }

        bool started = Directory.EnumerateDirectories("/proc/self/task").Any(task => File.ReadAllText(Path.Combine(task, "comm")).StartsWith("UnixIpc epoll", StringComparison.Ordinal));
        Console.WriteLine("READY");
        Console.WriteLine(started ? "reactor yes" : "reactor no");
        return 0;
    }
}

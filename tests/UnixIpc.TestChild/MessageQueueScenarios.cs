using System.Globalization;
using System.Runtime.InteropServices;
using UnixIpc;

namespace UnixIpc.Tests;

/// <summary>Scenarios on POSIX and System V message queues.</summary>
internal static class MessageQueueScenarios
{
    // Sends and receives on a POSIX queue: "send PRIO HEX", "recv" (blocking), "tryrecv"; each answers one line.
    public static int ServeQueue(PosixMessageQueue queue)
    {
        using (queue)
        {
            var buffer = new byte[queue.MaxMessageSize];
            return LineServer.Serve(words =>
            {
                switch (words[0])
                {
                    case "send":
                        queue.Send(words.Length > 2 ? Convert.FromHexString(words[2]) : [], int.Parse(words[1], CultureInfo.InvariantCulture));
                        return "sent";
                    case "recv":
                        PosixMessageInfo info = queue.Receive(buffer);
                        return $"{info.Priority} {Convert.ToHexString(buffer, 0, info.Length)}";
                    case "tryrecv":
                        return queue.TryReceive(buffer, out PosixMessageInfo got) ? $"{got.Priority} {Convert.ToHexString(buffer, 0, got.Length)}" : "empty";
                    default:
                        return null;
                }
            });
        }
    }

    // A System V queue: "send TYPE HEX" and "recv SELECTOR" block; each prints its result, or the errno
    // name if the call failed (EIDRM when the queue is removed meanwhile).
    public static int ServeSystemVQueue(SystemVMessageQueue queue)
    {
        var buffer = new byte[8192];
        return LineServer.Serve(
            words =>
            {
                switch (words[0])
                {
                    case "send":
                        queue.Send(long.Parse(words[1], CultureInfo.InvariantCulture), words.Length > 2 ? Convert.FromHexString(words[2]) : []);
                        return "sent";
                    case "recv":
                        long selector = long.Parse(words[1], CultureInfo.InvariantCulture);
                        SystemVMessageInfo info = queue.Receive(buffer, selector == 0 ? MessageSelector.Any : selector > 0 ? MessageSelector.Type(selector) : MessageSelector.LowestUpTo(-selector));
                        return $"{info.Type} {Convert.ToHexString(buffer, 0, info.Length)}";
                    default:
                        return null;
                }
            },
            errnoAsAnswer: true);
    }

    // MQ-34: after "go", try to create the queue exclusively; print "won" or the errno.
    public static int RaceCreateQueue(string name)
    {
        Console.WriteLine("READY");
        if (Console.ReadLine() != "go")
        {
            return 1;
        }

        try
        {
            using var queue = PosixMessageQueue.CreateNew(name, new PosixMessageQueueOptions { MaxMessages = 1, MaxMessageSize = 8 });
            Console.WriteLine("won");
        }
        catch (UnixIpcException e)
        {
            Console.WriteLine(e.Error.ToString());
        }

        return 0;
    }

    // SVMSG-20 without touching the machine: in a new IPC namespace of this thread only, lower msgmni to 1,
    // create one queue, then try a second. The namespace, and the queue, vanish with the process.
    public static int QueuesBeyondMsgmni()
    {
        Console.WriteLine("READY");
        const int CLONE_NEWIPC = 0x08000000;
        if (Native.Unshare(CLONE_NEWIPC) != 0)
        {
            Console.WriteLine("SKIP unshare(CLONE_NEWIPC) failed: errno " + Marshal.GetLastPInvokeError());
            return 0;
        }

        try
        {
            File.WriteAllText("/proc/sys/kernel/msgmni", "1");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.WriteLine("SKIP cannot set msgmni in the new IPC namespace: " + e.Message);
            return 0;
        }
        SystemVMessageQueue.CreateNew(IpcKey.Private);
        try
        {
            SystemVMessageQueue.CreateNew(IpcKey.Private);
            Console.WriteLine("created a second queue");
        }
        catch (UnixIpcException e)
        {
            Console.WriteLine(e.Error + " " + e.Message);
        }

        return 0;
    }

    // SVMSG-15: an unprivileged owner raising its own queue's byte limit to BYTES.
    public static void RaiseOwnQueueLimit(long bytes)
    {
        SystemVMessageQueue queue = SystemVMessageQueue.CreateNew(IpcKey.Private);
        try
        {
            queue.SetMaxBytes(bytes);
        }
        finally
        {
            queue.Remove();
        }
    }

    public static SystemVMessageQueue MessageQueueById(string id) => SystemVMessageQueue.FromId(int.Parse(id, CultureInfo.InvariantCulture));
}

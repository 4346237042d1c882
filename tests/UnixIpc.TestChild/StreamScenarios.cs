using UnixIpc;

namespace UnixIpc.Tests;

/// <summary>The other end of shared-memory stream tests.</summary>
internal static class StreamScenarios
{
    // Listens on NAME, accepts one connection, prints "READY", echoes every byte until end of stream, then closes.
    public static int EchoServer(string name)
    {
        using SharedMemoryListener listener = SharedMemoryListener.Start(name);
        Console.WriteLine("READY");
        using SharedMemoryConnection connection = listener.AcceptAsync().GetAwaiter().GetResult();
        Console.WriteLine($"PEER {connection.Peer.ProcessId} {connection.Peer.UserId}");
        var buffer = new byte[100_000];
        int read;
        while ((read = connection.Read(buffer)) > 0)
        {
            connection.Write(buffer.AsSpan(0, read));
        }

        return 0;
    }

    // Connects to NAME, writes "hello", prints "CONNECTED" and then hangs (to be killed).
    public static int ConnectAndHang(string name)
    {
        Console.WriteLine("READY");
        SharedMemoryConnection connection = SharedMemoryConnection.ConnectAsync(name).GetAwaiter().GetResult();
        connection.Write("hello"u8);
        Console.WriteLine("CONNECTED");
        Thread.Sleep(Timeout.Infinite);
        GC.KeepAlive(connection);
        return 0;
    }

    // Listens on NAME, prints "READY", accepts one connection, prints "ACCEPTED", then hangs (to be killed).
    public static int AcceptAndHang(string name)
    {
        SharedMemoryListener listener = SharedMemoryListener.Start(name);
        Console.WriteLine("READY");
        SharedMemoryConnection connection = listener.AcceptAsync().GetAwaiter().GetResult();
        Console.WriteLine("ACCEPTED");
        Thread.Sleep(Timeout.Infinite);
        GC.KeepAlive(connection);
        return 0;
    }
}

namespace UnixIpc.Tests;

/// <summary>Listeners whose mistakes must not kill the test host.</summary>
internal static class SignalScenarios
{
    // Listens for SIGNAL (the runtime-handler path: this process was not started with it blocked), reports each one,
    // disposes the listener on "dispose", then waits for standard input to end. A signal after that meets the
    // default action again.
    // With COUNT listeners for the one signal, each reports every delivery ("got SIGUSR2 by 2").
    public static int ListenThenDispose(string name, int count = 1)
    {
        UnixSignal signal = UnixSignal.Parse(name);
        SignalListener[] listeners = [.. Enumerable.Range(0, count).Select(_ => SignalListener.Create(signal))];
        Console.WriteLine("READY");
        Console.WriteLine($"{Environment.ProcessId} {(listeners[0].KnowsSender ? "signalfd" : "handler")}");
        var output = new Lock();
        Task[] receiving = [.. listeners.Select((listener, index) => Task.Run(async () =>
        {
            await foreach (SignalInfo received in listener.ReadAllAsync())
            {
                lock (output)
                {
                    Console.WriteLine(count == 1 ? $"got {received.Signal.Name}" : $"got {received.Signal.Name} by {index + 1}");
                }
            }
        }))];

        while (Console.ReadLine() is { } line)
        {
            if (line == "dispose")
            {
                foreach (SignalListener listener in listeners)
                {
                    listener.Dispose();
                }

                Task.WaitAll(receiving, TimeSpan.FromSeconds(30));
                Console.WriteLine("disposed");
            }
        }

        return 0;
    }
}

namespace UnixIpc.Tests;

/// <summary>Listeners whose mistakes must not kill the test host.</summary>
internal static class SignalScenarios
{
    // Listens for SIGNAL (the runtime-handler path: this process was not started with it blocked), reports each one,
    // disposes the listener on "dispose", then waits for standard input to end. A signal after that meets the
    // default action again.
    public static int ListenThenDispose(string name)
    {
        UnixSignal signal = UnixSignal.Parse(name);
        var listener = SignalListener.Create(signal);
        Console.WriteLine("READY");
        Console.WriteLine($"{Environment.ProcessId} {(listener.KnowsSender ? "signalfd" : "handler")}");
        Task receiving = Task.Run(async () =>
        {
            await foreach (SignalInfo received in listener.ReadAllAsync())
            {
                Console.WriteLine($"got {received.Signal.Name}");
            }
        });

        while (Console.ReadLine() is { } line)
        {
            if (line == "dispose")
            {
                listener.Dispose();
                receiving.Wait(TimeSpan.FromSeconds(30));
                Console.WriteLine("disposed");
            }
        }

        return 0;
    }
}

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

    // Takes the interrupter's signal while another thread blocks every signal (as glibc's posix_spawn does in the
    // spawning thread for a moment): prints "INTERRUPTER n", or the exception ends the process.
    public static unsafe int InterrupterBesideABlockEverythingThread()
    {
        using var blocked = new ManualResetEventSlim();
        using var done = new ManualResetEventSlim();
        var thread = new Thread(() =>
        {
            byte* all = stackalloc byte[128];
            new Span<byte>(all, 128).Fill(0xFF);
            if (Native.PthreadSigmask(0, all, null) != 0) // SIG_BLOCK everything in this thread
            {
                throw new InvalidOperationException("pthread_sigmask failed");
            }

            blocked.Set();
            done.Wait();
        }) { IsBackground = true };
        thread.Start();
        blocked.Wait();
        Console.WriteLine("READY");
        int signal = SignalInterrupter.SignalNumber;
        done.Set();
        thread.Join();
        Console.WriteLine($"INTERRUPTER {signal}");
        return 0;
    }
}

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

    // Started with signals A and B blocked (signalfd path). A thread loops on Receive of a listener of A (the only one:
    // it takes A itself), while a listener of B is read asynchronously; each record is reported as "A 2 direct=True"
    // (whether that listener's thread takes its signals itself) or "B 1". Commands: "dispose-a" disposes A's listener
    // under its waiting thread ("A disposed", then "disposed-a"); "two-a" starts two new listeners of A, one on a
    // thread in Receive, one read asynchronously, each reporting "A 5 by 1" / "A 5 by 2" ("two-a" answers at once).
    public static int DirectBesideAsync(string a, string b)
    {
        UnixSignal signalA = UnixSignal.Parse(a), signalB = UnixSignal.Parse(b);
        var listenerA = SignalListener.Create(signalA);
        using var listenerB = SignalListener.Create(signalB);
        var output = new Lock();
        void Say(string line)
        {
            lock (output)
            {
                Console.WriteLine(line);
            }
        }

        Thread taking = OnThread(() =>
        {
            try
            {
                while (true)
                {
                    SignalInfo got = listenerA.Receive();
                    Say($"A {got.Value} direct={listenerA.DirectOwned}");
                }
            }
            catch (ObjectDisposedException)
            {
                Say("A disposed");
            }
        });
        Task readingB = Task.Run(async () =>
        {
            await foreach (SignalInfo got in listenerB.ReadAllAsync())
            {
                Say($"B {got.Value}");
            }
        });
        var more = new List<SignalListener>();
        Say("READY");
        Say($"{Environment.ProcessId} {(listenerA.KnowsSender && listenerB.KnowsSender ? "signalfd" : "handler")}");
        while (Console.ReadLine() is { } line)
        {
            if (line == "dispose-a")
            {
                listenerA.Dispose();
                taking.Join(TimeSpan.FromSeconds(30));
                Say("disposed-a");
            }
            else if (line == "two-a")
            {
                SignalListener first = SignalListener.Create(signalA), second = SignalListener.Create(signalA);
                more.AddRange([first, second]);
                OnThread(() =>
                {
                    try
                    {
                        while (true)
                        {
                            Say($"A {first.Receive().Value} by 1");
                        }
                    }
                    catch (ObjectDisposedException)
                    {
                    }
                });
                _ = Task.Run(async () =>
                {
                    await foreach (SignalInfo got in second.ReadAllAsync())
                    {
                        Say($"A {got.Value} by 2");
                    }
                });
                Say("two-a");
            }
        }

        foreach (SignalListener listener in more)
        {
            listener.Dispose();
        }

        return 0;
    }

    private static Thread OnThread(Action action)
    {
        var thread = new Thread(() => action()) { IsBackground = true };
        thread.Start();
        return thread;
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

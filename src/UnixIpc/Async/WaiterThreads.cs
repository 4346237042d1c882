using System.Collections.Concurrent;

namespace UnixIpc;

/// <summary>
/// Dedicated threads for async waits on objects without a descriptor (System V queues and semaphores):
/// each pending wait blocks one of these in the kernel, never a thread-pool thread. Threads are reused and
/// leave after a while idle; cancellation reaches a blocked one through <see cref="SignalInterrupter"/>.
/// </summary>
internal static class WaiterThreads
{
    private static readonly TimeSpan IdleLifetime = TimeSpan.FromSeconds(30);
    private static readonly ConcurrentQueue<Action> s_work = new();
    private static readonly SemaphoreSlim s_available = new(0);
    private static int s_idle;

    /// <summary>Runs <paramref name="blockingCall"/> on a waiter thread; the task completes with its result.</summary>
    public static Task<T> Run<T>(Func<T> blockingCall)
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        s_work.Enqueue(() =>
        {
            try
            {
                completion.TrySetResult(blockingCall());
            }
            catch (OperationCanceledException e)
            {
                completion.TrySetCanceled(e.CancellationToken);
            }
            catch (Exception e)
            {
                completion.TrySetException(e);
            }
        });

        // Claim an idle thread, or start one: every queued call gets a thread of its own.
        int idle = Volatile.Read(ref s_idle);
        while (idle > 0)
        {
            int seen = Interlocked.CompareExchange(ref s_idle, idle - 1, idle);
            if (seen == idle)
            {
                s_available.Release();
                return completion.Task;
            }

            idle = seen;
        }

        new Thread(Loop) { IsBackground = true, Name = "UnixIpc waiter" }.Start();
        return completion.Task;
    }

    private static void Loop()
    {
        while (true)
        {
            while (s_work.TryDequeue(out Action? work))
            {
                work();
            }

            Interlocked.Increment(ref s_idle);
            if (!s_available.Wait(IdleLifetime))
            {
                // Idle for long enough: leave, unless a caller claimed this thread just now.
                int idle = Volatile.Read(ref s_idle);
                while (idle > 0)
                {
                    int seen = Interlocked.CompareExchange(ref s_idle, idle - 1, idle);
                    if (seen == idle)
                    {
                        return;
                    }

                    idle = seen;
                }

                s_available.Wait();
            }
        }
    }
}

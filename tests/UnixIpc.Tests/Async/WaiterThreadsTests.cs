namespace UnixIpc.Tests;

/// <summary>
/// The waiter threads on their own (src/UnixIpc/Async/WaiterThreads.cs): how a blocking call's outcome reaches its
/// task, and that a thread left idle is reused rather than a new one started per wait.
/// </summary>
public sealed class WaiterThreadsTests
{
    [Fact]
    public async Task Results_cancellations_and_failures_reach_the_task_as_they_are()
    {
        Assert.Equal(42, await WaiterThreads.Run(() => 42).WaitAsync(TimeSpan.FromSeconds(30)));

        using var cancel = new CancellationTokenSource();
        await cancel.CancelAsync();
        Task<int> cancelled = WaiterThreads.Run<int>(() => throw new OperationCanceledException(cancel.Token));
        OperationCanceledException seen = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(cancelled.IsCanceled);
        Assert.Equal(cancel.Token, seen.CancellationToken);

        Task<int> failed = WaiterThreads.Run<int>(() => throw new UnixIpcException(Errno.EIDRM, "msgrcv", "queue 7"));
        UnixIpcException error = await Assert.ThrowsAsync<UnixIpcException>(() => failed.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(Errno.EIDRM, error.Error);
    }

    [Fact]
    public async Task A_thread_that_finished_its_wait_takes_the_next_one()
    {
        int first = await WaiterThreads.Run(Interop.GetTid).WaitAsync(TimeSpan.FromSeconds(30));
        var seen = new HashSet<int> { first };
        for (int i = 0; i < 20; i++)
        {
            seen.Add(await WaiterThreads.Run(Interop.GetTid).WaitAsync(TimeSpan.FromSeconds(30)));
        }

        // Sequential waits: each finds an idle waiter thread. Other tests' waits run beside these and may take an idle
        // one or start their own, so a few distinct threads are possible, but never one per wait.
        Assert.True(seen.Count < 21, $"{seen.Count} threads for 21 sequential waits");
    }
}

using System.Diagnostics;
using System.Text;
using System.Threading.Channels;

namespace UnixIpc.Tests;

/// <summary>Async, cancellation, notification and channel adapters of POSIX message queues.</summary>
public sealed class PosixMessageQueueAsyncTests : IDisposable
{
    private readonly List<string> _names = [];

    public void Dispose()
    {
        foreach (string name in _names)
        {
            PosixMessageQueue.TryUnlink(name);
        }
    }

    private PosixMessageQueue NewQueue(int maxMessages = 4, int messageSize = 64)
    {
        string name = TestNames.Unique("mq");
        _names.Add(name);
        return PosixMessageQueue.CreateNew(name, new PosixMessageQueueOptions { MaxMessages = maxMessages, MaxMessageSize = messageSize });
    }

    [Fact]
    public async Task ReceiveAsync_completes_when_a_message_arrives_and_SendAsync_when_room_appears()
    {
        using PosixMessageQueue queue = NewQueue(1, 8);
        var buffer = new byte[8];
        ValueTask<PosixMessageInfo> receive = queue.ReceiveAsync(buffer);
        Assert.False(receive.IsCompleted);
        await queue.SendAsync("hi"u8.ToArray(), 4);
        PosixMessageInfo info = await receive.AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(new PosixMessageInfo(2, 4), info);

        await queue.SendAsync("1"u8.ToArray());
        ValueTask send = queue.SendAsync("2"u8.ToArray());
        Assert.False(send.IsCompleted);
        Assert.True(queue.TryReceive(buffer, out _));
        await send.AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(queue.TryReceive(buffer, out PosixMessageInfo second));
        Assert.Equal((byte)'2', buffer[0]);
        Assert.Equal(1, second.Length);
    }

    [Fact]
    public async Task Cancelling_a_pending_receive_completes_it_and_leaves_the_message_for_the_next()
    {
        using PosixMessageQueue queue = NewQueue();
        using var cancel = new CancellationTokenSource();
        Task<PosixMessageInfo> pending = queue.ReceiveAsync(new byte[64], cancel.Token).AsTask();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending.WaitAsync(TimeSpan.FromSeconds(30)));

        queue.Send("kept"u8);
        Assert.Equal(1, queue.Stat().CurrentMessages);
        PosixMessageInfo info = await queue.ReceiveAsync(new byte[64]).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(4, info.Length);
    }

    [Fact]
    public async Task A_thousand_pending_receives_hold_no_threads_and_all_complete()
    {
        using PosixMessageQueue queue = NewQueue(10, 8);
        int threadsBefore = Process.GetCurrentProcess().Threads.Count;
        var pending = new Task<PosixMessageInfo>[1000];
        for (int i = 0; i < pending.Length; i++)
        {
            pending[i] = queue.ReceiveAsync(new byte[8]).AsTask();
        }

        int threadsWaiting = Process.GetCurrentProcess().Threads.Count;
        Assert.True(threadsWaiting - threadsBefore < 50, $"{threadsWaiting - threadsBefore} threads were added for 1000 waits");
        Assert.All(pending, t => Assert.False(t.IsCompleted));

        // The count above rules out a thread per wait; these rule out waits parked on the thread pool (which grows too
        // slowly for a thread count taken at once to see it): the pool holds no queue of work items for them, and no
        // thread of this process sits in mq_timedreceive on the queue.
        Assert.True(ThreadPool.PendingWorkItemCount < 100, $"{ThreadPool.PendingWorkItemCount} work items wait in the thread pool behind 1000 receives");
        int fd = (int)queue.Handle.DangerousGetHandle();
        Assert.Empty(ThreadCensus.BlockedIn("mq_timedreceive", d => d == (ulong)fd));

        for (int i = 0; i < pending.Length; i++)
        {
            await queue.SendAsync(new[] { (byte)(i % 256) });
        }

        PosixMessageInfo[] results = await Task.WhenAll(pending).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.All(results, r => Assert.Equal(1, r.Length));
        Assert.Equal(0, queue.Stat().CurrentMessages);
    }

    [Fact]
    public async Task Disposing_the_queue_ends_pending_waits()
    {
        PosixMessageQueue queue = NewQueue();
        ValueTask<bool> wait = queue.WaitToReceiveAsync();
        Task<PosixMessageInfo> receive = queue.ReceiveAsync(new byte[64]).AsTask();
        queue.Dispose();
        Assert.False(await wait.AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => receive.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Blocking_receive_with_a_token_is_cancelled_promptly()
    {
        using PosixMessageQueue queue = NewQueue();
        using var cancel = new CancellationTokenSource();
        Task<PosixMessageInfo> blocked = await ThreadProbe.StartBlockedAsync(() => queue.Receive(new byte[64], cancel.Token)); // in mq_timedreceive
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => blocked.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task ReceiveAllAsync_yields_messages_in_priority_order_until_cancelled()
    {
        using PosixMessageQueue queue = NewQueue();
        queue.Send("low"u8, 1);
        queue.Send("high"u8, 9);
        using var cancel = new CancellationTokenSource();
        var seen = new List<string>();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (PosixMessage message in queue.ReceiveAllAsync(cancel.Token))
            {
                seen.Add($"{Encoding.UTF8.GetString(message.Data.Span)}{message.Priority}");
                if (seen.Count == 2)
                {
                    await cancel.CancelAsync();
                }
            }
        });
        Assert.Equal(new[] { "high9", "low1" }, seen);
    }

    [Fact]
    public async Task Channel_adapters_carry_messages_and_priorities()
    {
        using PosixMessageQueue queue = NewQueue();
        ChannelWriter<PosixMessage> writer = queue.AsChannelWriter();
        ChannelReader<PosixMessage> reader = queue.AsChannelReader();
        await writer.WriteAsync(new PosixMessage("a"u8.ToArray(), 2));
        await writer.WriteAsync(new PosixMessage("b"u8.ToArray(), 7));
        PosixMessage first = await reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(7, first.Priority);
        Assert.Equal("b"u8.ToArray(), first.Data.ToArray());
        Assert.True(reader.TryRead(out PosixMessage second));
        Assert.Equal(2, second.Priority);
        Assert.False(reader.TryRead(out _));
    }

    [Fact]
    [Trait("conformance", "MQ-26")]
    [Trait("conformance", "MQ-27")]
    public async Task Notification_fires_once_when_a_message_arrives_on_an_empty_queue()
    {
        using PosixMessageQueue queue = NewQueue();
        int fired = 0;
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (queue.NotifyWhenNonEmpty(() => { Interlocked.Increment(ref fired); first.TrySetResult(); }))
        {
            queue.Send("1"u8);
            await first.Task.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(queue.TryReceive(new byte[64], out _)); // empty again, so the next send is one that would notify...
            queue.Send("2"u8); // ...but the registration was used up (one-shot): this must not fire again
        }

        // Register again: the queue is not empty, so a further send does not fire (MQ-26)...
        var second = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (queue.NotifyWhenNonEmpty(() => second.TrySetResult()))
        {
            queue.Send("3"u8);
            var buffer = new byte[64];
            while (queue.TryReceive(buffer, out _))
            {
            }

            // ...but the next message into the now-empty queue does.
            queue.Send("4"u8);
            await second.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }

        Assert.Equal(1, Volatile.Read(ref fired));
    }

    [Fact]
    [Trait("conformance", "MQ-28")]
    [Trait("conformance", "MQ-29")]
    public void One_registration_per_queue_EBUSY_and_cancel_or_close_frees_it()
    {
        using PosixMessageQueue queue = NewQueue();
        using var other = PosixMessageQueue.OpenExisting(queue.Name);
        IDisposable registration = queue.NotifyWhenNonEmpty(() => { });
        UnixIpcException busy = Assert.Throws<UnixIpcException>(() => other.NotifyWhenNonEmpty(() => { }));
        Assert.Equal(Errno.EBUSY, busy.Error);
        Assert.Contains("one", busy.Hint, StringComparison.Ordinal);

        registration.Dispose();
        registration.Dispose();
        using (other.NotifyWhenNonEmpty(() => { }))
        {
        }

        // Closing the registering descriptor frees it too.
        PosixMessageQueue closing = PosixMessageQueue.OpenExisting(queue.Name);
        closing.NotifyWhenNonEmpty(() => { });
        closing.Dispose();
        using (queue.NotifyWhenNonEmpty(() => { }))
        {
        }
    }

    [Fact]
    [Trait("conformance", "MQ-30")]
    public async Task A_receiver_blocked_in_the_kernel_takes_the_message_and_no_notification_fires()
    {
        using PosixMessageQueue queue = NewQueue();
        var notified = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using IDisposable registration = queue.NotifyWhenNonEmpty(() => notified.TrySetResult());
        Task<PosixMessageInfo> blocked = await ThreadProbe.StartBlockedAsync(() => queue.Receive(new byte[64]));
        queue.Send("direct"u8);
        Assert.Equal(6, (await blocked.WaitAsync(TimeSpan.FromSeconds(30))).Length);

        // The registration is still in place (it did not fire): registering again from elsewhere is EBUSY.
        using var other = PosixMessageQueue.OpenExisting(queue.Name);
        Assert.Equal(Errno.EBUSY, Assert.Throws<UnixIpcException>(() => other.NotifyWhenNonEmpty(() => { })).Error);
        Assert.False(notified.Task.IsCompleted);
    }

    [Fact]
    [Trait("conformance", "MQ-31")]
    public unsafe void An_unknown_notify_kind_or_bad_signal_is_EINVAL()
    {
        using PosixMessageQueue queue = NewQueue();
        var unknown = new Interop.sigevent { sigev_notify = 99 };
        Assert.Equal(-1, Interop.MqNotify(queue.Handle, &unknown));
        Assert.Equal(Errno.EINVAL, Interop.LastErrno);
        var badSignal = new Interop.sigevent { sigev_notify = Interop.SIGEV_SIGNAL, sigev_signo = 999 };
        Assert.Equal(-1, Interop.MqNotify(queue.Handle, &badSignal));
        Assert.Equal(Errno.EINVAL, Interop.LastErrno);
    }

    [Fact]
    public async Task WhenNonEmptyAsync_completes_at_once_for_a_non_empty_queue_and_on_arrival_otherwise()
    {
        using PosixMessageQueue queue = NewQueue();
        Task waiting = queue.WhenNonEmptyAsync();
        Assert.False(waiting.IsCompleted);
        queue.Send("x"u8);
        await waiting.WaitAsync(TimeSpan.FromSeconds(30));
        await queue.WhenNonEmptyAsync().WaitAsync(TimeSpan.FromSeconds(30));

        using var cancel = new CancellationTokenSource();
        Assert.True(queue.TryReceive(new byte[64], out _));
        Task cancelled = queue.WhenNonEmptyAsync(cancel.Token);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        using (queue.NotifyWhenNonEmpty(() => { }))
        {
            // the cancelled wait released its registration
        }
    }

    [Fact]
    [Trait("conformance", "MQ-32")]
    public void The_descriptor_is_close_on_exec()
    {
        using PosixMessageQueue queue = NewQueue();
        Assert.Equal(TestNative.FD_CLOEXEC, TestNative.Fcntl(queue.Handle.Fd, TestNative.F_GETFD, 0) & TestNative.FD_CLOEXEC);
    }
}

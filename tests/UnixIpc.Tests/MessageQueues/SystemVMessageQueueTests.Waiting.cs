using System.Diagnostics;
using System.Text;
using System.Threading.Channels;

namespace UnixIpc.Tests;

/// <summary>System V message queues: timed, blocking, cancelled and async waits, and the channel adapters.</summary>
public sealed partial class SystemVMessageQueueTests
{
    [Fact]
    public void Timed_receive_and_send_give_up_on_time()
    {
        using var scope = new SystemVQueueScope();
        SystemVMessageQueue queue = scope.Queue;
        var clock = Stopwatch.StartNew();
        Assert.False(queue.TryReceive(new byte[8], TimeSpan.FromMilliseconds(200), out _));
        TimeoutAssert.GaveUpOnTime(clock.Elapsed, TimeSpan.FromMilliseconds(200));

        queue.SetMaxBytes(1);
        Assert.True(queue.TrySend(1, "x"u8));
        clock.Restart();
        Assert.False(queue.TrySend(1, "y"u8, TimeSpan.FromMilliseconds(200)));
        TimeoutAssert.GaveUpOnTime(clock.Elapsed, TimeSpan.FromMilliseconds(200));
        Assert.Equal(1, queue.Stat().MessageCount);
        Assert.False(queue.TryReceive(new byte[8], MessageSelector.Type(2), truncate: false, TimeSpan.Zero, out _));
    }

    [Fact]
    public async Task A_blocking_receive_is_cancelled_promptly_through_its_token_and_leaves_messages()
    {
        using var scope = new SystemVQueueScope();
        SystemVMessageQueue queue = scope.Queue;
        using var cancel = new CancellationTokenSource();
        Task<SystemVMessageInfo> blocked = await ThreadProbe.StartBlockedAsync(() => queue.Receive(new byte[8], MessageSelector.Type(2), cancellationToken: cancel.Token));
        queue.Send(1, "other"u8);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => blocked.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(1, queue.Stat().MessageCount);
    }

    [Fact]
    public async Task ReceiveAsync_and_SendAsync_wait_on_waiter_threads_not_the_thread_pool()
    {
        using var scope = new SystemVQueueScope();
        SystemVMessageQueue queue = scope.Queue;
        var pending = Enumerable.Range(1, 20).Select(i => queue.ReceiveAsync(new byte[8], MessageSelector.Type(i)).AsTask()).ToArray();

        // msgrcv has no descriptor to poll: each pending receive blocks one of the library's waiter threads. Checked on
        // the design itself (a thread count taken at once cannot see a design that parks waits on the slowly growing
        // pool): all 20 are seen in msgrcv on this queue's id, each on a thread named "UnixIpc waiter".
        IReadOnlyList<ThreadCensus.BlockedThread> blocked = await ThreadCensus.WaitForBlockedAsync("msgrcv", id => id == (ulong)queue.Id, 20);
        Assert.All(blocked, t => Assert.Equal("UnixIpc waiter", t.Name));
        Assert.All(pending, t => Assert.False(t.IsCompleted));

        for (int i = 20; i >= 1; i--)
        {
            await queue.SendAsync(i, new[] { (byte)i });
        }

        SystemVMessageInfo[] results = await Task.WhenAll(pending).WaitAsync(TimeSpan.FromSeconds(30));
        for (int i = 0; i < 20; i++)
        {
            Assert.Equal(i + 1, results[i].Type);
        }
    }

    [Fact]
    public async Task Cancelling_async_receives_ends_them_and_removal_wakes_the_rest_with_a_distinct_error()
    {
        using var scope = new SystemVQueueScope();
        SystemVMessageQueue queue = scope.Queue;
        using var cancel = new CancellationTokenSource();
        Task<SystemVMessageInfo> cancelled = queue.ReceiveAsync(new byte[8], cancellationToken: cancel.Token).AsTask();
        Task<SystemVMessageInfo> removed = queue.ReceiveAsync(new byte[8]).AsTask();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.False(removed.IsCompleted);

        queue.Remove();
        IpcObjectRemovedException e = await Assert.ThrowsAsync<IpcObjectRemovedException>(() => removed.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(Errno.EIDRM, e.Error);
        Assert.Equal("msgrcv", e.Operation);
    }

    [Fact]
    public async Task ReceiveAllAsync_yields_matching_messages()
    {
        using var scope = new SystemVQueueScope();
        SystemVMessageQueue queue = scope.Queue;
        queue.Send(1, "a"u8);
        queue.Send(2, "b"u8);
        queue.Send(1, "c"u8);
        using var cancel = new CancellationTokenSource();
        var seen = new List<string>();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (SystemVMessage message in queue.ReceiveAllAsync(MessageSelector.Type(1), cancellationToken: cancel.Token))
            {
                seen.Add(Encoding.UTF8.GetString(message.Data.Span));
                if (seen.Count == 2)
                {
                    await cancel.CancelAsync();
                }
            }
        });
        Assert.Equal(new[] { "a", "c" }, seen);
        Assert.Equal(1, queue.Stat().MessageCount);
    }

    [Fact]
    public async Task WaitToReceiveAsync_completes_when_a_matching_message_arrives_and_takes_nothing()
    {
        using var scope = new SystemVQueueScope();
        SystemVMessageQueue queue = scope.Queue;
        Task<bool> waiting = queue.WaitToReceiveAsync(MessageSelector.Type(2)).AsTask();
        Assert.False(waiting.IsCompleted);
        queue.Send(1, "other"u8);
        queue.Send(2, "mine"u8);
        Assert.True(await waiting.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(await queue.WaitToReceiveAsync(MessageSelector.Type(2)));   // there now: at once
        Assert.Equal(2, queue.Stat().MessageCount);                            // nothing was taken
        Assert.Equal("1:other", Take(queue));
        Assert.Equal("2:mine", Take(queue));

        using var cancel = new CancellationTokenSource();
        Task<bool> cancelled = queue.WaitToReceiveAsync(cancellationToken: cancel.Token).AsTask();
        Task<bool> removed = queue.WaitToReceiveAsync().AsTask();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.False(removed.IsCompleted);
        queue.Remove();
        Assert.False(await removed.WaitAsync(TimeSpan.FromSeconds(30)));      // removed while waiting: EIDRM
        Assert.False(await queue.WaitToReceiveAsync());                       // already gone: EINVAL
        Assert.Throws<ArgumentException>(() => { _ = queue.WaitToReceiveAsync(MessageSelector.CopyAt(0)).AsTask(); });
    }

    [Fact]
    public async Task WaitToReceiveAsync_puts_back_an_empty_message_it_had_to_take()
    {
        using var scope = new SystemVQueueScope();
        SystemVMessageQueue queue = scope.Queue;
        queue.Send(3, ReadOnlySpan<byte>.Empty);
        Assert.True(await queue.WaitToReceiveAsync());
        Assert.Equal(1, queue.Stat().MessageCount);
        Assert.True(queue.TryReceive(new byte[8], out SystemVMessageInfo info));
        Assert.Equal(new SystemVMessageInfo(3, 0), info);
    }

    [Fact]
    public async Task The_channel_adapters_carry_typed_messages_in_order_and_the_reader_completes_on_removal()
    {
        using var scope = new SystemVQueueScope();
        SystemVMessageQueue queue = scope.Queue;
        ChannelWriter<SystemVMessage> writer = queue.AsChannelWriter();
        ChannelReader<SystemVMessage> reader = queue.AsChannelReader(maxSize: 64);
        ChannelReader<SystemVMessage> odd = queue.AsChannelReader(MessageSelector.Type(9), maxSize: 64);

        Task<bool> waiting = reader.WaitToReadAsync().AsTask();
        Assert.True(writer.TryWrite(new SystemVMessage(1, "first"u8.ToArray())));
        Assert.True(await waiting.WaitAsync(TimeSpan.FromSeconds(30)));       // the wait took "first" into the reader
        await writer.WriteAsync(new SystemVMessage(2, ReadOnlyMemory<byte>.Empty));
        await writer.WriteAsync(new SystemVMessage(9, "nine"u8.ToArray()));
        await writer.WriteAsync(new SystemVMessage(3, "third"u8.ToArray()));

        Assert.Equal("nine", Encoding.UTF8.GetString((await odd.ReadAsync()).Data.Span));
        var seen = new List<string>();
        for (int i = 0; i < 3; i++)
        {
            SystemVMessage message = await reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            seen.Add($"{message.Type}:{Encoding.UTF8.GetString(message.Data.Span)}");
        }

        Assert.Equal(new[] { "1:first", "2:", "3:third" }, seen);
        Assert.False(reader.TryRead(out _));

        Task<bool> ending = reader.WaitToReadAsync().AsTask();
        Assert.False(ending.IsCompleted);
        queue.Remove();
        Assert.False(await ending.WaitAsync(TimeSpan.FromSeconds(30)));
        await reader.Completion.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(await writer.WaitToWriteAsync());
    }

    [Fact]
    public async Task The_channel_writer_waits_for_room_and_sends_when_a_receiver_makes_it()
    {
        using var scope = new SystemVQueueScope();
        SystemVMessageQueue queue = scope.Queue;
        queue.SetMaxBytes(4);
        ChannelWriter<SystemVMessage> writer = queue.AsChannelWriter();
        Assert.True(await writer.WaitToWriteAsync());
        await writer.WriteAsync(new SystemVMessage(1, "full"u8.ToArray()));
        Assert.False(writer.TryWrite(new SystemVMessage(1, "more"u8.ToArray())));

        Task<bool> room = writer.WaitToWriteAsync().AsTask();
        Assert.False(room.IsCompleted);
        Assert.Equal("1:full", Take(queue));
        Assert.True(await room.WaitAsync(TimeSpan.FromSeconds(30)));

        queue.Send(1, "full"u8);
        Task sending = writer.WriteAsync(new SystemVMessage(2, "more"u8.ToArray())).AsTask();
        Assert.False(sending.IsCompleted);
        Assert.Equal("1:full", Take(queue));
        await sending.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("2:more", Take(queue));

        using var cancel = new CancellationTokenSource();
        queue.Send(1, "full"u8);
        Task<bool> cancelled = writer.WaitToWriteAsync(cancel.Token).AsTask();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void SendAsync_ReceiveAsync_and_WaitToReceiveAsync_that_complete_at_once_allocate_nothing()
    {
        using var scope = new SystemVQueueScope();
        byte[] message = new byte[32], buffer = new byte[64];
        const int Calls = 1000;
        long allocated = Allocations.Over(Calls, () =>
        {
            ValueTask sent = scope.Queue.SendAsync(5, message);
            Assert.True(sent.IsCompletedSuccessfully);
            sent.GetAwaiter().GetResult();
            ValueTask<bool> waiting = scope.Queue.WaitToReceiveAsync();
            Assert.True(waiting.IsCompletedSuccessfully && waiting.Result);
            ValueTask<SystemVMessageInfo> received = scope.Queue.ReceiveAsync(buffer);
            Assert.True(received.IsCompletedSuccessfully && received.Result.Type == 5);
        });

        // Less than a byte per call: any object allocated each time would be 24 bytes or more.
        Assert.True(allocated < Calls, $"{allocated} bytes allocated over {Calls} calls");
    }
}

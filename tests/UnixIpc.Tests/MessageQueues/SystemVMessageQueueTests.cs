using System.Diagnostics;
using System.Text;
using System.Threading.Channels;

namespace UnixIpc.Tests;

/// <summary>System V message queue behaviours (CONFORMANCE.md §4) through the library.</summary>
public sealed class SystemVMessageQueueTests
{
    private static string Text(byte[] buffer, SystemVMessageInfo info) => $"{info.Type}:{Encoding.UTF8.GetString(buffer, 0, info.Length)}";

    private static string Take(SystemVMessageQueue queue, MessageSelector selector = default)
    {
        var buffer = new byte[256];
        Assert.True(queue.TryReceive(buffer, out SystemVMessageInfo info, selector));
        return Text(buffer, info);
    }

    [Fact]
    [Trait("conformance", "SVMSG-02")]
    public void Get_EEXIST_ENOENT_and_the_same_id_for_the_same_key()
    {
        string file = TestNames.KeyFile();
        IpcKey key = IpcKey.FromPath(file, 1);
        try
        {
            Assert.Equal(Errno.ENOENT, Assert.Throws<UnixIpcException>(() => SystemVMessageQueue.OpenExisting(key)).Error);
            Assert.False(SystemVMessageQueue.TryOpenExisting(key, out _));
            SystemVMessageQueue queue = SystemVMessageQueue.CreateNew(key);
            UnixIpcException exists = Assert.Throws<UnixIpcException>(() => SystemVMessageQueue.CreateNew(key));
            Assert.Equal(Errno.EEXIST, exists.Error);
            Assert.Equal("msgget", exists.Operation);
            Assert.Equal(queue.Id, SystemVMessageQueue.CreateOrOpen(key).Id);
            Assert.Equal(queue.Id, SystemVMessageQueue.OpenExisting(key).Id);
            Assert.True(SystemVMessageQueue.TryOpenExisting(key, out SystemVMessageQueue? found));
            Assert.Equal(queue.Id, found!.Id);
            Assert.Equal(key, SystemVMessageQueue.FromId(queue.Id).Key);
            queue.Remove();
        }
        finally
        {
            if (SystemVMessageQueue.TryOpenExisting(key, out SystemVMessageQueue? left))
            {
                left.Remove();
            }

            File.Delete(file);
        }
    }

    [Fact]
    [Trait("conformance", "SVMSG-04")]
    public void Selection_by_type_zero_positive_and_negative()
    {
        using var scope = new SystemVQueueScope();
        SystemVMessageQueue queue = scope.Queue;
        foreach (long type in new long[] { 4, 3, 2, 1 })
        {
            queue.Send(type, Encoding.UTF8.GetBytes($"t{type}"));
        }

        Assert.Equal("1:t1", Take(queue, MessageSelector.LowestUpTo(2))); // the lowest type <= 2, not 2
        Assert.Equal("3:t3", Take(queue, MessageSelector.Type(3)));
        Assert.Equal("4:t4", Take(queue, MessageSelector.Any));
        Assert.Equal("2:t2", Take(queue));
    }

    [Fact]
    [Trait("conformance", "SVMSG-05")]
    [Trait("conformance", "SVMSG-19")]
    public void Except_skips_a_type_and_typed_receives_leave_the_others_in_fifo_order()
    {
        using var scope = new SystemVQueueScope();
        SystemVMessageQueue queue = scope.Queue;
        queue.Send(5, "a"u8);
        queue.Send(7, "b"u8);
        queue.Send(5, "c"u8);
        queue.Send(9, "d"u8);
        Assert.Equal("7:b", Take(queue, MessageSelector.Except(5)));
        Assert.Equal("9:d", Take(queue, MessageSelector.Type(9)));
        Assert.Equal("5:a", Take(queue));
        Assert.Equal("5:c", Take(queue));
        Assert.Equal("any", MessageSelector.Any.ToString());
        Assert.Equal("except 5", MessageSelector.Except(5).ToString());
        Assert.Equal("lowest up to 2", MessageSelector.LowestUpTo(2).ToString());
    }

    [Fact]
    [Trait("conformance", "SVMSG-06")]
    public void Nothing_of_the_type_asked_for_returns_false_without_waiting()
    {
        using var scope = new SystemVQueueScope();
        SystemVMessageQueue queue = scope.Queue;
        var buffer = new byte[16];
        Assert.False(queue.TryReceive(buffer, out _));
        queue.Send(3, "three"u8);
        Assert.False(queue.TryReceive(buffer, out _, MessageSelector.Type(2)));
        Assert.Equal(1, queue.Stat().MessageCount);
    }

    [Fact]
    [Trait("conformance", "SVMSG-07")]
    public void A_message_longer_than_the_buffer_fails_with_E2BIG_and_stays_unless_truncation_is_asked()
    {
        using var scope = new SystemVQueueScope();
        SystemVMessageQueue queue = scope.Queue;
        queue.Send(1, "0123456789"u8);
        var small = new byte[4];
        UnixIpcException e = Assert.Throws<UnixIpcException>(() => queue.TryReceive(small, out _));
        Assert.Equal(Errno.E2BIG, e.Error);
        Assert.Contains("msgmax", e.Hint, StringComparison.Ordinal);
        Assert.Equal(1, queue.Stat().MessageCount);

        Assert.True(queue.TryReceive(small, out SystemVMessageInfo info, truncate: true));
        Assert.Equal(new SystemVMessageInfo(1, 4), info);
        Assert.Equal("0123"u8.ToArray(), small);
        Assert.Equal(0, queue.Stat().MessageCount);
    }

    [Fact]
    [Trait("conformance", "SVMSG-08")]
    public unsafe void Bad_types_sizes_and_ids_are_refused()
    {
        using var scope = new SystemVQueueScope();
        SystemVMessageQueue queue = scope.Queue;
        Assert.Throws<ArgumentOutOfRangeException>(() => queue.TrySend(0, "x"u8));
        Assert.Throws<ArgumentOutOfRangeException>(() => queue.TrySend(-1, "x"u8));
        Assert.Throws<ArgumentOutOfRangeException>(() => MessageSelector.Type(0));

        long* message = stackalloc long[2];
        message[0] = 0;
        Assert.Equal(-1, Interop.MsgSnd(queue.Id, message, 1, Interop.IPC_NOWAIT));
        Assert.Equal(Errno.EINVAL, Interop.LastErrno);

        int tooBig = SystemVMessageQueueLimits.MaxMessageSize + 1;
        UnixIpcException big = Assert.Throws<UnixIpcException>(() => queue.TrySend(1, new byte[tooBig]));
        Assert.Equal(Errno.EINVAL, big.Error);
        Assert.Contains("msgmax", big.Hint, StringComparison.Ordinal);

        queue.Remove();
        Assert.Equal(Errno.EINVAL, Assert.Throws<UnixIpcException>(() => queue.TrySend(1, "x"u8)).Error);
    }

    [Fact]
    [Trait("conformance", "SVMSG-09")]
    public void Empty_messages_NULs_and_UTF8_come_back_unchanged()
    {
        using var scope = new SystemVQueueScope();
        SystemVMessageQueue queue = scope.Queue;
        byte[] utf8 = Encoding.UTF8.GetBytes("Grüße, 世界\0!");
        queue.Send(1, ReadOnlySpan<byte>.Empty);
        queue.Send(2, utf8);
        var buffer = new byte[64];
        Assert.True(queue.TryReceive(buffer, out SystemVMessageInfo empty));
        Assert.Equal(new SystemVMessageInfo(1, 0), empty);
        Assert.True(queue.TryReceive(buffer, out SystemVMessageInfo info));
        Assert.Equal(utf8, buffer[..info.Length]);
    }

    [Fact]
    [Trait("conformance", "SVMSG-10")]
    [Trait("conformance", "SVMSG-15")]
    public void A_full_queue_refuses_a_nonblocking_send_and_the_byte_limit_can_be_lowered()
    {
        using var scope = new SystemVQueueScope();
        SystemVMessageQueue queue = scope.Queue;
        DateTimeOffset before = queue.Stat().ChangeTime;
        queue.SetMaxBytes(10);
        SystemVMessageQueueStatus status = queue.Stat();
        Assert.Equal(10, status.MaxBytes);
        // ctime has one-second resolution: that IPC_SET moved it cannot be seen without waiting a second; what can
        // fail is its decoding (a wrong offset or unit gives a time nowhere near now).
        Assert.InRange(status.ChangeTime, before, DateTimeOffset.UtcNow.AddSeconds(2));
        Assert.InRange(before, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddSeconds(2));

        Assert.True(queue.TrySend(1, "12345678"u8));
        Assert.False(queue.TrySend(1, "123"u8));   // 11 bytes would exceed 10
        Assert.True(queue.TrySend(1, "12"u8));     // exactly 10
        Assert.Equal(2, queue.Stat().MessageCount);
        Assert.Equal(10, queue.Stat().Bytes);

        // The message count is capped by the byte limit too: with a limit of 2, two empty messages fill it.
        using var countScope = new SystemVQueueScope();
        countScope.Queue.SetMaxBytes(2);
        Assert.True(countScope.Queue.TrySend(1, ReadOnlySpan<byte>.Empty));
        Assert.True(countScope.Queue.TrySend(1, ReadOnlySpan<byte>.Empty));
        Assert.False(countScope.Queue.TrySend(1, ReadOnlySpan<byte>.Empty));
    }

    [Fact]
    [Trait("conformance", "SVMSG-13")]
    [Trait("conformance", "SIG-08")]
    public async Task A_blocked_receive_survives_the_signals_of_starting_and_reaping_a_child()
    {
        using var scope = new SystemVQueueScope();
        SystemVMessageQueue queue = scope.Queue;
        Task<SystemVMessageInfo> blocked = await ThreadProbe.StartBlockedAsync(() => queue.Receive(new byte[16]));
        ProcessRunner.Result child = await ProcessRunner.RunAsync("/bin/true", []);
        Assert.Equal(0, child.ExitCode);
        await ThreadProbe.InterruptAsync(blocked); // EINTR on this very thread, three times
        Assert.False(blocked.IsCompleted, "msgrcv returned after a signal instead of retrying");
        queue.Send(8, "late"u8);
        Assert.Equal(new SystemVMessageInfo(8, 4), await blocked.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    [Trait("conformance", "SVMSG-14")]
    public void Stat_of_a_fresh_queue_and_after_a_send_and_a_receive()
    {
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        using var scope = new SystemVQueueScope(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        SystemVMessageQueue queue = scope.Queue;
        SystemVMessageQueueStatus fresh = queue.Stat();
        Assert.Equal(0, fresh.MessageCount);
        Assert.Null(fresh.LastSendTime);
        Assert.Null(fresh.LastReceiveTime);
        Assert.Equal(0, fresh.LastSendProcessId);
        Assert.Equal(0, fresh.LastReceiveProcessId);
        Assert.InRange(fresh.ChangeTime.ToUnixTimeSeconds(), now - 1, now + 60);
        Assert.Equal(SystemVMessageQueueLimits.DefaultMaxBytes, fresh.MaxBytes);
        Assert.True(fresh.Key.IsPrivate);
        Assert.Equal((int)TestNative.GetEuid(), fresh.OwnerUserId);
        Assert.Equal((int)TestNative.GetEuid(), fresh.CreatorUserId);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, fresh.Mode);

        queue.Send(1, "12345"u8);
        SystemVMessageQueueStatus sent = queue.Stat();
        Assert.Equal(1, sent.MessageCount);
        Assert.Equal(5, sent.Bytes);
        Assert.Equal(Environment.ProcessId, sent.LastSendProcessId);
        Assert.NotNull(sent.LastSendTime);

        Assert.True(queue.TryReceive(new byte[8], out _));
        SystemVMessageQueueStatus received = queue.Stat();
        Assert.Equal(Environment.ProcessId, received.LastReceiveProcessId);
        Assert.NotNull(received.LastReceiveTime);
    }

    [Fact]
    [Trait("conformance", "SVMSG-16")]
    [Trait("conformance", "SVMSG-17")]
    public unsafe void Remove_is_immediate_then_the_id_is_EINVAL_and_the_key_ENOENT()
    {
        string file = TestNames.KeyFile();
        IpcKey key = IpcKey.FromPath(file, 3);
        try
        {
            SystemVMessageQueue queue = SystemVMessageQueue.CreateNew(key);
            queue.Send(1, "lost"u8);
            Assert.Equal(-1, Interop.MsgCtl(queue.Id, 9999, null));
            Assert.Equal(Errno.EINVAL, Interop.LastErrno);

            queue.Remove();
            Assert.Equal(Errno.EINVAL, Assert.Throws<UnixIpcException>(() => queue.Stat()).Error);
            Assert.Equal(Errno.EINVAL, Assert.Throws<UnixIpcException>(() => queue.SetMaxBytes(5)).Error);
            Assert.Equal(Errno.ENOENT, Assert.Throws<UnixIpcException>(() => SystemVMessageQueue.OpenExisting(key)).Error);
            Assert.Equal(Errno.EINVAL, Assert.Throws<UnixIpcException>(() => SystemVMessageQueue.Remove(queue.Id)).Error);
        }
        finally
        {
            if (SystemVMessageQueue.TryOpenExisting(key, out SystemVMessageQueue? left))
            {
                left.Remove();
            }

            File.Delete(file);
        }
    }

    [SkippableFact]
    [Trait("conformance", "SVMSG-18")]
    public unsafe void CopyAt_copies_by_index_without_removing()
    {
        using var scope = new SystemVQueueScope();
        SystemVMessageQueue queue = scope.Queue;
        queue.Send(1, "zero"u8);
        queue.Send(2, "one"u8);
        var buffer = new byte[16];
        try
        {
            queue.TryReceive(buffer, out _, MessageSelector.CopyAt(0));
        }
        catch (UnixIpcException e) when (e.Error == Errno.ENOSYS)
        {
            Skip.If(true, "this kernel lacks MSG_COPY (CONFIG_CHECKPOINT_RESTORE)");
        }

        Assert.True(queue.TryReceive(buffer, out SystemVMessageInfo second, MessageSelector.CopyAt(1)));
        Assert.Equal(new SystemVMessageInfo(2, 3), second);
        Assert.Equal(2, queue.Stat().MessageCount);
        Assert.False(queue.TryReceive(buffer, out _, MessageSelector.CopyAt(2)));
        Assert.Throws<ArgumentException>(() => queue.Receive(buffer, MessageSelector.CopyAt(0)));

        byte* raw = stackalloc byte[64];
        Assert.Equal(-1, (int)Interop.MsgRcv(queue.Id, raw, 16, 0, Interop.MSG_COPY));
        Assert.Equal(Errno.EINVAL, Interop.LastErrno);
        Assert.Equal(-1, (int)Interop.MsgRcv(queue.Id, raw, 16, 0, Interop.MSG_COPY | Interop.MSG_EXCEPT | Interop.IPC_NOWAIT));
        Assert.Equal(Errno.EINVAL, Interop.LastErrno);
    }

    [Fact]
    public void Timed_receive_and_send_give_up_no_earlier_than_the_timeout()
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
    public void TryRemove_removes_the_queue_once_and_then_answers_false()
    {
        SystemVMessageQueue queue = SystemVMessageQueue.CreateNew(IpcKey.Private);
        Assert.True(queue.TryRemove());
        Assert.False(queue.TryRemove());
        Assert.False(SystemVMessageQueue.TryRemove(queue.Id));
        Assert.Equal(Errno.EINVAL, Assert.Throws<UnixIpcException>(() => queue.Remove()).Error);
    }

    [Fact]
    public void SetPermissions_changes_what_it_is_given_and_keeps_the_rest()
    {
        using var scope = new SystemVQueueScope();
        SystemVMessageQueue queue = scope.Queue;
        SystemVMessageQueueStatus before = queue.Stat();
        queue.SetPermissions(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        SystemVMessageQueueStatus changed = queue.Stat();
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, changed.Mode);
        Assert.Equal(before.OwnerUserId, changed.OwnerUserId);
        Assert.Equal(before.OwnerGroupId, changed.OwnerGroupId);
        Assert.Equal(before.MaxBytes, changed.MaxBytes);

        queue.SetPermissions(ownerUserId: (int)TestNative.GetEuid(), ownerGroupId: (int)TestNative.GetEgid());
        Assert.Equal(changed.Mode, queue.Stat().Mode); // a null mode kept it
        queue.SetMaxBytes(100);
        Assert.Equal(changed.Mode, queue.Stat().Mode);
        Assert.Equal(100, queue.Stat().MaxBytes);
        Assert.Throws<ArgumentOutOfRangeException>(() => queue.SetPermissions(UnixFileMode.UserExecute | (UnixFileMode)0x200));
        Assert.Throws<ArgumentOutOfRangeException>(() => queue.SetPermissions(ownerUserId: -1));
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
}

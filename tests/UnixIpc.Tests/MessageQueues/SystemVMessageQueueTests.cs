using System.Diagnostics;
using System.Text;
using System.Threading.Channels;

namespace UnixIpc.Tests;

/// <summary>System V message queue behaviours (CONFORMANCE.md §4) through the library.</summary>
public sealed partial class SystemVMessageQueueTests
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
}

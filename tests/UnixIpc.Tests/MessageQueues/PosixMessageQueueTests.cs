using System.Diagnostics;
using System.Text;

namespace UnixIpc.Tests;

/// <summary>POSIX message queue behaviours (CONFORMANCE.md §1) through the library.</summary>
public sealed class PosixMessageQueueTests : IDisposable
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

    private static string ReceiveText(PosixMessageQueue queue, out int priority)
    {
        var buffer = new byte[queue.MaxMessageSize];
        Assert.True(queue.TryReceive(buffer, out PosixMessageInfo info));
        priority = info.Priority;
        return Encoding.UTF8.GetString(buffer, 0, info.Length);
    }

    [Fact]
    [Trait("conformance", "MQ-01")]
    public void Highest_priority_first_and_fifo_within_a_priority()
    {
        using PosixMessageQueue queue = NewQueue();
        queue.Send("a"u8, 1);
        queue.Send("b"u8, 3);
        queue.Send("c"u8, 2);
        queue.Send("d"u8, 3);
        var got = new List<string>();
        for (int i = 0; i < 4; i++)
        {
            got.Add($"{ReceiveText(queue, out int priority)}{priority}");
        }

        Assert.Equal(new[] { "b3", "d3", "c2", "a1" }, got);
    }

    [Fact]
    [Trait("conformance", "MQ-02")]
    public void Exact_bytes_with_NULs_and_empty_messages_default_priority_0_and_receive_removes()
    {
        using PosixMessageQueue queue = NewQueue();
        byte[] payload = [0, 1, 0, 255, 0];
        Assert.True(queue.TrySend(payload));
        Assert.True(queue.TrySend(ReadOnlySpan<byte>.Empty));
        var buffer = new byte[64];
        Assert.True(queue.TryReceive(buffer, out PosixMessageInfo first));
        Assert.Equal(new PosixMessageInfo(5, 0), first);
        Assert.Equal(payload, buffer[..5]);
        Assert.True(queue.TryReceive(buffer, out PosixMessageInfo empty));
        Assert.Equal(0, empty.Length);
        Assert.Equal(0, queue.Stat().CurrentMessages);
    }

    [Fact]
    [Trait("conformance", "MQ-05")]
    public void CreateOrOpen_of_an_existing_queue_keeps_its_attributes_and_messages()
    {
        using PosixMessageQueue queue = NewQueue(3, 32);
        queue.Send("kept"u8);
        using PosixMessageQueue again = PosixMessageQueue.CreateOrOpen(queue.Name, new PosixMessageQueueOptions { MaxMessages = 5, MaxMessageSize = 100 });
        Assert.Equal(3, again.MaxMessages);
        Assert.Equal(32, again.MaxMessageSize);
        Assert.Equal(1, again.Stat().CurrentMessages);
    }

    [Fact]
    [Trait("conformance", "MQ-06")]
    public void Stat_is_exact_and_defaults_come_from_proc()
    {
        using PosixMessageQueue queue = NewQueue(3, 100);
        PosixMessageQueueStatus status = queue.Stat();
        Assert.Equal(3, status.MaxMessages);
        Assert.Equal(100, status.MaxMessageSize);

        string name = TestNames.Unique("mq");
        _names.Add(name);
        using var defaults = PosixMessageQueue.CreateNew(name);
        Assert.Equal(Math.Min(PosixMessageQueueLimits.DefaultMaxMessages, PosixMessageQueueLimits.MaxMessagesLimit), defaults.MaxMessages);
        Assert.Equal(PosixMessageQueueLimits.DefaultMaxMessageSize, defaults.MaxMessageSize);
    }

    [Fact]
    [Trait("conformance", "MQ-07")]
    public void Non_positive_sizes_are_rejected_before_the_call_and_the_kernel_agrees()
    {
        var options = new PosixMessageQueueOptions();
        Assert.Throws<ArgumentOutOfRangeException>(() => options.MaxMessages = 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.MaxMessageSize = -56);

        string name = TestNames.Unique("mq");
        unsafe
        {
            var attr = new Interop.mq_attr { mq_maxmsg = -2, mq_msgsize = 64 };
            using SafeMessageQueueHandle handle = Interop.MqOpen(name, Interop.O_RDWR | Interop.O_CREAT | Interop.O_EXCL, 0x180, &attr);
            Assert.True(handle.IsInvalid);
            Assert.Equal(Errno.EINVAL, Interop.LastErrno);
        }
    }

    [SkippableFact]
    [Trait("conformance", "MQ-07")]
    public void Above_msg_max_without_CAP_SYS_RESOURCE_is_EINVAL_with_the_limit_and_how_to_raise_it()
    {
        Skip.If(Capabilities.Has(Capabilities.CAP_SYS_RESOURCE), "CAP_SYS_RESOURCE lifts the msg_max ceiling");
        long max = PosixMessageQueueLimits.MaxMessagesLimit;
        string name = TestNames.Unique("mq");
        _names.Add(name);
        UnixIpcException e = Assert.Throws<UnixIpcException>(() =>
            PosixMessageQueue.CreateNew(name, new PosixMessageQueueOptions { MaxMessages = (int)max + 1, MaxMessageSize = 64 }));
        Assert.Equal(Errno.EINVAL, e.Error);
        Assert.Contains("/proc/sys/fs/mqueue/msg_max", e.Message, StringComparison.Ordinal);
        Assert.Contains($"({max})", e.Message, StringComparison.Ordinal);

        long size = PosixMessageQueueLimits.MaxMessageSizeLimit;
        UnixIpcException e2 = Assert.Throws<UnixIpcException>(() =>
            PosixMessageQueue.CreateNew(name, new PosixMessageQueueOptions { MaxMessages = 1, MaxMessageSize = (int)size + 1 }));
        Assert.Contains("msgsize_max", e2.Message, StringComparison.Ordinal);
        Assert.False(PosixMessageQueue.TryOpenExisting(name, out _));
    }

    [Fact]
    [Trait("conformance", "MQ-08")]
    public void Name_rules_and_what_glibc_does_with_the_raw_names()
    {
        string ok = "/" + TestNames.Prefix + new string('q', 255 - TestNames.Prefix.Length);
        _names.Add(ok);
        using (var queue = PosixMessageQueue.CreateNew(ok, new PosixMessageQueueOptions { MaxMessages = 1, MaxMessageSize = 8 }))
        {
            Assert.Equal(ok, queue.Name);
        }

        Assert.Throws<ArgumentException>(() => PosixMessageQueue.CreateNew(ok + "q"));
        unsafe
        {
            using (SafeMessageQueueHandle h = Interop.MqOpen(ok + "q", Interop.O_RDWR | Interop.O_CREAT, 0x180, null))
            {
                Assert.True(h.IsInvalid);
                Assert.Equal(Errno.ENAMETOOLONG, Interop.LastErrno);
            }

            using (SafeMessageQueueHandle h = Interop.MqOpen("noslash", Interop.O_RDWR, 0, null))
            {
                Assert.True(h.IsInvalid);
                Assert.Equal(Errno.EINVAL, Interop.LastErrno);
            }

            using (SafeMessageQueueHandle h = Interop.MqOpen("/a/b", Interop.O_RDWR | Interop.O_CREAT, 0x180, null))
            {
                Assert.True(h.IsInvalid);
                Assert.Equal(Errno.EACCES, Interop.LastErrno);
            }
        }

        // The library normalises "name" to "/name" instead of refusing it.
        string bare = TestNames.Unique("mq");
        _names.Add(bare);
        using var normalised = PosixMessageQueue.CreateNew(bare.TrimStart('/'), new PosixMessageQueueOptions { MaxMessages = 1, MaxMessageSize = 8 });
        Assert.Equal(bare, normalised.Name);
    }

    [Fact]
    [Trait("conformance", "MQ-09")]
    public void A_receive_only_handle_cannot_send_and_a_send_only_handle_cannot_receive()
    {
        using PosixMessageQueue queue = NewQueue();
        using var reader = PosixMessageQueue.OpenExisting(queue.Name, MessageQueueAccess.Receive);
        using var writer = PosixMessageQueue.OpenExisting(queue.Name, MessageQueueAccess.Send);
        Assert.Throws<NotSupportedException>(() => reader.TrySend("x"u8));
        Assert.Throws<NotSupportedException>(() => writer.TryReceive(new byte[64], out _));

        // The kernel's own answer, which the wrapper stands in for: EBADF.
        unsafe
        {
            byte b = 1;
            Interop.timespec epoch = default;
            Assert.Equal(-1, Interop.MqTimedSend(reader.Handle, &b, 1, 0, &epoch));
            Assert.Equal(Errno.EBADF, Interop.LastErrno);
        }

        Assert.True(writer.TrySend("ok"u8));
        Assert.Equal("ok", ReceiveText(reader, out _));
    }

    [Fact]
    [Trait("conformance", "MQ-10")]
    public void A_message_longer_than_the_size_is_refused_and_nothing_is_queued()
    {
        using PosixMessageQueue queue = NewQueue(4, 16);
        ArgumentException e = Assert.Throws<ArgumentException>(() => queue.TrySend(new byte[17]));
        Assert.Contains("16", e.Message, StringComparison.Ordinal);
        Assert.True(queue.TrySend(new byte[16]));
        Assert.Equal(1, queue.Stat().CurrentMessages);

        unsafe
        {
            byte* big = stackalloc byte[17];
            Interop.timespec epoch = default;
            Assert.Equal(-1, Interop.MqTimedSend(queue.Handle, big, 17, 0, &epoch));
            Assert.Equal(Errno.EMSGSIZE, Interop.LastErrno);
        }

        Assert.Equal(1, queue.Stat().CurrentMessages);
    }

    [Fact]
    [Trait("conformance", "MQ-11")]
    public void A_buffer_shorter_than_the_message_size_is_refused_even_for_short_messages_or_an_empty_queue()
    {
        using PosixMessageQueue queue = NewQueue(4, 64);
        ArgumentException e = Assert.Throws<ArgumentException>(() => queue.TryReceive(new byte[63], out _));
        Assert.Contains("64", e.Message, StringComparison.Ordinal);

        // The kernel: EMSGSIZE at once, even on an empty queue with a long deadline, and nothing removed.
        unsafe
        {
            byte* small = stackalloc byte[63];
            Interop.timespec later = Interop.timespec.RealtimeDeadline(TimeSpan.FromMinutes(5));
            Assert.Equal(-1, Interop.MqTimedReceive(queue.Handle, small, 63, null, &later));
            Assert.Equal(Errno.EMSGSIZE, Interop.LastErrno);
            queue.Send("x"u8);
            Assert.Equal(-1, Interop.MqTimedReceive(queue.Handle, small, 63, null, &later));
            Assert.Equal(Errno.EMSGSIZE, Interop.LastErrno);
        }

        Assert.Equal(1, queue.Stat().CurrentMessages);
    }

    [Fact]
    [Trait("conformance", "MQ-12")]
    public void Priority_32767_is_the_highest_and_32768_is_refused()
    {
        using PosixMessageQueue queue = NewQueue();
        Assert.True(queue.TrySend("top"u8, 32767));
        Assert.Throws<ArgumentOutOfRangeException>(() => queue.TrySend("x"u8, 32768));
        Assert.Throws<ArgumentOutOfRangeException>(() => queue.TrySend("x"u8, -1));
        Assert.Equal("top", ReceiveText(queue, out int priority));
        Assert.Equal(32767, priority);

        unsafe
        {
            byte b = 1;
            Interop.timespec epoch = default;
            Assert.Equal(-1, Interop.MqTimedSend(queue.Handle, &b, 1, 32768, &epoch));
            Assert.Equal(Errno.EINVAL, Interop.LastErrno);
        }

        Assert.Equal(0, queue.Stat().CurrentMessages);
    }

    [Fact]
    [Trait("conformance", "MQ-13")]
    [Trait("conformance", "MQ-14")]
    [Trait("conformance", "MQ-20")]
    public void Try_on_full_and_empty_queues_returns_false_and_curmsgs_follows()
    {
        using PosixMessageQueue queue = NewQueue(2, 8);
        var buffer = new byte[8];
        Assert.False(queue.TryReceive(buffer, out _));
        Assert.Equal(0, queue.Stat().CurrentMessages);
        Assert.True(queue.TrySend("1"u8));
        Assert.Equal(1, queue.Stat().CurrentMessages);
        Assert.True(queue.TrySend("2"u8));
        Assert.False(queue.TrySend("3"u8));
        Assert.Equal(2, queue.Stat().CurrentMessages);

        // The same through O_NONBLOCK, the way C sees it: EAGAIN.
        queue.IsNonBlocking = true;
        Assert.True(queue.Stat().IsNonBlocking);
        Assert.False(queue.TrySend("3"u8));
        unsafe
        {
            byte b = 3;
            Assert.Equal(-1, Interop.MqTimedSend(queue.Handle, &b, 1, 0, null));
            Assert.Equal(Errno.EAGAIN, Interop.LastErrno);
        }

        Assert.True(queue.TryReceive(buffer, out _));
        Assert.True(queue.TryReceive(buffer, out _));
        Assert.False(queue.TryReceive(buffer, out _));
        unsafe
        {
            fixed (byte* p = buffer)
            {
                Assert.Equal(-1, (int)Interop.MqTimedReceive(queue.Handle, p, 8, null, null));
                Assert.Equal(Errno.EAGAIN, Interop.LastErrno);
            }
        }

        queue.IsNonBlocking = false;
        Assert.False(queue.Stat().IsNonBlocking);
    }

    [Fact]
    [Trait("conformance", "MQ-16")]
    public void Timed_receive_and_send_give_up_on_time()
    {
        using PosixMessageQueue queue = NewQueue(1, 8);
        var buffer = new byte[8];
        var clock = Stopwatch.StartNew();
        Assert.False(queue.TryReceive(buffer, TimeSpan.FromMilliseconds(200), out _));
        TimeoutAssert.GaveUpOnTime(clock.Elapsed, TimeSpan.FromMilliseconds(200));

        Assert.True(queue.TrySend("x"u8));
        clock.Restart();
        Assert.False(queue.TrySend("y"u8, 0, TimeSpan.FromMilliseconds(200)));
        TimeoutAssert.GaveUpOnTime(clock.Elapsed, TimeSpan.FromMilliseconds(200));

        // Zero time-out: one attempt.
        Assert.False(queue.TrySend("y"u8, 0, TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => queue.TrySend("y"u8, 0, TimeSpan.FromSeconds(-2)));
    }

    [Fact]
    [Trait("conformance", "MQ-16")]
    [Trait("conformance", "MQ-17")]
    public void A_past_deadline_fails_at_once_when_blocked_and_succeeds_when_it_can_complete()
    {
        using PosixMessageQueue queue = NewQueue(1, 8);
        unsafe
        {
            Interop.timespec past = new() { tv_sec = 1 };
            byte b = 7;
            Assert.Equal(0, Interop.MqTimedSend(queue.Handle, &b, 1, 0, &past));
            Assert.Equal(-1, Interop.MqTimedSend(queue.Handle, &b, 1, 0, &past));
            Assert.Equal(Errno.ETIMEDOUT, Interop.LastErrno);
            byte* buffer = stackalloc byte[8];
            Assert.Equal(1, (int)Interop.MqTimedReceive(queue.Handle, buffer, 8, null, &past));
            Assert.Equal(-1, (int)Interop.MqTimedReceive(queue.Handle, buffer, 8, null, &past));
            Assert.Equal(Errno.ETIMEDOUT, Interop.LastErrno);
        }
    }

    [Fact]
    [Trait("conformance", "MQ-18")]
    public void The_kernel_rejects_an_invalid_timespec_which_the_library_never_builds()
    {
        using PosixMessageQueue queue = NewQueue(1, 8);
        unsafe
        {
            byte* buffer = stackalloc byte[8];
            foreach (Interop.timespec bad in new[] { new Interop.timespec { tv_sec = 1, tv_nsec = -1 }, new Interop.timespec { tv_sec = 1, tv_nsec = 1_000_000_000 }, new Interop.timespec { tv_sec = -1 } })
            {
                Interop.timespec t = bad;
                Assert.Equal(-1, (int)Interop.MqTimedReceive(queue.Handle, buffer, 8, null, &t));
                Assert.Equal(Errno.EINVAL, Interop.LastErrno);
            }
        }

        Interop.timespec made = Interop.timespec.RealtimeDeadline(TimeSpan.FromTicks(TimeSpan.TicksPerSecond - 1));
        Assert.InRange(made.tv_nsec, 0, 999_999_999);
        Assert.InRange(Interop.timespec.RealtimeDeadline(TimeSpan.FromSeconds(-5)).tv_nsec, 0, 999_999_999);
    }

    [Fact]
    [Trait("conformance", "MQ-19")]
    [Trait("conformance", "SIG-08")]
    public async Task A_blocked_receive_survives_signals_from_starting_and_reaping_a_child()
    {
        using PosixMessageQueue queue = NewQueue(1, 8);
        Task<PosixMessageInfo> blocked = await ThreadProbe.StartBlockedAsync(() => queue.Receive(new byte[8]));
        ProcessRunner.Result child = await ProcessRunner.RunAsync("/bin/true", []); // SIGCHLD arrives here
        Assert.Equal(0, child.ExitCode);
        await ThreadProbe.InterruptAsync(blocked); // EINTR on this very thread, three times
        Assert.False(blocked.IsCompleted);
        queue.Send("w"u8);
        Assert.Equal(1, (await blocked.WaitAsync(TimeSpan.FromSeconds(30))).Length);
    }

    [Fact]
    [Trait("conformance", "MQ-21")]
    public unsafe void Setattr_changes_only_the_nonblocking_flag_and_returns_the_old_attributes()
    {
        using PosixMessageQueue queue = NewQueue(3, 16);
        queue.Send("x"u8);
        var change = new Interop.mq_attr { mq_flags = Interop.O_NONBLOCK, mq_maxmsg = 99, mq_msgsize = 99, mq_curmsgs = 99 };
        Interop.mq_attr old;
        Assert.Equal(0, Interop.MqSetAttr(queue.Handle, &change, &old));
        Assert.Equal(0, old.mq_flags);
        Assert.Equal(3, old.mq_maxmsg);
        Assert.Equal(1, old.mq_curmsgs);
        PosixMessageQueueStatus now = queue.Stat();
        Assert.Equal(new PosixMessageQueueStatus(3, 16, 1, true), now);

        var bad = new Interop.mq_attr { mq_flags = Interop.O_NONBLOCK | Interop.O_CREAT };
        Assert.Equal(-1, Interop.MqSetAttr(queue.Handle, &bad, null));
        Assert.Equal(Errno.EINVAL, Interop.LastErrno);
    }

    [Fact]
    [Trait("conformance", "MQ-22")]
    public unsafe void A_closed_handle_throws_ObjectDisposedException_and_the_kernel_says_EBADF()
    {
        PosixMessageQueue queue = NewQueue();
        string name = queue.Name;
        queue.Dispose();
        queue.Dispose();
        Assert.Throws<ObjectDisposedException>(() => queue.TrySend("x"u8));
        Assert.Throws<ObjectDisposedException>(() => queue.TryReceive(new byte[64], out _));
        Assert.Throws<ObjectDisposedException>(() => queue.Stat());

        // The disposed queue's descriptor number is free now, so another test's thread may be given it at any
        // moment: closing it again by number would close that file (it once closed glibc's mq_notify netlink
        // socket, and every SIGEV_THREAD notification in the test process failed with ENOTSOCK after). So the
        // second close is shown on a descriptor moved far above the lowest free number, where nobody else is
        // given one: closed once, then EBADF.
        using PosixMessageQueue open = PosixMessageQueue.OpenExisting(name);
        int floor = TestNative.OpenFilesLimit() - 64;
        int high = TestNative.Fcntl(open.Handle.Fd, TestNative.F_DUPFD_CLOEXEC, floor);
        Assert.True(high >= floor, $"F_DUPFD_CLOEXEC above {floor} failed: {Interop.LastErrno}");
        Assert.Equal(0, Interop.MqClose(high));
        Assert.Equal(-1, Interop.MqClose(high));
        Assert.Equal(Errno.EBADF, Interop.LastErrno);

        // A descriptor that is not a queue.
        using SafeFdHandle directory = Interop.Open("/", Interop.O_RDONLY | Interop.O_CLOEXEC, 0);
        using SafeMessageQueueHandle notQueue = SafeMessageQueueHandle.Borrow(directory.Fd);
        Interop.mq_attr attr;
        Assert.Equal(-1, Interop.MqGetAttr(notQueue, &attr));
        Assert.Equal(Errno.EBADF, Interop.LastErrno);
    }

    [Fact]
    public void TrySend_and_TryReceive_allocate_nothing_per_message_on_either_family()
    {
        using PosixMessageQueue queue = NewQueue(4, 64);
        using var scope = new SystemVQueueScope();
        var message = new byte[32];
        var buffer = new byte[64];
        for (int i = 0; i < 100; i++)
        {
            queue.TrySend(message, 3);
            queue.TryReceive(buffer, out _);
            scope.Queue.TrySend(1, message);
            scope.Queue.TryReceive(buffer, out _);
        }

        const int Messages = 10_000;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Messages / 4; i++)
        {
            Assert.True(queue.TrySend(message, 3));
            Assert.True(queue.TryReceive(buffer, out _));
            Assert.True(scope.Queue.TrySend(1, message));
            Assert.True(scope.Queue.TryReceive(buffer, out _));
        }

        // Less than a byte per message: a single object per message would be 24 bytes or more each time. A
        // one-off allocation by the runtime on this thread (a method compiled on the fly under load) is not
        // the code's, and once made the suite fail here.
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < Messages, $"{allocated} bytes allocated over {Messages} messages");
    }
}

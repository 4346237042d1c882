using System.Text;

namespace UnixIpc.Tests;

public sealed class PipeTests
{
    [Fact]
    public async Task Closing_a_pipe_or_queue_used_only_synchronously_starts_no_reactor()
    {
        // Disposal forgets the descriptor in the reactor; it used to start the reactor (an epoll instance and a thread)
        // just for that, in every process that closed a pipe or a queue.
        string name = TestNames.Unique("mq");
        try
        {
            await using TestChildProcess child = await TestChildProcess.StartAsync("reactor-sync-only", name);
            Assert.Equal("reactor no", await child.ReadLineAsync());
            Assert.Equal(0, await child.WaitForExitAsync());
        }
        finally
        {
            PosixMessageQueue.TryUnlink(name);
        }
    }

    [Fact]
    [Trait("conformance", "PIPE-01")]
    public void Bytes_arrive_in_order_and_writes_keep_no_boundaries()
    {
        using Pipe pipe = Pipe.Create();
        pipe.Writer.Write("abc"u8);
        pipe.Writer.Write("def"u8);
        var buffer = new byte[16];
        int read = pipe.Reader.Read(buffer);
        Assert.Equal("abcdef", Encoding.ASCII.GetString(buffer, 0, read)); // two writes, one read: a byte stream
    }

    [Fact]
    [Trait("conformance", "PIPE-02")]
    public void Closing_every_write_end_gives_the_rest_then_end_of_stream()
    {
        using Pipe pipe = Pipe.Create();
        pipe.Writer.Write("tail"u8);
        pipe.Writer.Dispose();
        var buffer = new byte[16];
        Assert.Equal(4, pipe.Reader.Read(buffer));
        Assert.Equal(0, pipe.Reader.Read(buffer));
        Assert.Equal(0, pipe.Reader.Read(buffer)); // and stays there
    }

    [Fact]
    [Trait("conformance", "PIPE-02")]
    public async Task Closing_the_write_end_wakes_every_waiting_reader()
    {
        using Pipe pipe = Pipe.Create();
        PipeEndStream second = Fifo_like_second_reader(pipe);
        using (second)
        {
            ValueTask<int> first = pipe.Reader.ReadAsync(new byte[8]);
            ValueTask<int> other = second.ReadAsync(new byte[8]);
            Assert.False(first.IsCompleted);
            Assert.False(other.IsCompleted);
            pipe.Writer.Dispose();
            Assert.Equal(0, await first.AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.Equal(0, await other.AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
        }
    }

    [Fact]
    [Trait("conformance", "PIPE-02")]
    public void Writing_with_no_reader_left_is_EPIPE_and_the_process_lives()
    {
        using Pipe pipe = Pipe.Create();
        pipe.Reader.Dispose();
        var error = Assert.Throws<UnixIpcException>(() => pipe.Writer.Write("lost"u8));
        Assert.Equal(Errno.EPIPE, error.Error);
        Assert.Equal("write", error.Operation);
        Assert.Contains("open for reading", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("conformance", "PIPE-03")]
    public unsafe void The_wrong_end_is_refused_and_the_kernel_says_EBADF()
    {
        using Pipe pipe = Pipe.Create();
        Assert.Throws<NotSupportedException>(() => pipe.Reader.Write("x"u8));
        Assert.Throws<NotSupportedException>(() => pipe.Writer.Read(new byte[1]));
        Assert.False(pipe.Reader.CanWrite);
        Assert.False(pipe.Writer.CanRead);

        byte one = 1;
        Assert.Equal(-1, TestNative.Write((int)pipe.Reader.SafeFileHandle.DangerousGetHandle(), &one, 1));
        Assert.Equal(Errno.EBADF, TestNative.LastErrno);
        Assert.Equal(-1, TestNative.Read((int)pipe.Writer.SafeFileHandle.DangerousGetHandle(), &one, 1));
        Assert.Equal(Errno.EBADF, TestNative.LastErrno);
    }

    [Fact]
    [Trait("conformance", "PIPE-04")]
    public unsafe void Non_blocking_reads_and_writes_say_EAGAIN_and_small_writes_are_all_or_nothing()
    {
        using Pipe pipe = Pipe.Create(new PipeCreationOptions { NonBlocking = true });
        Assert.True(pipe.Reader.IsNonBlocking);
        Assert.False(pipe.Reader.TryRead(new byte[8], out _));
        byte b;
        Assert.Equal(-1, TestNative.Read((int)pipe.Reader.SafeFileHandle.DangerousGetHandle(), &b, 1));
        Assert.Equal(Errno.EAGAIN, TestNative.LastErrno);

        // Fill to 100 bytes short of full: a write of PIPE_BUF bytes no longer fits and writes nothing.
        int capacity = pipe.Writer.Capacity;
        Assert.True(pipe.Writer.TryWrite(new byte[capacity - 100], out int written));
        Assert.Equal(capacity - 100, written);
        Assert.False(pipe.Writer.TryWrite(new byte[Pipe.PipeBuf], out written));
        Assert.Equal(0, written);
        Assert.Equal(capacity - 100, pipe.Reader.BytesAvailable);

        // Empty it again; a write larger than PIPE_BUF into a pipe with some room may be partial.
        var drain = new byte[capacity];
        Assert.True(pipe.Reader.TryRead(drain, out int drained));
        Assert.Equal(capacity - 100, drained);
        Assert.True(pipe.Writer.TryWrite(new byte[capacity - Pipe.PipeBuf], out _));
        Assert.True(pipe.Writer.TryWrite(new byte[3 * Pipe.PipeBuf], out written));
        Assert.InRange(written, 1, (3 * Pipe.PipeBuf) - 1);
        Assert.False(pipe.Writer.TryWrite(new byte[1], out _)); // now full
    }

    [Fact]
    [Trait("conformance", "PIPE-05")]
    public async Task Writes_of_PIPE_BUF_bytes_from_several_writers_never_interleave()
    {
        using Pipe pipe = Pipe.Create();
        const int Writers = 4, Records = 64;
        Task[] writers = [.. Enumerable.Range(0, Writers).Select(w => Task.Run(() =>
        {
            var record = new byte[Pipe.PipeBuf];
            Array.Fill(record, (byte)('A' + w));
            for (int i = 0; i < Records; i++)
            {
                pipe.Writer.Write(record);
            }
        }))];

        var counts = new int[Writers];
        var chunk = new byte[Pipe.PipeBuf];
        for (int r = 0; r < Writers * Records; r++)
        {
            await pipe.Reader.ReadExactlyAsync(chunk).AsTask().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.All(chunk, c => Assert.Equal(chunk[0], c)); // one writer's record, whole
            counts[chunk[0] - 'A']++;
        }

        await Task.WhenAll(writers);
        Assert.All(counts, c => Assert.Equal(Records, c));
    }

    [Fact]
    [Trait("conformance", "PIPE-06")]
    public void Capacity_defaults_to_64_KiB_grows_on_request_and_refuses_to_shrink_below_the_data()
    {
        using Pipe pipe = Pipe.Create();
        Assert.Equal(65536, pipe.Reader.Capacity);
        pipe.Writer.Capacity = 100_000;
        Assert.True(pipe.Writer.Capacity >= 100_000);
        Assert.Equal(pipe.Writer.Capacity, pipe.Reader.Capacity); // one pipe, seen from both ends

        pipe.Writer.Write(new byte[20_000]);
        var error = Assert.Throws<UnixIpcException>(() => pipe.Writer.Capacity = 4096);
        Assert.Equal(Errno.EBUSY, error.Error);
        Assert.Contains("read it first", error.Message, StringComparison.Ordinal);

        using Pipe sized = Pipe.Create(new PipeCreationOptions { Capacity = 200_000 });
        Assert.True(sized.Writer.Capacity >= 200_000);
    }

    [SkippableFact]
    [Trait("conformance", "PIPE-06")]
    public void Capacity_above_pipe_max_size_is_EPERM_without_CAP_SYS_RESOURCE()
    {
        Skip.If(Capabilities.Has(Capabilities.CAP_SYS_RESOURCE), "CAP_SYS_RESOURCE lifts the pipe-max-size ceiling");
        using Pipe pipe = Pipe.Create();
        int tooBig = checked(Pipe.MaxCapacity * 2);
        var error = Assert.Throws<UnixIpcException>(() => pipe.Writer.Capacity = tooBig);
        Assert.Equal(Errno.EPERM, error.Error);
        Assert.Contains("pipe-max-size", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => pipe.Writer.Capacity = 0);
    }

    [Fact]
    [Trait("conformance", "PIPE-07")]
    public async Task Both_ends_are_close_on_exec_and_a_child_started_by_Process_does_not_inherit_them()
    {
        using Pipe pipe = Pipe.Create();
        int reader = (int)pipe.Reader.SafeFileHandle.DangerousGetHandle();
        int writer = (int)pipe.Writer.SafeFileHandle.DangerousGetHandle();
        Assert.Equal(TestNative.FD_CLOEXEC, TestNative.Fcntl(reader, TestNative.F_GETFD, 0) & TestNative.FD_CLOEXEC);
        Assert.Equal(TestNative.FD_CLOEXEC, TestNative.Fcntl(writer, TestNative.F_GETFD, 0) & TestNative.FD_CLOEXEC);

        ProcessRunner.Result listed = await CPeers.RunAsync("fd_inherit");
        Assert.Equal(0, listed.ExitCode);
        string[] fds = listed.Stdout.Trim().Split(' ')[1..];
        Assert.DoesNotContain(reader.ToString(System.Globalization.CultureInfo.InvariantCulture), fds);
        Assert.DoesNotContain(writer.ToString(System.Globalization.CultureInfo.InvariantCulture), fds);

        using Pipe inheritable = Pipe.Create(new PipeCreationOptions { Inheritable = true });
        Assert.Equal(0, TestNative.Fcntl((int)inheritable.Reader.SafeFileHandle.DangerousGetHandle(), TestNative.F_GETFD, 0) & TestNative.FD_CLOEXEC);
    }

    [Fact]
    [Trait("conformance", "PIPE-07")]
    public unsafe void Unknown_pipe2_flags_are_EINVAL()
    {
        int* fds = stackalloc int[2];
        Assert.Equal(-1, TestNative.Pipe2(fds, 0x1));
        Assert.Equal(Errno.EINVAL, TestNative.LastErrno);
    }

    [Fact]
    [Trait("conformance", "PIPE-08")]
    public void Packet_mode_keeps_each_write_whole_and_a_short_read_drops_the_rest()
    {
        using Pipe pipe = Pipe.Create(new PipeCreationOptions { PacketMode = true });
        pipe.Writer.Write("one"u8);
        pipe.Writer.Write("three"u8);
        pipe.Writer.Write("packet"u8);
        var buffer = new byte[64];
        Assert.Equal("one", Encoding.ASCII.GetString(buffer, 0, pipe.Reader.Read(buffer)));
        Assert.Equal("thr", Encoding.ASCII.GetString(buffer, 0, pipe.Reader.Read(buffer.AsSpan(0, 3))));
        Assert.Equal("packet", Encoding.ASCII.GetString(buffer, 0, pipe.Reader.Read(buffer))); // "ee" was dropped
    }

    [Fact]
    [Trait("conformance", "PIPE-09")]
    public void A_pipe_cannot_seek()
    {
        using Pipe pipe = Pipe.Create();
        Assert.False(pipe.Reader.CanSeek);
        Assert.Throws<NotSupportedException>(() => pipe.Reader.Seek(0, SeekOrigin.Begin));
        Assert.Equal(-1, TestNative.LSeek((int)pipe.Reader.SafeFileHandle.DangerousGetHandle(), 0, 0));
        Assert.Equal(Errno.ESPIPE, TestNative.LastErrno);
    }

    [Fact]
    [Trait("conformance", "PIPE-11")]
    public void BytesAvailable_counts_unread_bytes_on_either_end()
    {
        using Pipe pipe = Pipe.Create();
        Assert.Equal(0, pipe.Reader.BytesAvailable);
        pipe.Writer.Write(new byte[1234]);
        Assert.Equal(1234, pipe.Reader.BytesAvailable);
        Assert.Equal(1234, pipe.Writer.BytesAvailable);
        pipe.Reader.ReadExactly(new byte[34]);
        Assert.Equal(1200, pipe.Reader.BytesAvailable);
    }

    [Fact]
    public async Task Async_reads_and_writes_move_more_than_the_capacity_without_blocking_a_thread()
    {
        using Pipe pipe = Pipe.Create();
        var payload = new byte[1 << 20];
        new Random(7).NextBytes(payload);
        Task writing = pipe.Writer.WriteAsync(payload).AsTask();
        Assert.False(writing.IsCompleted); // 1 MiB does not fit in 64 KiB: the write waits, on the reactor
        var received = new MemoryStream();
        var buffer = new byte[8192];
        while (received.Length < payload.Length)
        {
            int read = await pipe.Reader.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(60));
            received.Write(buffer, 0, read);
        }

        await writing.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(payload, received.ToArray());
        Assert.False(pipe.Reader.IsNonBlocking); // the descriptor stayed blocking, for any child that inherits it
    }

    [Fact]
    public async Task Cancelling_an_async_read_leaves_the_pipe_usable()
    {
        using Pipe pipe = Pipe.Create();
        using var cancel = new CancellationTokenSource();
        ValueTask<int> read = pipe.Reader.ReadAsync(new byte[4], cancel.Token);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read.AsTask());
        pipe.Writer.Write("ok"u8);
        var buffer = new byte[4];
        Assert.Equal(2, await pipe.Reader.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void Disposing_an_end_twice_is_harmless_and_use_after_is_ObjectDisposed()
    {
        Pipe pipe = Pipe.Create();
        pipe.Dispose();
        pipe.Dispose();
        Assert.Throws<ObjectDisposedException>(() => pipe.Writer.Write("x"u8));
        Assert.Throws<ObjectDisposedException>(() => _ = pipe.Reader.BytesAvailable);
    }

    [Fact]
    [Trait("conformance", "PIPE-10")]
    public async Task With_no_descriptor_left_a_pipe_is_EMFILE_and_says_which_limit()
    {
        // RLIMIT_NOFILE is process-wide: lowered in a child, never in the test host.
        await using TestChildProcess child = await TestChildProcess.StartAsync("pipe-emfile");
        string outcome = await child.ReadLineAsync();
        Assert.StartsWith("EMFILE ", outcome, StringComparison.Ordinal);
        Assert.Contains("RLIMIT_NOFILE", outcome, StringComparison.Ordinal);
        Assert.Equal(0, await child.WaitForExitAsync());
    }

    // A second read end of the same pipe, as a second process would hold it (dup keeps one open file description).
    private static PipeEndStream Fifo_like_second_reader(Pipe pipe)
    {
        int dup = TestNative.Fcntl((int)pipe.Reader.SafeFileHandle.DangerousGetHandle(), TestNative.F_DUPFD_CLOEXEC, 0);
        Assert.True(dup >= 0);
        return new PipeEndStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(dup, ownsHandle: true), isReadEnd: true, nonBlocking: false, "pipe");
    }
}

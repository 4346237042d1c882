using System.Diagnostics;
using System.Text;

namespace UnixIpc.Tests;

/// <summary>Bytes through FIFO ends: Try calls, end of stream, ends mapped into children, EPIPE, signals.</summary>
public sealed partial class FifoTests
{
    [Fact]
    [Trait("conformance", "FIFO-06")]
    public unsafe void A_non_blocking_write_to_a_full_FIFO_is_EAGAIN()
    {
        string path = NewFifo();
        using PipeEndStream reader = Fifo.OpenReadNonBlocking(path);
        using PipeEndStream writer = Fifo.OpenWriteNonBlocking(path);
        int capacity = writer.Capacity;

        Assert.True(writer.TryWrite(new byte[capacity], out int written));
        Assert.Equal(capacity, written);
        Assert.Equal(capacity, reader.BytesAvailable);
        Assert.False(writer.TryWrite(new byte[1], out written)); // full
        Assert.Equal(0, written);
        byte one = 1;
        Assert.Equal(-1, TestNative.Write((int)writer.SafeFileHandle.DangerousGetHandle(), &one, 1));
        Assert.Equal(Errno.EAGAIN, TestNative.LastErrno);

        reader.ReadExactly(new byte[Pipe.PipeBuf]); // a page free again
        Assert.True(writer.TryWrite(new byte[Pipe.PipeBuf], out written));
        Assert.Equal(Pipe.PipeBuf, written);
        Assert.False(writer.TryWrite(new byte[1], out _));
        Assert.Equal(capacity, reader.BytesAvailable);
    }

    [Fact]
    [Trait("conformance", "FIFO-06")]
    public async Task TryRead_and_TryWrite_on_ends_from_blocking_opens_move_bytes_and_say_false_only_when_they_would_wait()
    {
        string path = NewFifo();
        Task<PipeEndStream> opening = await ThreadProbe.StartBlockedAsync(() => Fifo.OpenRead(path));
        try
        {
            using PipeEndStream writer = Fifo.OpenWrite(path); // a reader is waiting: no wait here
            using PipeEndStream reader = await opening.WaitAsync(Bound);
            Assert.False(reader.IsNonBlocking);
            Assert.False(writer.IsNonBlocking);
            var buffer = new byte[16];

            Assert.False(reader.TryRead(buffer, out int read)); // empty, a writer open
            Assert.True(writer.TryWrite("abc"u8, out int written));
            Assert.Equal(3, written);
            Assert.True(reader.TryRead(buffer, out read));
            Assert.Equal("abc", Encoding.ASCII.GetString(buffer, 0, read));

            int total = 0;
            var page = new byte[Pipe.PipeBuf];
            for (int i = 0; i <= (writer.Capacity / Pipe.PipeBuf) + 1 && writer.TryWrite(page, out written); i++)
            {
                total += written;
            }

            Assert.Equal(writer.Capacity, total); // filled, then false without waiting
            Assert.False(writer.TryWrite(new byte[1], out written));
            Assert.Equal(0, written);
            writer.Dispose();
            var all = new byte[total];
            Assert.True(reader.TryRead(all, out read));
            Assert.Equal(total, read);
            Assert.True(reader.TryRead(buffer, out read)); // the writer closed: end of stream
            Assert.Equal(0, read);
        }
        finally
        {
            await ReleaseAsync(opening, path, waitingForWriter: true);
        }
    }

    [Fact]
    [Trait("conformance", "FIFO-04")]
    public async Task End_of_stream_is_seen_when_the_writer_was_there_before_the_reader()
    {
        // poll reports no POLLHUP to a FIFO reader for a writer that opened before it: reads must not rely on poll alone.
        string path = NewFifo();
        Task<PipeEndStream> writerOpening = await ThreadProbe.StartBlockedAsync(() => Fifo.OpenWrite(path));
        using PipeEndStream reader = Fifo.OpenRead(path);
        PipeEndStream writer = await writerOpening.WaitAsync(Bound);
        writer.Write("last"u8);
        writer.Dispose();
        var buffer = new byte[16];
        Assert.True(reader.TryRead(buffer, out int read));
        Assert.Equal(4, read);
        Assert.True(reader.TryRead(buffer, out read));
        Assert.Equal(0, read);
        Assert.Equal(0, await reader.ReadAsync(buffer).AsTask().WaitAsync(Bound));
    }

    [Fact]
    [Trait("conformance", "PROC-01")]
    public async Task A_FIFO_end_mapped_into_a_child_is_an_ordinary_blocking_one_there()
    {
        string path = NewFifo();
        Task<PipeEndStream> writerOpening = await ThreadProbe.StartBlockedAsync(() => Fifo.OpenWrite(path));
        using PipeEndStream reader = Fifo.OpenRead(path);
        using PipeEndStream writer = await writerOpening.WaitAsync(Bound);
        var options = new ChildProcessOptions("/bin/cat") { StandardInput = reader, StandardOutput = ChildDescriptor.Pipe };
        using ChildProcess cat = ChildProcess.Start(options);
        reader.Dispose();
        // cat reads at once and finds nothing yet: on a non-blocking description it would fail with EAGAIN and exit 1.
        using (var output = new StreamReader(cat.StandardOutput!))
        {
            // Wait until cat is blocked reading the empty FIFO (or has failed), then write.
            var deadline = DateTime.UtcNow + Bound;
            while (!cat.HasExited && !ReadsBlocked(cat.ProcessId) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(5);
            }

            Assert.False(cat.HasExited, "cat ended before any data came (a non-blocking description: EAGAIN)");
            writer.Write("through the child\n"u8);
            writer.Dispose();
            Assert.Equal("through the child\n", await output.ReadToEndAsync().WaitAsync(Bound));
        }

        Assert.Equal(ChildExitStatus.Exited(0), await cat.WaitForExitAsync().WaitAsync(Bound));
    }

    [SkippableFact]
    [Trait("conformance", "FIFO-07")]
    public async Task Writing_after_the_C_reader_has_exited_is_EPIPE_and_this_process_lives()
    {
        string path = NewFifo();
        string program = CPeers.Path("fifo_read");
        Task<PipeEndStream> opening = Fifo.OpenWriteAsync(path, _end.Token).AsTask();
        try
        {
            using Peer peer = Peer.Start(program, path);
            using PipeEndStream writer = await opening.WaitAsync(Bound);
            writer.Write("ping"u8); // the C reader has it open: accepted

            await peer.KillAsync(); // the last reader is gone
            var error = Assert.Throws<UnixIpcException>(() => writer.Write("lost"u8));
            Assert.Equal(Errno.EPIPE, error.Error);
            Assert.Equal("write", error.Operation);
            Assert.Contains("open for reading", error.Message, StringComparison.Ordinal);
            Assert.Equal(Errno.EPIPE, Assert.Throws<UnixIpcException>(() => writer.TryWrite("lost"u8, out _)).Error);
            await Assert.ThrowsAsync<UnixIpcException>(() => writer.WriteAsync("lost"u8.ToArray()).AsTask().WaitAsync(Bound));
        }
        finally
        {
            await DisposeWhenDoneAsync(opening);
        }
    }

    [Fact]
    [Trait("conformance", "FIFO-08")]
    public async Task A_plain_blocking_open_of_a_FIFO_fails_with_EINTR_under_a_handler_without_SA_RESTART()
    {
        string path = NewFifo();
        Task<(int Fd, Errno Error)> blocked = await ThreadProbe.StartBlockedAsync(
            () => (TestNative.Open(path, TestNative.O_RDONLY | TestNative.O_CLOEXEC, 0), TestNative.LastErrno));
        try
        {
            await ThreadProbe.InterruptAsync(blocked, times: 1); // the library's interrupter signal: no SA_RESTART
            (int fd, Errno error) = await blocked.WaitAsync(Bound);
            Assert.Equal(-1, fd);
            Assert.Equal(Errno.EINTR, error);
        }
        finally
        {
            if (!blocked.IsCompleted)
            {
                using PipeEndStream release = Fifo.OpenWriteNonBlocking(path);
                (int fd, _) = await blocked.WaitAsync(Bound);
                if (fd >= 0)
                {
                    TestNative.Close(fd);
                }
            }
        }
    }

    [Fact]
    [Trait("conformance", "FIFO-08")]
    [Trait("conformance", "SIG-08")]
    public async Task A_blocking_Fifo_open_and_a_blocking_read_survive_signals()
    {
        string path = NewFifo();
        Task<PipeEndStream> opening = await ThreadProbe.StartBlockedAsync(() => Fifo.OpenRead(path));
        try
        {
            await ThreadProbe.InterruptAsync(opening); // EINTR three times, retried each time
            Assert.False(opening.IsCompleted);

            using PipeEndStream writer = Fifo.OpenWriteNonBlocking(path);
            using PipeEndStream reader = await opening.WaitAsync(Bound);
            Assert.False(reader.IsNonBlocking);

            var buffer = new byte[16];
            Task<int> reading = await ThreadProbe.StartBlockedAsync(() => reader.Read(buffer));
            await ThreadProbe.InterruptAsync(reading);
            Assert.False(reading.IsCompleted);
            writer.Write("late"u8);
            Assert.Equal(4, await reading.WaitAsync(Bound));
            Assert.Equal("late", Encoding.ASCII.GetString(buffer, 0, 4));
        }
        finally
        {
            await ReleaseAsync(opening, path, waitingForWriter: true);
        }
    }
}

using System.Diagnostics;
using System.Text;

namespace UnixIpc.Tests;

/// <summary>FIFO opens: blocking, non-blocking, timed, async and cancelled, against C peers; what is refused.</summary>
public sealed partial class FifoTests
{
    [Fact]
    [Trait("conformance", "FIFO-03")]
    public unsafe void A_non_blocking_reader_opens_at_once_and_tells_end_of_stream_from_would_block()
    {
        string path = NewFifo();
        using PipeEndStream reader = Fifo.OpenReadNonBlocking(path); // no writer: opens anyway
        Assert.True(reader.IsReadEnd);
        Assert.True(reader.IsNonBlocking);
        var buffer = new byte[8];

        Assert.True(reader.TryRead(buffer, out int read)); // no writer: end of stream
        Assert.Equal(0, read);
        int fd = (int)reader.SafeFileHandle.DangerousGetHandle();
        byte b;
        Assert.Equal(0, TestNative.Read(fd, &b, 1));

        using (PipeEndStream writer = Fifo.OpenWriteNonBlocking(path))
        {
            Assert.False(reader.TryRead(buffer, out read)); // a writer is open but has not written: would block
            Assert.Equal(0, read);
            Assert.Equal(-1, TestNative.Read(fd, &b, 1));
            Assert.Equal(Errno.EAGAIN, TestNative.LastErrno);

            writer.Write("hi"u8);
            Assert.True(reader.TryRead(buffer, out read));
            Assert.Equal("hi", Encoding.ASCII.GetString(buffer, 0, read));
            Assert.False(reader.TryRead(buffer, out _));
        }

        Assert.True(reader.TryRead(buffer, out read)); // the writer closed: end of stream again
        Assert.Equal(0, read);
    }

    [SkippableFact]
    [Trait("conformance", "FIFO-04")]
    public async Task A_reader_waits_for_a_C_writer_then_gets_its_bytes_and_end_of_stream()
    {
        string path = NewFifo();
        string program = CPeers.Path("fifo_write");
        Assert.False(Fifo.TryOpenRead(path, TimeSpan.FromMilliseconds(50), out _)); // no writer came

        Task<PipeEndStream> opening = Fifo.OpenReadAsync(path, _end.Token).AsTask();
        try
        {
            Assert.False(opening.IsCompleted); // waits for a writer
            using Peer peer = Peer.Start(program, path, "hello from C");
            using PipeEndStream reader = await opening.WaitAsync(Bound);
            Assert.True(reader.IsReadEnd);

            var received = new MemoryStream();
            await reader.CopyToAsync(received).WaitAsync(Bound); // returns at end of stream, once the C writer closed
            Assert.Equal("hello from C", Encoding.ASCII.GetString(received.ToArray()));

            ProcessRunner.Result result = await peer.WaitAsync();
            Assert.Equal(0, result.ExitCode);
            Assert.Equal("wrote 12\n", result.Stdout);
        }
        finally
        {
            await DisposeWhenDoneAsync(opening);
        }
    }

    [SkippableFact]
    [Trait("conformance", "FIFO-04")]
    public async Task A_writer_waits_for_a_C_reader_which_gets_every_byte_and_end_of_stream()
    {
        string path = NewFifo();
        string program = CPeers.Path("fifo_read");
        Assert.False(Fifo.TryOpenWrite(path, TimeSpan.FromMilliseconds(50), out _)); // no reader came

        Task<PipeEndStream> opening = Fifo.OpenWriteAsync(path, _end.Token).AsTask();
        try
        {
            Assert.False(opening.IsCompleted); // waits for a reader
            using Peer peer = Peer.Start(program, path);
            string text = string.Concat(Enumerable.Range(0, 20_000).Select(i => $"{i % 10}abcd")); // 100 000 bytes: more than the FIFO holds
            using (PipeEndStream writer = await opening.WaitAsync(Bound))
            {
                Assert.False(writer.IsReadEnd);
                await writer.WriteAsync(Encoding.ASCII.GetBytes(text)).AsTask().WaitAsync(Bound);
            }

            ProcessRunner.Result result = await peer.WaitAsync(); // ends only once it saw end of stream
            Assert.Equal(0, result.ExitCode);
            Assert.Equal(text, result.Stdout);
        }
        finally
        {
            await DisposeWhenDoneAsync(opening);
        }
    }

    [SkippableFact]
    [Trait("conformance", "FIFO-04")]
    public async Task A_blocking_open_for_writing_waits_in_the_kernel_until_a_C_reader_opens()
    {
        string path = NewFifo();
        string program = CPeers.Path("fifo_read");
        Task<PipeEndStream> opening = await ThreadProbe.StartBlockedAsync(() => Fifo.OpenWrite(path));
        try
        {
            Assert.False(opening.IsCompleted); // blocked in open(2)
            using Peer peer = Peer.Start(program, path);
            using (PipeEndStream writer = await opening.WaitAsync(Bound))
            {
                Assert.False(writer.IsNonBlocking); // the kernel's own blocking open
                writer.Write("through a blocking open"u8);
            }

            ProcessRunner.Result result = await peer.WaitAsync();
            Assert.Equal(0, result.ExitCode);
            Assert.Equal("through a blocking open", result.Stdout);
        }
        finally
        {
            await ReleaseAsync(opening, path, waitingForWriter: false);
        }
    }

    [Fact]
    [Trait("conformance", "FIFO-04")]
    public async Task A_reader_still_waiting_for_a_writer_counts_as_a_reader_as_with_a_blocking_open()
    {
        // A reader waiting in a blocking open is already a reader: a writer that opens then is not refused, and a
        // write it makes at once is kept for the reader (no EPIPE). The async wait must behave the same.
        string path = NewFifo();
        Task<PipeEndStream> blocked = await ThreadProbe.StartBlockedAsync(() => Fifo.OpenRead(path));
        try
        {
            using (PipeEndStream writer = Fifo.OpenWriteNonBlocking(path))
            {
                writer.Write("kept"u8);
            }

            using PipeEndStream reader = await blocked.WaitAsync(Bound);
            Assert.Equal("kept", await ReadToEndAsync(reader));
        }
        finally
        {
            await ReleaseAsync(blocked, path, waitingForWriter: true);
        }

        Task<PipeEndStream> waiting = Fifo.OpenReadAsync(path, _end.Token).AsTask();
        try
        {
            Assert.False(waiting.IsCompleted);
            using (PipeEndStream writer = Fifo.OpenWriteNonBlocking(path))
            {
                writer.Write("kept"u8);
            }

            using PipeEndStream reader = await waiting.WaitAsync(Bound);
            Assert.Equal("kept", await ReadToEndAsync(reader));
        }
        finally
        {
            await DisposeWhenDoneAsync(waiting);
        }
    }

    [Fact]
    [Trait("conformance", "FIFO-04")]
    public async Task Opening_a_regular_file_or_a_directory_is_refused_before_any_read_or_write()
    {
        string file = PathOf("file");
        File.WriteAllText(file, "keep me");
        DateTime written = File.GetLastWriteTimeUtc(file);
        string directory = PathOf("dir");
        Directory.CreateDirectory(directory);

        foreach ((string path, string what) in new[] { (file, "is a regular file"), (directory, "is a directory") })
        {
            Func<object>[] opens =
            [
                () => Fifo.OpenRead(path),
                () => Fifo.OpenWrite(path),
                () => Fifo.OpenReadNonBlocking(path),
                () => Fifo.OpenWriteNonBlocking(path),
                () => Fifo.TryOpenRead(path, TimeSpan.FromMilliseconds(50), out _),
                () => Fifo.TryOpenWrite(path, TimeSpan.Zero, out _),
                () => Fifo.TryOpenWrite(path, Timeout.InfiniteTimeSpan, out _),
            ];
            foreach (Func<object> open in opens)
            {
                var error = Assert.Throws<InvalidDataException>(open);
                Assert.Contains(what, error.Message, StringComparison.Ordinal);
                Assert.Contains("not a FIFO", error.Message, StringComparison.Ordinal);
            }

            await Assert.ThrowsAsync<InvalidDataException>(() => Fifo.OpenReadAsync(path).AsTask().WaitAsync(Bound));
            await Assert.ThrowsAsync<InvalidDataException>(() => Fifo.OpenWriteAsync(path).AsTask().WaitAsync(Bound));
        }

        Assert.Equal("keep me", File.ReadAllText(file));
        Assert.Equal(written, File.GetLastWriteTimeUtc(file));
        Assert.Empty(Directory.GetFileSystemEntries(directory));
    }

    [Fact]
    [Trait("conformance", "FIFO-04")]
    public void A_missing_path_is_ENOENT_with_a_hint_to_create_the_FIFO()
    {
        string path = PathOf("missing");
        Func<object>[] opens =
        [
            () => Fifo.OpenRead(path),
            () => Fifo.OpenWrite(path),
            () => Fifo.OpenReadNonBlocking(path),
            () => Fifo.OpenWriteNonBlocking(path),
            () => Fifo.TryOpenRead(path, TimeSpan.FromMilliseconds(50), out _),
            () => Fifo.TryOpenWrite(path, TimeSpan.Zero, out _),
            () => Fifo.OpenReadAsync(path).AsTask().WaitAsync(Bound).GetAwaiter().GetResult(),
        ];
        foreach (Func<object> open in opens)
        {
            var error = Assert.Throws<UnixIpcException>(open);
            Assert.Equal(Errno.ENOENT, error.Error);
            Assert.Equal("open", error.Operation);
            Assert.Equal(path, error.ObjectName);
            Assert.Contains("create it first", error.Hint, StringComparison.Ordinal);
        }

        Assert.False(Path.Exists(path)); // opening never creates
    }

    [Fact]
    [Trait("conformance", "FIFO-04")]
    public async Task Timed_opens_give_up_and_cancelled_opens_throw_leaving_no_end_open()
    {
        string path = NewFifo();
        Assert.False(Fifo.TryOpenWrite(path, TimeSpan.Zero, out PipeEndStream? writer));
        Assert.Null(writer);
        Assert.False(Fifo.TryOpenRead(path, TimeSpan.FromMilliseconds(50), out PipeEndStream? reader));
        Assert.Null(reader);
        Assert.Throws<ArgumentOutOfRangeException>(() => Fifo.TryOpenRead(path, TimeSpan.FromSeconds(-2), out _));

        using (var cancel = new CancellationTokenSource())
        {
            Task<PipeEndStream> opening = Fifo.OpenWriteAsync(path, cancel.Token).AsTask();
            Assert.False(opening.IsCompleted);
            await cancel.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => opening.WaitAsync(Bound));
        }

        using (var cancel = new CancellationTokenSource())
        {
            Task<PipeEndStream> opening = Fifo.OpenReadAsync(path, cancel.Token).AsTask();
            Assert.False(opening.IsCompleted);
            await cancel.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => opening.WaitAsync(Bound));
        }

        using (var cancelled = new CancellationTokenSource())
        {
            await cancelled.CancelAsync();
            Assert.ThrowsAny<OperationCanceledException>(() => Fifo.OpenWrite(path, cancelled.Token));
            Assert.ThrowsAny<OperationCanceledException>(() => Fifo.OpenRead(path, cancelled.Token));
        }

        // Nothing that gave up or was cancelled kept a read end: a writer still finds no reader.
        Assert.Equal(Errno.ENXIO, Assert.Throws<UnixIpcException>(() => Fifo.OpenWriteNonBlocking(path)).Error);
    }

    [Fact]
    [Trait("conformance", "FIFO-05")]
    public async Task Opening_read_write_succeeds_with_no_peer_on_Linux()
    {
        string path = NewFifo();
        Task<(int Fd, Errno Error)> opening = Task.Run(() => (TestNative.Open(path, TestNative.O_RDWR | TestNative.O_CLOEXEC, 0), TestNative.LastErrno));
        int fd = -1;
        try
        {
            (fd, Errno error) = await opening.WaitAsync(Bound); // blocking open, no other process: Linux does not wait
            Assert.True(fd >= 0, $"open O_RDWR failed: {error}");

            // The descriptor is both ends: it counts as a reader, and reads back what it wrote.
            using (PipeEndStream writer = Fifo.OpenWriteNonBlocking(path))
            {
                writer.Write("self"u8);
            }

            Assert.Equal(4, Write(fd, "echo"u8));
            var buffer = new byte[16];
            Assert.Equal(8, Read(fd, buffer));
            Assert.Equal("selfecho", Encoding.ASCII.GetString(buffer, 0, 8));
        }
        finally
        {
            if (!opening.IsCompleted)
            {
                // Had it waited for a peer, both ends let it go.
                using PipeEndStream releaseReader = Fifo.OpenReadNonBlocking(path);
                using PipeEndStream releaseWriter = Fifo.OpenWriteNonBlocking(path);
                fd = (await opening.WaitAsync(Bound)).Fd;
            }

            if (fd >= 0)
            {
                TestNative.Close(fd);
            }
        }
    }
}

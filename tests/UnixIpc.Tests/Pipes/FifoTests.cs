using System.Diagnostics;
using System.Text;

namespace UnixIpc.Tests;

/// <summary>
/// FIFOs (CONFORMANCE section 8). Every test works in a directory of its own under the temporary folder,
/// <c>uipc_t_&lt;pid&gt;_fifo_&lt;n&gt;</c>, removed with everything in it when the test ends; C peers that are
/// still running then are killed, and opens still waiting are cancelled or given their peer.
/// </summary>
public sealed class FifoTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private static int s_counter;

    private readonly string _directory = Path.Combine(
        Path.GetTempPath(), $"{TestNames.Prefix}{Environment.ProcessId}_fifo_{Interlocked.Increment(ref s_counter)}");

    private readonly CancellationTokenSource _end = new(); // cancels async opens a failed test left waiting

    public FifoTests() => Directory.CreateDirectory(_directory);

    public void Dispose()
    {
        _end.Cancel();
        _end.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public void Unlink_removes_only_a_FIFO_and_reports_the_kernels_errno_for_bad_paths()
    {
        string fifo = Path.Combine(_directory, "f");
        Fifo.Create(fifo);
        Fifo.Unlink(fifo);
        Assert.False(Fifo.Exists(fifo));

        string file = Path.Combine(_directory, "plain");
        File.WriteAllText(file, "keep");
        Assert.Throws<InvalidDataException>(() => Fifo.Unlink(file));
        Assert.Equal("keep", File.ReadAllText(file)); // left alone

        Assert.Equal(Errno.ENOENT, Assert.Throws<UnixIpcException>(() => Fifo.Unlink(fifo)).Error);
        Assert.Equal(Errno.ENOTDIR, Assert.Throws<UnixIpcException>(() => Fifo.Unlink(Path.Combine(file, "x"))).Error);
        Assert.Equal(Errno.ENAMETOOLONG, Assert.Throws<UnixIpcException>(() => Fifo.Unlink(Path.Combine(_directory, new string('a', 300)))).Error);
    }

    [Fact]
    [Trait("conformance", "FIFO-01")]
    public async Task Create_makes_a_FIFO_node_with_exactly_the_mode_asked_for()
    {
        // 0666 and 0777 are what a umask usually bites (022 would give 0644 and 0755); 0640 and the default 0600 are not.
        UnixFileMode[] modes =
        [
            Fifo.DefaultMode,
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead,
            (UnixFileMode)0b110_110_110,
            (UnixFileMode)0b111_111_111,
        ];
        for (int i = 0; i < modes.Length; i++)
        {
            string path = PathOf($"fifo{i}");
            if (i == 0)
            {
                Fifo.Create(path);
            }
            else
            {
                Fifo.Create(path, modes[i]);
            }

            Assert.Equal(modes[i], File.GetUnixFileMode(path));
            Assert.True(Fifo.Exists(path));
            ProcessRunner.Result listed = await ProcessRunner.RunAsync("ls", ["-ld", path]);
            Assert.Equal(0, listed.ExitCode);
            Assert.StartsWith("p", listed.Stdout, StringComparison.Ordinal); // ls shows type p
        }

        string file = PathOf("file");
        File.WriteAllText(file, "x");
        Assert.False(Fifo.Exists(file));
        Assert.False(Fifo.Exists(_directory));
        Assert.False(Fifo.Exists(PathOf("missing")));
    }

    [Fact]
    [Trait("conformance", "FIFO-01")]
    public void Plain_mkfifo_applies_the_umask()
    {
        string path = PathOf();
        const UnixFileMode Asked = (UnixFileMode)0b111_111_111;
        Assert.Equal(0, TestNative.MkFifo(path, (uint)Asked));
        Assert.Equal(Asked & ~TestNative.CurrentUmask(), File.GetUnixFileMode(path));
        Assert.True(Fifo.Exists(path));
    }

    [Fact]
    [Trait("conformance", "FIFO-01")]
    public void Create_is_EEXIST_for_anything_already_at_the_path_a_dangling_symlink_included()
    {
        string fifo = PathOf("fifo");
        Fifo.Create(fifo);
        string file = PathOf("file");
        File.WriteAllText(file, "keep");
        string directory = PathOf("dir");
        Directory.CreateDirectory(directory);
        string target = PathOf("nowhere");
        string link = PathOf("link");
        File.CreateSymbolicLink(link, target);

        foreach (string path in new[] { fifo, file, directory, link })
        {
            var error = Assert.Throws<UnixIpcException>(() => Fifo.Create(path));
            Assert.Equal(Errno.EEXIST, error.Error);
            Assert.Equal("mkfifo", error.Operation);
            Assert.Contains("already exists", error.Hint, StringComparison.Ordinal);
            Assert.Contains($"mkfifo(\"{path}\", 0600) failed: EEXIST", error.Message, StringComparison.Ordinal);
        }

        Assert.Equal("keep", File.ReadAllText(file));
        Assert.True(Directory.Exists(directory));
        Assert.Equal(target, new FileInfo(link).LinkTarget); // still the same dangling link
        Assert.False(Path.Exists(target)); // and nothing was made through it
    }

    [Fact]
    [Trait("conformance", "FIFO-01")]
    public void Create_is_ENOENT_ENOTDIR_or_ENAMETOOLONG_for_a_bad_path_and_makes_nothing()
    {
        string missingParent = Path.Combine(PathOf("no-such-dir"), "fifo");
        var error = Assert.Throws<UnixIpcException>(() => Fifo.Create(missingParent));
        Assert.Equal(Errno.ENOENT, error.Error);
        Assert.Contains("create it first", error.Hint, StringComparison.Ordinal);

        string file = PathOf("file");
        File.WriteAllText(file, "keep");
        error = Assert.Throws<UnixIpcException>(() => Fifo.Create(Path.Combine(file, "fifo")));
        Assert.Equal(Errno.ENOTDIR, error.Error);
        Assert.Equal("keep", File.ReadAllText(file));

        error = Assert.Throws<UnixIpcException>(() => Fifo.Create(PathOf(new string('n', 300))));
        Assert.Equal(Errno.ENAMETOOLONG, error.Error);

        Assert.Throws<ArgumentOutOfRangeException>(() => Fifo.Create(PathOf("typed"), (UnixFileMode)0x8000 | UnixFileMode.UserRead));
        Assert.Throws<ArgumentException>(() => Fifo.Create(_directory + "/nul\0"));
        Assert.Equal(new[] { file }, Directory.GetFileSystemEntries(_directory)); // only what the test made itself
    }

    [Fact]
    [Trait("conformance", "FIFO-02")]
    public void Non_blocking_open_for_writing_with_no_reader_is_ENXIO()
    {
        string path = NewFifo();
        Assert.Equal(-1, TestNative.Open(path, TestNative.O_WRONLY | TestNative.O_NONBLOCK | TestNative.O_CLOEXEC, 0));
        Assert.Equal(Errno.ENXIO, TestNative.LastErrno); // the kernel's answer, which the library reports below

        var error = Assert.Throws<UnixIpcException>(() => Fifo.OpenWriteNonBlocking(path));
        Assert.Equal(Errno.ENXIO, error.Error);
        Assert.Equal("open", error.Operation);
        Assert.Contains("open for reading", error.Message, StringComparison.Ordinal);

        Assert.False(Fifo.TryOpenWrite(path, TimeSpan.Zero, out PipeEndStream? none));
        Assert.Null(none);

        // With a reader there, the same open succeeds at once, and bytes cross.
        using PipeEndStream reader = Fifo.OpenReadNonBlocking(path);
        using PipeEndStream writer = Fifo.OpenWriteNonBlocking(path);
        Assert.True(writer.IsNonBlocking);
        Assert.False(writer.IsReadEnd);
        writer.Write("x"u8);
        var buffer = new byte[4];
        Assert.True(reader.TryRead(buffer, out int read));
        Assert.Equal("x", Encoding.ASCII.GetString(buffer, 0, read));
        Assert.True(Fifo.TryOpenWrite(path, TimeSpan.Zero, out PipeEndStream? second));
        second.Dispose();
    }

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

    private string PathOf(string name = "fifo") => Path.Combine(_directory, name);

    private static bool ReadsBlocked(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/wchan").Contains("pipe_read", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    private string NewFifo()
    {
        string path = PathOf();
        Fifo.Create(path);
        return path;
    }

    private static async Task<string> ReadToEndAsync(PipeEndStream reader)
    {
        var received = new MemoryStream();
        await reader.CopyToAsync(received).WaitAsync(Bound);
        return Encoding.ASCII.GetString(received.ToArray());
    }

    private static unsafe int Write(int fd, ReadOnlySpan<byte> bytes)
    {
        fixed (byte* p = bytes)
        {
            return (int)TestNative.Write(fd, p, (nuint)bytes.Length);
        }
    }

    private static unsafe int Read(int fd, Span<byte> bytes)
    {
        fixed (byte* p = bytes)
        {
            return (int)TestNative.Read(fd, p, (nuint)bytes.Length);
        }
    }

    // An async open a failed test left waiting is cancelled; whatever it opened is closed.
    private async Task DisposeWhenDoneAsync(Task<PipeEndStream> opening)
    {
        if (!opening.IsCompleted)
        {
            await _end.CancelAsync();
        }

        try
        {
            await opening.WaitAsync(Bound);
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException or IOException)
        {
            // the test has already reported what went wrong
        }

        if (opening.IsCompletedSuccessfully)
        {
            await opening.Result.DisposeAsync();
        }
    }

    // A blocking open on a probe thread that a failed test left waiting: give it the other end so the thread ends.
    private static async Task ReleaseAsync(Task<PipeEndStream> opening, string path, bool waitingForWriter)
    {
        if (!opening.IsCompleted)
        {
            try
            {
                using PipeEndStream other = waitingForWriter ? Fifo.OpenWriteNonBlocking(path) : Fifo.OpenReadNonBlocking(path);
                await opening.WaitAsync(Bound);
            }
            catch (Exception e) when (e is TimeoutException or IOException)
            {
                // the test has already reported what went wrong
            }
        }

        if (opening.IsCompletedSuccessfully)
        {
            await opening.Result.DisposeAsync();
        }
    }

    /// <summary>A C peer running alongside the test: its output is collected, and it is killed if the test ends first.</summary>
    private sealed class Peer : IDisposable
    {
        private readonly Process _process;
        private readonly Task<string> _stdout;
        private readonly Task<string> _stderr;

        private Peer(Process process)
        {
            _process = process;
            _stdout = process.StandardOutput.ReadToEndAsync();
            _stderr = process.StandardError.ReadToEndAsync();
        }

        public static Peer Start(string program, params string[] arguments)
        {
            var info = new ProcessStartInfo(program)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (string argument in arguments)
            {
                info.ArgumentList.Add(argument);
            }

            return new Peer(Process.Start(info) ?? throw new InvalidOperationException($"could not start {program}"));
        }

        public async Task<ProcessRunner.Result> WaitAsync()
        {
            await _process.WaitForExitAsync().WaitAsync(Bound);
            return new ProcessRunner.Result(_process.ExitCode, await _stdout.WaitAsync(Bound), await _stderr.WaitAsync(Bound));
        }

        /// <summary>Kills the peer and waits until it is gone (its descriptors are closed by then).</summary>
        public async Task KillAsync()
        {
            _process.Kill();
            await _process.WaitForExitAsync().WaitAsync(Bound);
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(Bound);
            }

            _process.Dispose();
        }
    }
}

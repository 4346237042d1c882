using System.Diagnostics;
using System.Text;

namespace UnixIpc.Tests;

/// <summary>
/// FIFOs (CONFORMANCE section 8). Every test works in a directory of its own under the temporary folder,
/// <c>uipc_t_&lt;pid&gt;_fifo_&lt;n&gt;</c>, removed with everything in it when the test ends; C peers that are
/// still running then are killed, and opens still waiting are cancelled or given their peer.
/// </summary>
public sealed partial class FifoTests : IDisposable
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
}

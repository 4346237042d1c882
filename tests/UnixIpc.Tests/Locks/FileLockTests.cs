using Microsoft.Win32.SafeHandles;

namespace UnixIpc.Tests;

/// <summary>Record and whole-file locks (CONFORMANCE.md §9) within one process.</summary>
public sealed class FileLockTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"{TestNames.Prefix}{Environment.ProcessId}_{Guid.NewGuid():N}.lock");

    public FileLockTests()
    {
        File.WriteAllBytes(_path, new byte[100]);
    }

    public void Dispose() => File.Delete(_path);

    [Fact]
    [Trait("conformance", "LOCK-11")]
    public void OFD_locks_from_two_opens_in_one_process_conflict_and_go_with_their_description()
    {
        using FileLock first = FileLock.Open(_path);
        Assert.Equal(FileLockKind.OpenFileDescription, first.Kind);
        Assert.True(first.TryLock(FileLockType.Write, 0, 10));
        using (FileLock second = FileLock.Open(_path))
        {
            Assert.False(second.TryLock(FileLockType.Read, 5, 1));
            FileLockConflict? conflict = second.GetConflict(FileLockType.Read, 5, 1);
            Assert.Equal(new FileLockConflict(FileLockType.Write, 0, 10, -1), conflict); // OFD holders have no pid
        }

        first.Dispose(); // last close of that description releases it
        using FileLock third = FileLock.Open(_path);

        // A child another test spawns at this moment holds copies of every descriptor from fork to exec (close-on-exec
        // acts only at exec), so "last close" may come a moment later: wait for it, bounded. Without the release the
        // lock never comes and the assertion fails.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        bool locked;
        while (!(locked = third.TryLock(FileLockType.Write, 0, 10)) && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(1);
        }

        Assert.True(locked);
    }

    [Fact]
    [Trait("conformance", "LOCK-08")]
    public void POSIX_locks_belong_to_the_process_so_two_opens_in_it_never_conflict()
    {
        using FileLock first = FileLock.Open(_path, FileLockKind.Process);
        using FileLock second = FileLock.Open(_path, FileLockKind.Process);
        Assert.True(first.TryLock(FileLockType.Write, 0, 10));
        Assert.True(second.TryLock(FileLockType.Write, 0, 10));
        Assert.Null(second.GetConflict(FileLockType.Write, 0, 10));
    }

    [Fact]
    [Trait("conformance", "LOCK-11")]
    public void OFD_and_POSIX_locks_conflict_even_within_one_process()
    {
        using FileLock posix = FileLock.Open(_path, FileLockKind.Process);
        using FileLock ofd = FileLock.Open(_path, FileLockKind.OpenFileDescription);
        Assert.True(posix.TryLock(FileLockType.Write, 0, 10));
        Assert.False(ofd.TryLock(FileLockType.Write, 0, 10));
        FileLockConflict? conflict = ofd.GetConflict(FileLockType.Write, 0, 1);
        Assert.NotNull(conflict);
        Assert.Equal(Environment.ProcessId, conflict.ProcessId);
    }

    [Fact]
    [Trait("conformance", "LOCK-06")]
    public void Closing_any_descriptor_of_the_file_releases_the_process_POSIX_locks_but_not_OFD_locks()
    {
        using FileLock posix = FileLock.Open(_path, FileLockKind.Process);
        Assert.True(posix.TryLock(FileLockType.Write, 0, 10));
        using (FileLock probe = FileLock.Open(_path, FileLockKind.OpenFileDescription))
        {
            Assert.False(probe.TryLock(FileLockType.Write, 0, 10));
        }

        // The trap: an unrelated open and close of the same file, e.g. by a library reading it.
        File.ReadAllBytes(_path);
        using (FileLock probe = FileLock.Open(_path, FileLockKind.OpenFileDescription))
        {
            Assert.True(probe.TryLock(FileLockType.Write, 0, 10), "the POSIX lock was released by the other close");
        }

        using FileLock ofd = FileLock.Open(_path);
        Assert.True(ofd.TryLock(FileLockType.Write, 50, 10));
        File.ReadAllBytes(_path);
        using FileLock other = FileLock.Open(_path);
        Assert.False(other.TryLock(FileLockType.Write, 50, 10), "an OFD lock survives other closes");
    }

    [Fact]
    [Trait("conformance", "LOCK-09")]
    public unsafe void Length_0_covers_to_the_end_and_beyond_and_a_negative_start_is_EINVAL()
    {
        using FileLock holder = FileLock.Open(_path);
        using FileLock other = FileLock.Open(_path);
        Assert.True(holder.TryLock(FileLockType.Write, 5));
        Assert.False(other.TryLock(FileLockType.Write, 1_000_000, 1)); // past the end of a 100-byte file
        Assert.True(other.TryLock(FileLockType.Write, 0, 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => other.TryLock(FileLockType.Write, -1, 1));

        using SafeFileHandle file = File.OpenHandle(_path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        var negative = new Interop.flock { l_type = Interop.F_WRLCK, l_start = 50, l_len = -10 }; // [40, 50)
        Assert.Equal(-1, Interop.FcntlLock(file, Interop.F_OFD_SETLK, &negative));
        Assert.Equal(Errno.EAGAIN, Interop.LastErrno); // conflicts with the holder's [5, end)
        var beforeStart = new Interop.flock { l_type = Interop.F_WRLCK, l_start = -1, l_len = 1 };
        Assert.Equal(-1, Interop.FcntlLock(file, Interop.F_OFD_SETLK, &beforeStart));
        Assert.Equal(Errno.EINVAL, Interop.LastErrno);
    }

    [Fact]
    [Trait("conformance", "LOCK-10")]
    [Trait("conformance", "LOCK-11")]
    public unsafe void A_write_lock_needs_write_access_and_bad_requests_are_EINVAL()
    {
        using FileLock readOnly = FileLock.Open(_path, readOnly: true);
        Assert.True(readOnly.TryLock(FileLockType.Read));
        UnixIpcException e = Assert.Throws<UnixIpcException>(() => readOnly.TryLock(FileLockType.Write));
        Assert.Equal(Errno.EBADF, e.Error);
        Assert.Contains("write access", e.Hint, StringComparison.Ordinal);

        using SafeFileHandle file = File.OpenHandle(_path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        var badWhence = new Interop.flock { l_type = Interop.F_WRLCK, l_whence = 99 };
        Assert.Equal(-1, Interop.FcntlLock(file, Interop.F_SETLK, &badWhence));
        Assert.Equal(Errno.EINVAL, Interop.LastErrno);
        var withPid = new Interop.flock { l_type = Interop.F_WRLCK, l_pid = 1 };
        Assert.Equal(-1, Interop.FcntlLock(file, Interop.F_OFD_SETLK, &withPid)); // OFD: l_pid must be 0
        Assert.Equal(Errno.EINVAL, Interop.LastErrno);
    }

    [Fact]
    public void Whole_file_locks_conflict_between_opens_shared_ones_do_not_and_ranges_are_refused()
    {
        using FileLock first = FileLock.Open(_path, FileLockKind.WholeFile);
        using FileLock second = FileLock.Open(_path, FileLockKind.WholeFile);
        Assert.True(first.TryLock(FileLockType.Read));
        Assert.True(second.TryLock(FileLockType.Read));
        Assert.False(second.TryLock(FileLockType.Write));
        first.Unlock();
        Assert.True(second.TryLock(FileLockType.Write)); // upgrade once alone
        Assert.False(first.TryLock(FileLockType.Read));
        Assert.Throws<ArgumentException>(() => first.TryLock(FileLockType.Read, 0, 10));
        Assert.Throws<NotSupportedException>(() => first.GetConflict(FileLockType.Read));
    }

    [Fact]
    public void Locking_the_held_range_with_the_other_type_converts_it()
    {
        using FileLock holder = FileLock.Open(_path);
        using FileLock other = FileLock.Open(_path);
        Assert.True(holder.TryLock(FileLockType.Write, 0, 10));
        Assert.True(holder.TryLock(FileLockType.Read, 0, 10)); // downgrade
        Assert.True(other.TryLock(FileLockType.Read, 0, 10));
        Assert.False(holder.TryLock(FileLockType.Write, 0, 10)); // upgrade refused while another reader holds it
        other.Unlock(0, 10);
        Assert.True(holder.TryLock(FileLockType.Write, 0, 10));
    }

    [Fact]
    [Trait("conformance", "LOCK-12")]
    [Trait("conformance", "SIG-08")]
    public async Task A_blocked_lock_survives_signals_times_out_and_is_cancelled_promptly()
    {
        using FileLock holder = FileLock.Open(_path);
        using FileLock waiter = FileLock.Open(_path);
        Assert.True(holder.TryLock(FileLockType.Write, 0, 10));

        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.False(waiter.TryLock(FileLockType.Write, 0, 10, TimeSpan.FromMilliseconds(100)));
        TimeoutAssert.GaveUpOnTime(clock.Elapsed, TimeSpan.FromMilliseconds(100));

        Task<bool> blocked = await ThreadProbe.StartBlockedAsync(() => { waiter.Lock(FileLockType.Write, 0, 10); return true; });
        ProcessRunner.Result child = await ProcessRunner.RunAsync("/bin/true", []); // SIGCHLD
        Assert.Equal(0, child.ExitCode);
        await ThreadProbe.InterruptAsync(blocked); // EINTR on this very thread, three times
        Assert.False(blocked.IsCompleted);
        holder.Unlock(0, 10);
        Assert.True(await blocked.WaitAsync(TimeSpan.FromSeconds(30)));

        using var cancel = new CancellationTokenSource();
        Task pending = holder.LockAsync(FileLockType.Write, 0, 10, cancel.Token).AsTask();
        Assert.False(pending.IsCompleted);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending.WaitAsync(TimeSpan.FromSeconds(30)));

        Task acquired = holder.LockAsync(FileLockType.Write, 0, 10).AsTask();
        waiter.Unlock(0, 10);
        await acquired.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void A_borrowed_FileStream_is_not_closed_but_its_locks_are_released_on_dispose()
    {
        using var stream = new FileStream(_path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        using FileLock other = FileLock.Open(_path);
        using (var borrowed = new FileLock(stream))
        {
            Assert.True(borrowed.TryLock(FileLockType.Write, 0, 1));
            Assert.False(other.TryLock(FileLockType.Write, 0, 1));
        }

        Assert.True(stream.CanWrite);
        Assert.True(other.TryLock(FileLockType.Write, 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FileLock(stream, (FileLockKind)9));
    }

    [Fact]
    public void LockAsync_on_a_free_lock_completes_at_once_and_allocates_nothing()
    {
        foreach (FileLockKind kind in Enum.GetValues<FileLockKind>())
        {
            using FileLock fileLock = FileLock.Open(_path, kind);
            const int Calls = 1000;
            long allocated = Allocations.Over(Calls, () =>
            {
                ValueTask locking = fileLock.LockAsync(FileLockType.Write);
                Assert.True(locking.IsCompletedSuccessfully);
                locking.GetAwaiter().GetResult();
                fileLock.Unlock();
            });

            // Less than a byte per call: any object allocated each time would be 24 bytes or more.
            Assert.True(allocated < Calls, $"{kind}: {allocated} bytes allocated over {Calls} calls");
        }
    }
}

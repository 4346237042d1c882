using System.Diagnostics;

namespace UnixIpc.Tests;

/// <summary>System V semaphore set behaviours (CONFORMANCE.md §5) through the library.</summary>
public sealed class SystemVSemaphoreSetTests
{
    private sealed class SetScope : IDisposable
    {
        public SetScope(int count, int initialValue = 0, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
        {
            Set = SystemVSemaphoreSet.CreateNew(IpcKey.Private, count, mode, initialValue);
        }

        public SystemVSemaphoreSet Set { get; }

        public void Dispose() => Set.TryRemove();
    }

    [Fact]
    [Trait("conformance", "SVSEM-01")]
    [Trait("conformance", "SVSEM-17")]
    public void A_new_set_has_its_count_mode_and_values_and_no_operation_time_yet()
    {
        using var scope = new SetScope(3, initialValue: 2, mode: UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        SystemVSemaphoreSetStatus status = scope.Set.Stat();
        Assert.Equal(3, status.Count);
        Assert.Equal(3, scope.Set.Count);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, status.Mode);
        Assert.Equal(new[] { 2, 2, 2 }, scope.Set.GetValues());
        Assert.Null(status.LastOperationTime);
        scope.Set.Apply(SemaphoreOperation.Acquire(0));
        Assert.NotNull(scope.Set.Stat().LastOperationTime);
    }

    [Fact]
    [Trait("conformance", "SVSEM-02")]
    public void Get_errors_EEXIST_ENOENT_EINVAL_and_open_with_zero_count()
    {
        string file = TestNames.KeyFile();
        IpcKey key = IpcKey.FromPath(file, 4);
        try
        {
            Assert.Equal(Errno.ENOENT, Assert.Throws<UnixIpcException>(() => SystemVSemaphoreSet.OpenExisting(key)).Error);
            SystemVSemaphoreSet set = SystemVSemaphoreSet.CreateNew(key, 2);
            Assert.Equal(Errno.EEXIST, Assert.Throws<UnixIpcException>(() => SystemVSemaphoreSet.CreateNew(key, 2)).Error);
            Assert.Equal(Errno.EINVAL, Assert.Throws<UnixIpcException>(() => SystemVSemaphoreSet.OpenExisting(key, 3)).Error);
            SystemVSemaphoreSet opened = SystemVSemaphoreSet.OpenExisting(key);
            Assert.Equal(set.Id, opened.Id);
            Assert.Equal(2, opened.Count);
            Assert.Equal(set.Id, SystemVSemaphoreSet.CreateOrOpen(key, 1).Id);
            Assert.Throws<ArgumentOutOfRangeException>(() => SystemVSemaphoreSet.CreateNew(IpcKey.Private, 0));
            Assert.Equal(-1, Interop.SemGet(Interop.IPC_PRIVATE, 40000, Interop.IPC_CREAT | 0x180)); // above SEMMSL
            Assert.Equal(Errno.EINVAL, Interop.LastErrno);
            set.Remove();
        }
        finally
        {
            if (SystemVSemaphoreSet.TryOpenExisting(key, out SystemVSemaphoreSet? left))
            {
                left.Remove();
            }

            File.Delete(file);
        }
    }

    [Fact]
    [Trait("conformance", "SVSEM-03")]
    [Trait("conformance", "SVSEM-04")]
    public void Operations_apply_all_or_nothing_and_wait_for_zero_works()
    {
        using var scope = new SetScope(2);
        SystemVSemaphoreSet set = scope.Set;
        Assert.False(set.TryApply(SemaphoreOperation.Release(0), SemaphoreOperation.Acquire(1)));
        Assert.Equal(new[] { 0, 0 }, set.GetValues()); // the +1 on sem 0 was not applied either

        Assert.True(set.TryApply(SemaphoreOperation.WaitForZero(0), SemaphoreOperation.Release(1, 2)));
        Assert.Equal(new[] { 0, 2 }, set.GetValues());
        set.SetValue(0, 1);
        Assert.False(set.TryApply(SemaphoreOperation.WaitForZero(0)));
        Assert.False(set.TryApply(SemaphoreOperation.Acquire(1, 3)));
        Assert.True(set.TryApply(SemaphoreOperation.Acquire(0), SemaphoreOperation.Acquire(1, 2)));
        Assert.Equal(new[] { 0, 0 }, set.GetValues());

        // A NoWait operation inside a blocking Apply is refused with EAGAIN, nothing applied.
        UnixIpcException e = Assert.Throws<UnixIpcException>(() => set.Apply(new SemaphoreOperation(0, -1, noWait: true), SemaphoreOperation.Release(1)));
        Assert.Equal(Errno.EAGAIN, e.Error);
        Assert.Equal(new[] { 0, 0 }, set.GetValues());
    }

    [Fact]
    [Trait("conformance", "SVSEM-05")]
    public void A_timed_apply_gives_up_on_time_and_the_kernel_says_EAGAIN()
    {
        using var scope = new SetScope(1);
        var clock = Stopwatch.StartNew();
        Assert.False(scope.Set.TryApply([SemaphoreOperation.Acquire(0)], TimeSpan.FromMilliseconds(200)));
        TimeoutAssert.GaveUpOnTime(clock.Elapsed, TimeSpan.FromMilliseconds(200));
        unsafe
        {
            var op = new Interop.sembuf { sem_num = 0, sem_op = -1 };
            Interop.timespec shortWait = Interop.timespec.Relative(TimeSpan.FromMilliseconds(10));
            Assert.Equal(-1, Interop.SemTimedOp(scope.Set.Id, &op, 1, &shortWait));
            Assert.Equal(Errno.EAGAIN, Interop.LastErrno); // not ETIMEDOUT
        }

        scope.Set.SetValue(0, 1);
        Assert.True(scope.Set.TryApply([SemaphoreOperation.Acquire(0)], TimeSpan.Zero));
    }

    [Fact]
    [Trait("conformance", "SVSEM-07")]
    public unsafe void Semop_errors_E2BIG_EINVAL_EFBIG_ERANGE()
    {
        using var scope = new SetScope(2);
        SystemVSemaphoreSet set = scope.Set;
        Assert.Throws<ArgumentException>(() => set.TryApply());
        Assert.Throws<ArgumentOutOfRangeException>(() => set.TryApply(SemaphoreOperation.Release(2)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SemaphoreOperation(0, 40000));

        var many = new Interop.sembuf[1024];
        fixed (Interop.sembuf* p = many)
        {
            Assert.Equal(-1, Interop.SemOp(set.Id, p, 1024));
            Assert.Equal(Errno.E2BIG, Interop.LastErrno);
            Assert.Equal(-1, Interop.SemOp(set.Id, p, 0));
            Assert.Equal(Errno.EINVAL, Interop.LastErrno);
        }

        var outside = new Interop.sembuf { sem_num = 2, sem_op = 1 };
        Assert.Equal(-1, Interop.SemOp(set.Id, &outside, 1));
        Assert.Equal(Errno.EFBIG, Interop.LastErrno);

        set.SetValue(0, SystemVSemaphoreSet.MaxValue);
        UnixIpcException range = Assert.Throws<UnixIpcException>(() => set.TryApply(SemaphoreOperation.Release(0)));
        Assert.Equal(Errno.ERANGE, range.Error);
        Assert.Contains("32767", range.Hint, StringComparison.Ordinal);

        set.Remove();
        Assert.Equal(Errno.EINVAL, Assert.Throws<UnixIpcException>(() => set.TryApply(SemaphoreOperation.Release(0))).Error);
    }

    [Fact]
    public void TryRemove_removes_the_set_once_and_then_answers_false()
    {
        SystemVSemaphoreSet set = SystemVSemaphoreSet.CreateNew(IpcKey.Private, 1);
        Assert.True(SystemVSemaphoreSet.TryRemove(set.Id));
        Assert.False(set.TryRemove());
        Assert.False(SystemVSemaphoreSet.TryRemove(set.Id));
        Assert.Equal(Errno.EINVAL, Assert.Throws<UnixIpcException>(() => set.Remove()).Error);
    }

    [Fact]
    [Trait("conformance", "SVSEM-10")]
    [Trait("conformance", "SIG-08")]
    public async Task A_blocked_apply_survives_signals_and_is_cancelled_promptly_through_its_token()
    {
        using var scope = new SetScope(1);
        SystemVSemaphoreSet set = scope.Set;
        Task<bool> blocked = await ThreadProbe.StartBlockedAsync(() => { set.Apply(SemaphoreOperation.Acquire(0)); return true; });
        ProcessRunner.Result child = await ProcessRunner.RunAsync("/bin/true", []);
        Assert.Equal(0, child.ExitCode);
        await ThreadProbe.InterruptAsync(blocked); // EINTR on this very thread, three times
        Assert.False(blocked.IsCompleted, "semop returned after a signal instead of retrying");
        set.Apply(SemaphoreOperation.Release(0));
        Assert.True(await blocked.WaitAsync(TimeSpan.FromSeconds(30)));

        using var cancel = new CancellationTokenSource();
        Task<bool> cancellable = await ThreadProbe.StartBlockedAsync(() => { set.Apply([SemaphoreOperation.Acquire(0)], cancel.Token); return true; });
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancellable.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, set.GetWaitingForIncrease(0));
    }

    [Fact]
    [Trait("conformance", "SVSEM-11")]
    [Trait("conformance", "SVSEM-12")]
    public async Task Waiting_counts_and_last_pid()
    {
        using var scope = new SetScope(2);
        SystemVSemaphoreSet set = scope.Set;
        Assert.Equal(0, set.GetWaitingForIncrease(0));
        Assert.Equal(0, set.GetWaitingForZero(1));
        set.SetValue(1, 1);
        Task<bool> increase = await ThreadProbe.StartBlockedAsync(() => { set.Apply(SemaphoreOperation.Acquire(0)); return true; });
        Task<bool> zero = await ThreadProbe.StartBlockedAsync(() => { set.Apply(SemaphoreOperation.WaitForZero(1)); return true; });
        Assert.Equal(1, set.GetWaitingForIncrease(0));
        Assert.Equal(1, set.GetWaitingForZero(1));
        set.Apply(SemaphoreOperation.Release(0), SemaphoreOperation.Acquire(1));
        await Task.WhenAll(increase, zero).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, set.GetWaitingForIncrease(0));
        Assert.Equal(Environment.ProcessId, set.GetLastProcessId(0));
    }

    [Fact]
    [Trait("conformance", "SVSEM-13")]
    public unsafe void Values_round_trip_and_out_of_range_is_ERANGE()
    {
        using var scope = new SetScope(3);
        SystemVSemaphoreSet set = scope.Set;
        set.SetValue(1, 42);
        set.Apply(SemaphoreOperation.Acquire(1, 10));
        Assert.Equal(32, set.GetValue(1));
        set.SetValues(1, 2, 3);
        Assert.Equal(new[] { 1, 2, 3 }, set.GetValues());
        Assert.Throws<ArgumentOutOfRangeException>(() => set.SetValue(0, 32768));
        Assert.Throws<ArgumentOutOfRangeException>(() => set.SetValue(0, -1));
        Assert.Throws<ArgumentException>(() => set.SetValues(1, 2));
        Assert.Equal(-1, Interop.SemCtl(set.Id, 0, Interop.SETVAL, 32768));
        Assert.Equal(Errno.ERANGE, Interop.LastErrno);
        Assert.Equal(-1, Interop.SemCtl(set.Id, 0, Interop.SETVAL, -1));
        Assert.Equal(Errno.ERANGE, Interop.LastErrno);
    }

    [Fact]
    [Trait("conformance", "SVSEM-14")]
    [Trait("conformance", "SVSEM-15")]
    public void SetPermissions_shows_in_stat_and_bad_commands_or_ids_are_EINVAL()
    {
        using var scope = new SetScope(1);
        DateTimeOffset before = scope.Set.Stat().ChangeTime;
        scope.Set.SetPermissions(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        SystemVSemaphoreSetStatus status = scope.Set.Stat();
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead, status.Mode);
        // ctime has one-second resolution: that IPC_SET moved it cannot be seen without waiting a second; what can
        // fail is its decoding (a wrong offset or unit gives a time nowhere near now).
        Assert.InRange(status.ChangeTime, before, DateTimeOffset.UtcNow.AddSeconds(2));
        Assert.InRange(before, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddSeconds(2));
        Assert.Equal(-1, Interop.SemCtl(scope.Set.Id, 0, 9999, 0));
        Assert.Equal(Errno.EINVAL, Interop.LastErrno);
        Assert.Equal(Errno.EINVAL, Assert.Throws<UnixIpcException>(() => SystemVSemaphoreSet.FromId(int.MaxValue)).Error);
    }

    [Fact]
    [Trait("conformance", "SVSEM-09")]
    public async Task Removal_wakes_async_waiters_with_a_distinct_error_and_later_calls_are_EINVAL()
    {
        using var scope = new SetScope(1);
        SystemVSemaphoreSet set = scope.Set;
        Task waiting = set.ApplyAsync([SemaphoreOperation.Acquire(0)]).AsTask();
        Assert.False(waiting.IsCompleted);
        await ThreadProbe.WaitUntilProcessBlockedInAsync(Environment.ProcessId, "semop");
        set.Remove();
        IpcObjectRemovedException e = await Assert.ThrowsAsync<IpcObjectRemovedException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(Errno.EIDRM, e.Error);
        Assert.Equal(Errno.EINVAL, Assert.Throws<UnixIpcException>(() => set.TryApply(SemaphoreOperation.Release(0))).Error);
    }

    [Fact]
    public async Task Cancelling_async_applies_leaves_the_values_untouched()
    {
        using var scope = new SetScope(2);
        SystemVSemaphoreSet set = scope.Set;
        using var cancel = new CancellationTokenSource();
        Task[] pending = Enumerable.Range(0, 5).Select(_ => set.ApplyAsync([SemaphoreOperation.Acquire(0), SemaphoreOperation.Release(1)], cancel.Token).AsTask()).ToArray();
        await cancel.CancelAsync();
        foreach (Task task in pending)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task.WaitAsync(TimeSpan.FromSeconds(30)));
        }

        Assert.Equal(new[] { 0, 0 }, set.GetValues());
        Assert.Equal(0, set.GetWaitingForIncrease(0));
    }

    [Fact]
    public void ApplyAsync_that_applies_at_once_allocates_nothing()
    {
        using var scope = new SetScope(1);
        SemaphoreOperation[] release = [SemaphoreOperation.Release(0)], acquire = [SemaphoreOperation.Acquire(0)];
        const int Calls = 1000;
        long allocated = Allocations.Over(Calls, () =>
        {
            ValueTask released = scope.Set.ApplyAsync(release), acquired = scope.Set.ApplyAsync(acquire);
            Assert.True(released.IsCompletedSuccessfully && acquired.IsCompletedSuccessfully);
            released.GetAwaiter().GetResult();
            acquired.GetAwaiter().GetResult();
        });

        // Less than a byte per call: any object allocated each time would be 24 bytes or more.
        Assert.True(allocated < Calls, $"{allocated} bytes allocated over {Calls} calls");
        Assert.Equal(new[] { 0 }, scope.Set.GetValues());
    }
}

using System.Diagnostics;

namespace UnixIpc.Tests;

/// <summary>POSIX semaphore behaviours (CONFORMANCE.md §2) through the library.</summary>
public sealed class PosixSemaphoreTests : IDisposable
{
    private readonly List<string> _names = [];

    public void Dispose()
    {
        foreach (string name in _names)
        {
            PosixSemaphore.TryUnlink(name);
        }
    }

    private PosixSemaphore NewSemaphore(int value = 0)
    {
        string name = TestNames.Unique("psem");
        _names.Add(name);
        return PosixSemaphore.CreateNew(name, value);
    }

    [Fact]
    [Trait("conformance", "PSEM-02")]
    [Trait("conformance", "PSEM-03")]
    [Trait("conformance", "PSEM-11")]
    public void Wait_takes_one_post_adds_one_and_trywait_at_zero_changes_nothing()
    {
        using PosixSemaphore semaphore = NewSemaphore(42);
        Assert.Equal(42, semaphore.Value);
        semaphore.Wait();
        Assert.True(semaphore.TryWait());
        Assert.Equal(40, semaphore.Value);
        semaphore.Release(3);
        Assert.Equal(43, semaphore.Value);

        using PosixSemaphore zero = NewSemaphore();
        Assert.Equal(0, zero.Value);
        Assert.False(zero.TryWait());
        Assert.Equal(0, zero.Value);
        Assert.Throws<ArgumentOutOfRangeException>(() => PosixSemaphore.CreateNew(TestNames.Unique("psem"), -1));
    }

    [Fact]
    [Trait("conformance", "PSEM-04")]
    [Trait("conformance", "PSEM-05")]
    public void A_timed_wait_gives_up_on_time_and_succeeds_at_once_when_it_can()
    {
        using PosixSemaphore semaphore = NewSemaphore();
        var clock = Stopwatch.StartNew();
        Assert.False(semaphore.TryWait(TimeSpan.FromMilliseconds(200)));
        TimeoutAssert.GaveUpOnTime(clock.Elapsed, TimeSpan.FromMilliseconds(200));
        Assert.False(semaphore.TryWait(TimeSpan.Zero));
        Assert.Equal(0, semaphore.Value);
        semaphore.Release();
        Assert.True(semaphore.TryWait(TimeSpan.Zero));

        // The kernel's rules the library builds on: a past deadline is ETIMEDOUT at 0 and succeeds above 0.
        unsafe
        {
            Interop.timespec past = new() { tv_sec = 1 };
            Assert.Equal(-1, Interop.SemTimedWait(semaphore.Handle, &past));
            Assert.Equal(Errno.ETIMEDOUT, Interop.LastErrno);
            semaphore.Release();
            Assert.Equal(0, Interop.SemTimedWait(semaphore.Handle, &past));
        }
    }

    [Fact]
    [Trait("conformance", "PSEM-06")]
    public unsafe void An_invalid_timespec_is_EINVAL_when_the_call_would_block()
    {
        using PosixSemaphore semaphore = NewSemaphore();
        Interop.timespec bad = new() { tv_sec = 1, tv_nsec = 1_000_000_000 };
        Assert.Equal(-1, Interop.SemTimedWait(semaphore.Handle, &bad));
        Assert.Equal(Errno.EINVAL, Interop.LastErrno);
        bad.tv_nsec = -1;
        Assert.Equal(-1, Interop.SemClockWait(semaphore.Handle, Interop.CLOCK_MONOTONIC, &bad));
        Assert.Equal(Errno.EINVAL, Interop.LastErrno);
        Interop.timespec made = Interop.DeadlineOn(Interop.CLOCK_MONOTONIC, TimeSpan.FromTicks(TimeSpan.TicksPerSecond - 1));
        Assert.InRange(made.tv_nsec, 0, 999_999_999);
    }

    [Fact]
    [Trait("conformance", "PSEM-07")]
    [Trait("conformance", "SIG-08")]
    public async Task A_blocked_wait_survives_signals_and_a_cancellable_wait_is_cancelled_promptly()
    {
        using PosixSemaphore semaphore = NewSemaphore();
        Task<bool> blocked = await ThreadProbe.StartBlockedAsync(() => { semaphore.Wait(); return true; });
        ProcessRunner.Result child = await ProcessRunner.RunAsync("/bin/true", []); // SIGCHLD
        Assert.Equal(0, child.ExitCode);
        await ThreadProbe.InterruptAsync(blocked); // EINTR on this very thread, three times
        Assert.False(blocked.IsCompleted);
        semaphore.Release();
        Assert.True(await blocked.WaitAsync(TimeSpan.FromSeconds(30)));

        using var cancel = new CancellationTokenSource();
        Task<bool> cancellable = await ThreadProbe.StartBlockedAsync(() => { semaphore.Wait(cancel.Token); return true; });
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancellable.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, semaphore.Value);
    }

    [Fact]
    [Trait("conformance", "PSEM-10")]
    public void CreateOrOpen_of_an_existing_semaphore_ignores_the_initial_value()
    {
        using PosixSemaphore first = NewSemaphore(3);
        using var second = PosixSemaphore.CreateOrOpen(first.Name!, 99);
        Assert.Equal(3, second.Value);
    }

    [Fact]
    [Trait("conformance", "PSEM-11")]
    public void The_kernel_refuses_an_initial_value_above_SEM_VALUE_MAX()
    {
        string name = TestNames.Unique("psem");
        _names.Add(name);
        Assert.Equal(0, Interop.SemOpen(name, Interop.O_CREAT | Interop.O_EXCL, 0x180, (uint)int.MaxValue + 1));
        Assert.Equal(Errno.EINVAL, Interop.LastErrno);
        using var max = PosixSemaphore.CreateNew(name, int.MaxValue);
        Assert.Equal(int.MaxValue, max.Value);
    }

    [Fact]
    [Trait("conformance", "PSEM-12")]
    public void Names_are_at_most_251_bytes_and_glibc_agrees()
    {
        string ok = "/" + TestNames.Prefix + new string('s', 251 - TestNames.Prefix.Length);
        _names.Add(ok);
        using (var semaphore = PosixSemaphore.CreateNew(ok))
        {
            Assert.Equal(ok, semaphore.Name);
        }

        Assert.Throws<ArgumentException>(() => PosixSemaphore.CreateNew(ok + "s"));
        Assert.Equal(0, Interop.SemOpen(ok + "s", Interop.O_CREAT, 0x180, 0));
        Assert.Equal(Errno.ENAMETOOLONG, Interop.LastErrno);
        Assert.Equal(0, Interop.SemOpen("/", Interop.O_CREAT, 0x180, 0));
        Assert.Equal(Errno.EINVAL, Interop.LastErrno);
        Assert.Equal(0, Interop.SemOpen("/a/b", Interop.O_CREAT, 0x180, 0));
        Assert.Equal(Errno.EINVAL, Interop.LastErrno);
    }

    [Fact]
    [Trait("conformance", "PSEM-13")]
    public void A_post_past_SEM_VALUE_MAX_is_EOVERFLOW_and_changes_nothing()
    {
        using PosixSemaphore semaphore = NewSemaphore(int.MaxValue);
        UnixIpcException e = Assert.Throws<UnixIpcException>(() => semaphore.Release());
        Assert.Equal(Errno.EOVERFLOW, e.Error);
        Assert.Equal(int.MaxValue, semaphore.Value);
    }

    [Fact]
    [Trait("conformance", "PSEM-14")]
    [Trait("conformance", "PSEM-16")]
    public void Close_and_unlink_leave_the_value_and_open_handles_alone()
    {
        using PosixSemaphore semaphore = NewSemaphore(5);
        using (var other = PosixSemaphore.OpenExisting(semaphore.Name!))
        {
            Assert.Equal(semaphore.Handle.Pointer, other.Handle.Pointer); // glibc: the same sem_t* per name
            Assert.True(other.TryWait());
        }

        Assert.Equal(4, semaphore.Value); // closing the other handle changed nothing, and this one still works
        PosixSemaphore.Unlink(semaphore.Name!);
        semaphore.Release();
        Assert.Equal(5, semaphore.Value);
        using var fresh = PosixSemaphore.CreateNew(semaphore.Name!, 0);
        Assert.Equal(0, fresh.Value);
        Assert.Equal(5, semaphore.Value);
    }

    [Fact]
    [Trait("conformance", "PSEM-17")]
    public void An_unnamed_semaphore_lives_in_shared_memory_and_checks_its_place()
    {
        string name = TestNames.Unique("pshm");
        try
        {
            using var shm = PosixSharedMemory.CreateNew(name, 4096);
            using MappedRegion region = shm.Map();
            using PosixSemaphore semaphore = PosixSemaphore.Initialize(region, 64, 2);
            Assert.Null(semaphore.Name);
            using PosixSemaphore sameMemory = PosixSemaphore.At(region, 64);
            Assert.True(sameMemory.TryWait());
            Assert.Equal(1, semaphore.Value);

            Assert.Throws<ArgumentException>(() => PosixSemaphore.Initialize(region, 66, 0));            // misaligned
            Assert.Throws<ArgumentOutOfRangeException>(() => PosixSemaphore.Initialize(region, 4090, 0)); // does not fit
            using MappedRegion privateCopy = shm.Map(MapAccess.CopyOnWrite);
            Assert.Throws<ArgumentException>(() => PosixSemaphore.Initialize(privateCopy, 0, 0));       // not shared

            // The kernel rules: a value above SEM_VALUE_MAX is EINVAL; destroy with no waiter is fine.
            using (MappedRegionAccess view = region.Acquire())
            {
                unsafe
                {
                    Assert.Equal(-1, Interop.SemInit((nint)(view.Address + 128), 1, (uint)int.MaxValue + 1));
                    Assert.Equal(Errno.EINVAL, Interop.LastErrno);
                }
            }

            sameMemory.Destroy();
            Assert.Throws<ObjectDisposedException>(() => sameMemory.TryWait());
            Assert.Throws<InvalidOperationException>(() => NewSemaphore().Destroy());
        }
        finally
        {
            PosixSharedMemory.TryUnlink(name);
        }
    }

    [Fact]
    public void The_semaphore_keeps_its_mapping_alive_after_the_region_is_disposed()
    {
        string name = TestNames.Unique("pshm");
        try
        {
            using var shm = PosixSharedMemory.CreateNew(name, 4096);
            MappedRegion region = shm.Map();
            using PosixSemaphore semaphore = PosixSemaphore.Initialize(region, 0, 1);
            region.Dispose();
            Assert.True(semaphore.TryWait()); // no fault: the semaphore's reference keeps the pages mapped
            semaphore.Release();
        }
        finally
        {
            PosixSharedMemory.TryUnlink(name);
        }
    }

    [Fact]
    [Trait("conformance", "PSEM-18")]
    public async Task While_a_thread_waits_the_value_reads_zero_and_WaitAsync_completes_on_release()
    {
        using PosixSemaphore semaphore = NewSemaphore();
        Task waiting = semaphore.WaitAsync().AsTask();
        ulong word = (ulong)semaphore.Handle.DangerousGetHandle();
        await ThreadCensus.WaitForBlockedAsync("futex", address => address >= word && address < word + 32, 1); // asleep in sem_wait first
        Assert.False(waiting.IsCompleted);
        Assert.Equal(0, semaphore.Value);
        semaphore.Release();
        await waiting.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, semaphore.Value);

        using var cancel = new CancellationTokenSource();
        Task cancelled = semaphore.WaitAsync(cancel.Token).AsTask();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(TimeSpan.FromSeconds(30)));
        semaphore.Release();
        Assert.Equal(1, semaphore.Value); // the cancelled wait took nothing
    }

    [Fact]
    public async Task Each_async_wait_blocks_a_library_waiter_thread_never_a_pool_thread()
    {
        // sem_wait has no descriptor to poll: the design parks each pending wait on one of the library's own waiter
        // threads. Checked on the design itself: all 20 waits are seen blocked in the futex of this very semaphore, each
        // on a thread named "UnixIpc waiter" (a design that parked them on the pool would show ".NET TP Worker", and
        // only as many of them as the pool had threads).
        using PosixSemaphore semaphore = NewSemaphore();
        ulong word = (ulong)semaphore.Handle.DangerousGetHandle();
        Task[] waiters = Enumerable.Range(0, 20).Select(_ => semaphore.WaitAsync().AsTask()).ToArray();
        IReadOnlyList<ThreadCensus.BlockedThread> blocked = await ThreadCensus.WaitForBlockedAsync("futex", address => address >= word && address < word + 32, 20);
        Assert.All(blocked, t => Assert.Equal("UnixIpc waiter", t.Name));
        semaphore.Release(20);
        await Task.WhenAll(waiters).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, semaphore.Value);
    }

    [Fact]
    public void WaitAsync_above_zero_completes_at_once_and_allocates_nothing()
    {
        using PosixSemaphore semaphore = NewSemaphore();
        const int Calls = 1000;
        long allocated = Allocations.Over(Calls, () =>
        {
            semaphore.Release();
            ValueTask waiting = semaphore.WaitAsync();
            Assert.True(waiting.IsCompletedSuccessfully);
            waiting.GetAwaiter().GetResult();
        });

        // Less than a byte per call: any object allocated each time would be 24 bytes or more.
        Assert.True(allocated < Calls, $"{allocated} bytes allocated over {Calls} calls");
        Assert.Equal(0, semaphore.Value);
    }

    [Fact]
    public void ReadValue_reads_a_named_semaphore_without_opening_it_for_use()
    {
        string name = TestNames.Unique("psemread");
        try
        {
            using var semaphore = PosixSemaphore.CreateNew(name, 3);
            semaphore.Release();
            Assert.Equal(4, PosixSemaphore.ReadValue(name));
            Assert.True(semaphore.TryWait());
            Assert.Equal(3, PosixSemaphore.ReadValue(name.TrimStart('/')));
        }
        finally
        {
            PosixSemaphore.TryUnlink(name);
        }

        Assert.Equal(Errno.ENOENT, Assert.Throws<UnixIpcException>(() => PosixSemaphore.ReadValue(name)).Error);
    }
}

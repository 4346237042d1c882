using BenchmarkDotNet.Attributes;

namespace UnixIpc.Benchmarks.Micro;

/// <summary>
/// A release and a non-waiting acquire (TryApply, IPC_NOWAIT) on a private System V semaphore set, one semop each,
/// against the same two semop calls from bare libc; an atomic two-semaphore acquire with its release; and ApplyAsync
/// where it completes at once.
/// </summary>
[MemoryDiagnoser]
public class SystemVSemaphoreBenchmarks
{
    private readonly SemaphoreOperation[] _release = [SemaphoreOperation.Release(0)];
    private readonly SemaphoreOperation[] _acquire = [SemaphoreOperation.Acquire(0)];
    private SystemVSemaphoreSet _set = null!;

    [GlobalSetup]
    public void Setup() => _set = SystemVSemaphoreSet.CreateNew(IpcKey.Private, 2, initialValue: 1);

    [GlobalCleanup]
    public void Cleanup() => _set.Remove();

    [Benchmark(Baseline = true)]
    public unsafe void LibcReleaseThenTryAcquire()
    {
        var release = new Libc.sembuf { sem_num = 0, sem_op = 1, sem_flg = Libc.IPC_NOWAIT };
        var acquire = new Libc.sembuf { sem_num = 0, sem_op = -1, sem_flg = Libc.IPC_NOWAIT };
        _ = Libc.SemOp(_set.Id, &release, 1);
        _ = Libc.SemOp(_set.Id, &acquire, 1);
    }

    [Benchmark]
    public bool TryApplyReleaseThenAcquire()
        => _set.TryApply(SemaphoreOperation.Release(0)) & _set.TryApply(SemaphoreOperation.Acquire(0));

    [Benchmark]
    public bool TryApplyBothThenReleaseBoth()
        => _set.TryApply(SemaphoreOperation.Acquire(0), SemaphoreOperation.Acquire(1))
            & _set.TryApply(SemaphoreOperation.Release(0), SemaphoreOperation.Release(1));

    [Benchmark]
    public async ValueTask ApplyAsyncReleaseThenAcquire()
    {
        await _set.ApplyAsync(_release); // both apply at once: no waiter thread
        await _set.ApplyAsync(_acquire);
    }
}

using BenchmarkDotNet.Attributes;

namespace UnixIpc.Benchmarks.Micro;

/// <summary>
/// A post and a non-waiting take (Release, TryWait) on a named POSIX semaphore and on an unnamed one in shared
/// memory, against sem_post and sem_trywait from bare libc on the named one (sem_open'd again). Uncontended, none
/// of these enters the kernel: the ratio is the managed layer against a few atomic instructions. WaitAsync on a
/// semaphore above 0 completes at once.
/// </summary>
[MemoryDiagnoser]
public class PosixSemaphoreBenchmarks
{
    private readonly string _name = $"/unixipc_micro_sem_{Environment.ProcessId}";
    private readonly string _memoryName = $"/unixipc_micro_semshm_{Environment.ProcessId}";
    private PosixSemaphore _named = null!;
    private PosixSharedMemory _memory = null!;
    private MappedRegion _region = null!;
    private PosixSemaphore _unnamed = null!;
    private nint _libcSemaphore;

    [GlobalSetup]
    public void Setup()
    {
        _named = PosixSemaphore.CreateNew(_name);
        _libcSemaphore = Libc.SemOpen(_name, 0);
        if (_libcSemaphore is 0 or -1)
        {
            throw new InvalidOperationException($"sem_open {_name} failed");
        }

        _memory = PosixSharedMemory.CreateNew(_memoryName, 4096);
        _region = _memory.Map();
        _unnamed = PosixSemaphore.Initialize(_region, 0, 0);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _ = Libc.SemClose(_libcSemaphore);
        _named.Dispose();
        PosixSemaphore.TryUnlink(_name);
        _unnamed.Dispose();
        _region.Dispose();
        _memory.Dispose();
        PosixSharedMemory.TryUnlink(_memoryName);
    }

    [Benchmark(Baseline = true)]
    public bool LibcPostThenTryWait() => (Libc.SemPost(_libcSemaphore) | Libc.SemTryWait(_libcSemaphore)) == 0;

    [Benchmark]
    public bool ReleaseThenTryWait()
    {
        _named.Release();
        return _named.TryWait();
    }

    [Benchmark]
    public bool UnnamedReleaseThenTryWait()
    {
        _unnamed.Release();
        return _unnamed.TryWait();
    }

    [Benchmark]
    public async ValueTask ReleaseThenWaitAsync()
    {
        _named.Release();
        await _named.WaitAsync(); // above 0: completes at once, no waiter thread
    }
}

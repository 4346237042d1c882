using BenchmarkDotNet.Attributes;

namespace UnixIpc.Benchmarks.Micro;

/// <summary>
/// Taking a write lock without waiting and giving it back (TryLock, Unlock) with each kind of lock, against the
/// same calls from bare libc on the same descriptor: fcntl F_SETLK (Process), F_OFD_SETLK (OpenFileDescription),
/// flock LOCK_EX|LOCK_NB (WholeFile); and LockAsync, which completes at once on a free lock.
/// </summary>
[MemoryDiagnoser]
public class FileLockBenchmarks
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"unixipc_micro_lock_{Environment.ProcessId}");
    private FileStream _file = null!;
    private FileLock _lock = null!;
    private int _fd;

    [Params(FileLockKind.Process, FileLockKind.OpenFileDescription, FileLockKind.WholeFile)]
    public FileLockKind Kind { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _file = new FileStream(_path, FileMode.Create, FileAccess.ReadWrite, FileShare.ReadWrite, 1, FileOptions.DeleteOnClose);
        _lock = new FileLock(_file, Kind);
        _fd = (int)_file.SafeFileHandle.DangerousGetHandle();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _lock.Dispose();
        _file.Dispose();
    }

    [Benchmark(Baseline = true)]
    public unsafe void LibcLockThenUnlock()
    {
        if (Kind == FileLockKind.WholeFile)
        {
            _ = Libc.Flock(_fd, Libc.LOCK_EX | Libc.LOCK_NB);
            _ = Libc.Flock(_fd, Libc.LOCK_UN);
            return;
        }

        int command = Kind == FileLockKind.Process ? Libc.F_SETLK : Libc.F_OFD_SETLK;
        var description = new Libc.flock { l_type = Libc.F_WRLCK };
        _ = Libc.FcntlLock(_fd, command, &description);
        description = new Libc.flock { l_type = Libc.F_UNLCK };
        _ = Libc.FcntlLock(_fd, command, &description);
    }

    [Benchmark]
    public bool TryLockThenUnlock()
    {
        bool locked = _lock.TryLock(FileLockType.Write);
        _lock.Unlock();
        return locked;
    }

    [Benchmark]
    public async ValueTask LockAsyncThenUnlock()
    {
        await _lock.LockAsync(FileLockType.Write); // free: completes at once, no waiter thread
        _lock.Unlock();
    }
}

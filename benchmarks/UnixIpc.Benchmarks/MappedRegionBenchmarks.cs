using BenchmarkDotNet.Attributes;

namespace UnixIpc.Benchmarks;

/// <summary>The cost of the safety in <see cref="MappedRegion"/>: bounds checks and the handle reference per access.</summary>
[MemoryDiagnoser]
public class MappedRegionBenchmarks
{
    private readonly string _name = $"/unixipc_bench_{Environment.ProcessId}";
    private PosixSharedMemory _shm = null!;
    private MappedRegion _region = null!;
    private readonly byte[] _buffer = new byte[64];

    [GlobalSetup]
    public void Setup()
    {
        _shm = PosixSharedMemory.CreateNew(_name, 1 << 20);
        _region = _shm.Map();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _region.Dispose();
        _shm.Dispose();
        PosixSharedMemory.TryUnlink(_name);
    }

    [Benchmark]
    public void Write64Bytes() => _region.Write(4096, _buffer);

    [Benchmark]
    public int Read64Bytes() => _region.Read(4096, _buffer);

    [Benchmark]
    public long ReadInt64() => _region.Read<long>(8);

    [Benchmark]
    public int AtomicAddInt32() => _region.AtomicAddInt32(64, 1);

    [Benchmark(Baseline = true)]
    public long AcquireAndIncrement()
    {
        using MappedRegionAccess view = _region.Acquire();
        return Interlocked.Increment(ref view.Ref<long>(128));
    }
}

using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace UnixIpc.Benchmarks.Micro;

/// <summary>
/// The cost of the safety in <see cref="MappedRegion"/> (bounds checks and the handle reference per access) against
/// a raw pointer into the same mapping: each category pairs one access with its unchecked form.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public unsafe class MappedRegionBenchmarks
{
    private readonly string _name = $"/unixipc_micro_region_{Environment.ProcessId}";
    private readonly byte[] _buffer = new byte[64];
    private PosixSharedMemory _shm = null!;
    private MappedRegion _region = null!;
    private byte* _raw;

    [GlobalSetup]
    public void Setup()
    {
        _shm = PosixSharedMemory.CreateNew(_name, 1 << 20);
        _region = _shm.Map();
        // The address stays valid until Cleanup unmaps: nothing else disposes the region meanwhile.
        using MappedRegionAccess view = _region.Acquire();
        _raw = (byte*)Unsafe.AsPointer(ref view.Ref<byte>(0));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _region.Dispose();
        _shm.Dispose();
        PosixSharedMemory.TryUnlink(_name);
    }

    [Benchmark(Baseline = true), BenchmarkCategory("write 64 B")]
    public void PointerWrite64Bytes() => _buffer.CopyTo(new Span<byte>(_raw + 4096, 64));

    [Benchmark, BenchmarkCategory("write 64 B")]
    public void Write64Bytes() => _region.Write(4096, _buffer);

    [Benchmark(Baseline = true), BenchmarkCategory("read 64 B")]
    public void PointerRead64Bytes() => new ReadOnlySpan<byte>(_raw + 4096, 64).CopyTo(_buffer);

    [Benchmark, BenchmarkCategory("read 64 B")]
    public int Read64Bytes() => _region.Read(4096, _buffer);

    [Benchmark(Baseline = true), BenchmarkCategory("read long")]
    public long PointerReadInt64() => *(long*)(_raw + 8);

    [Benchmark, BenchmarkCategory("read long")]
    public long ReadInt64() => _region.Read<long>(8);

    [Benchmark(Baseline = true), BenchmarkCategory("atomic add")]
    public int PointerAtomicAddInt32() => Interlocked.Add(ref *(int*)(_raw + 64), 1);

    [Benchmark, BenchmarkCategory("atomic add")]
    public int AtomicAddInt32() => _region.AtomicAddInt32(64, 1);

    [Benchmark, BenchmarkCategory("atomic add")]
    public long AcquireAndIncrement()
    {
        using MappedRegionAccess view = _region.Acquire();
        return Interlocked.Increment(ref view.Ref<long>(128));
    }
}

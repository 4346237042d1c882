using BenchmarkDotNet.Attributes;

namespace UnixIpc.Benchmarks.Micro;

/// <summary>
/// The per-call cost of <see cref="PipeEndStream"/> against bare libc calls on the same pipe: a 64-byte write and
/// its read, in one thread (no wake-ups), so the difference is the managed layer alone: Write and Read, TryWrite and
/// TryRead, WriteAsync and ReadAsync (which complete at once).
/// </summary>
[MemoryDiagnoser]
public class PipeEndBenchmarks
{
    private readonly byte[] _buffer = new byte[64];
    private Pipe _pipe = null!;
    private int _readFd;
    private int _writeFd;

    [GlobalSetup]
    public void Setup()
    {
        _pipe = Pipe.Create();
        _readFd = (int)_pipe.Reader.SafeFileHandle.DangerousGetHandle();
        _writeFd = (int)_pipe.Writer.SafeFileHandle.DangerousGetHandle();
    }

    [GlobalCleanup]
    public void Cleanup() => _pipe.Dispose();

    [Benchmark(Baseline = true)]
    public void LibcWriteThenRead() => Libc.WriteThenRead(_writeFd, _readFd, _buffer);

    [Benchmark]
    public void WriteThenRead()
    {
        _pipe.Writer.Write(_buffer);
        _ = _pipe.Reader.Read(_buffer);
    }

    [Benchmark]
    public bool TryWriteThenTryRead() => _pipe.Writer.TryWrite(_buffer, out _) & _pipe.Reader.TryRead(_buffer, out _);

    [Benchmark]
    public async ValueTask<int> WriteAsyncThenReadAsync()
    {
        await _pipe.Writer.WriteAsync(_buffer);
        return await _pipe.Reader.ReadAsync(_buffer);
    }
}

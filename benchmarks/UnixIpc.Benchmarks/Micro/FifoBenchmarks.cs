using BenchmarkDotNet.Attributes;

namespace UnixIpc.Benchmarks.Micro;

/// <summary>
/// A 64-byte write and its read through the two ends of one FIFO, as <see cref="Fifo"/> opens them (the writer
/// blocking, the reader not), against bare libc calls on the same descriptors.
/// </summary>
[MemoryDiagnoser]
public class FifoBenchmarks
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"unixipc_micro_fifo_{Environment.ProcessId}");
    private readonly byte[] _buffer = new byte[64];
    private PipeEndStream _reader = null!;
    private PipeEndStream _writer = null!;
    private int _readFd;
    private int _writeFd;

    [GlobalSetup]
    public void Setup()
    {
        Fifo.Create(_path);
        _reader = Fifo.OpenReadNonBlocking(_path);
        _writer = Fifo.OpenWrite(_path); // a reader is open: returns at once
        _readFd = (int)_reader.SafeFileHandle.DangerousGetHandle();
        _writeFd = (int)_writer.SafeFileHandle.DangerousGetHandle();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _writer.Dispose();
        _reader.Dispose();
        File.Delete(_path);
    }

    [Benchmark(Baseline = true)]
    public void LibcWriteThenRead() => Libc.WriteThenRead(_writeFd, _readFd, _buffer);

    [Benchmark]
    public void WriteThenRead()
    {
        _writer.Write(_buffer);
        _ = _reader.Read(_buffer);
    }

    [Benchmark]
    public bool TryWriteThenTryRead() => _writer.TryWrite(_buffer, out _) & _reader.TryRead(_buffer, out _);
}

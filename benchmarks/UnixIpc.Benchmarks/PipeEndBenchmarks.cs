using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;

namespace UnixIpc.Benchmarks;

/// <summary>
/// The per-call cost of <see cref="PipeEndStream"/> against bare libc calls on the same pipe: a 64-byte write and
/// its read, in one thread (no wake-ups), so the difference is the managed layer alone.
/// </summary>
[MemoryDiagnoser]
public partial class PipeEndBenchmarks
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
    public unsafe void LibcWriteThenRead()
    {
        fixed (byte* bytes = _buffer)
        {
            _ = Write(_writeFd, bytes, 64);
            _ = Read(_readFd, bytes, 64);
        }
    }

    [Benchmark]
    public void PipeEndWriteThenRead()
    {
        _pipe.Writer.Write(_buffer);
        _ = _pipe.Reader.Read(_buffer);
    }

    [LibraryImport("libc.so.6", EntryPoint = "write")]
    private static unsafe partial nint Write(int fd, byte* buffer, nuint count);

    [LibraryImport("libc.so.6", EntryPoint = "read")]
    private static unsafe partial nint Read(int fd, byte* buffer, nuint count);
}

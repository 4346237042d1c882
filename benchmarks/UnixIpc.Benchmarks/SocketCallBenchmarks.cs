using System.Net.Sockets;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;

namespace UnixIpc.Benchmarks;

/// <summary>
/// The per-call cost of a 64-byte message through <see cref="Socket"/> (what UnixIpc's sockets and .NET's own use)
/// and through UnixIpc's sendmsg path, against bare libc calls on the same seqpacket pair: send and its receive in
/// one thread (no wake-ups), so the difference is the managed layer alone.
/// </summary>
[MemoryDiagnoser]
public partial class SocketCallBenchmarks
{
    private readonly byte[] _buffer = new byte[64];
    private UnixSocketPair _pair = null!;
    private int _first;
    private int _second;

    [GlobalSetup]
    public void Setup()
    {
        _pair = UnixSocketPair.Create(SocketType.Seqpacket);
        _first = (int)_pair.First.SafeHandle.DangerousGetHandle();
        _second = (int)_pair.Second.SafeHandle.DangerousGetHandle();
    }

    [GlobalCleanup]
    public void Cleanup() => _pair.Dispose();

    [Benchmark(Baseline = true)]
    public unsafe void LibcSendThenReceive()
    {
        fixed (byte* bytes = _buffer)
        {
            _ = Send(_first, bytes, 64, 0);
            _ = Receive(_second, bytes, 64, 0);
        }
    }

    [Benchmark]
    public void SocketSendThenReceive()
    {
        _pair.First.Send(_buffer);
        _ = _pair.Second.Receive(_buffer);
    }

    [Benchmark]
    public void SendWithDescriptorsThenReceive()
    {
        _pair.First.SendWithDescriptors(_buffer);
        _ = _pair.Second.ReceiveWithDescriptors(_buffer, 0, out _);
    }

    [LibraryImport("libc.so.6", EntryPoint = "send")]
    private static unsafe partial nint Send(int fd, byte* buffer, nuint count, int flags);

    [LibraryImport("libc.so.6", EntryPoint = "recv")]
    private static unsafe partial nint Receive(int fd, byte* buffer, nuint count, int flags);
}

using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;

namespace UnixIpc.Benchmarks.Micro;

/// <summary>
/// A 64-byte message sent and received on one private System V queue with IPC_NOWAIT (TrySend, TryReceive), against
/// msgsnd and msgrcv from bare libc with the caller's own struct msgbuf; and SendAsync, ReceiveAsync where they
/// complete at once.
/// </summary>
[MemoryDiagnoser]
public class SystemVMessageQueueBenchmarks
{
    private readonly byte[] _message = new byte[64];
    private readonly byte[] _buffer = new byte[64];
    private SystemVMessageQueue _queue = null!;
    private unsafe byte* _libcMessage; // struct msgbuf: long mtype, then the text

    [GlobalSetup]
    public unsafe void Setup()
    {
        _queue = SystemVMessageQueue.CreateNew(IpcKey.Private);
        _libcMessage = (byte*)NativeMemory.AllocZeroed(sizeof(long) + 64);
        *(long*)_libcMessage = 1;
    }

    [GlobalCleanup]
    public unsafe void Cleanup()
    {
        _queue.Remove();
        NativeMemory.Free(_libcMessage);
    }

    [Benchmark(Baseline = true)]
    public unsafe void LibcSendThenReceive()
    {
        _message.CopyTo(new Span<byte>(_libcMessage + sizeof(long), 64));
        _ = Libc.MsgSnd(_queue.Id, _libcMessage, 64, Libc.IPC_NOWAIT);
        _ = Libc.MsgRcv(_queue.Id, _libcMessage, 64, 0, Libc.IPC_NOWAIT);
        new ReadOnlySpan<byte>(_libcMessage + sizeof(long), 64).CopyTo(_buffer);
    }

    [Benchmark]
    public bool TrySendThenTryReceive() => _queue.TrySend(1, _message) & _queue.TryReceive(_buffer, out _);

    [Benchmark]
    public async ValueTask<int> SendAsyncThenReceiveAsync()
    {
        await _queue.SendAsync(1, _message);
        return (await _queue.ReceiveAsync(_buffer)).Length;
    }
}

using BenchmarkDotNet.Attributes;

namespace UnixIpc.Benchmarks.Micro;

/// <summary>
/// A 64-byte message sent and received on one POSIX message queue without waiting (TrySend, TryReceive), against
/// mq_send and mq_receive from bare libc on a second descriptor of the same queue; and SendAsync, ReceiveAsync where
/// they complete at once.
/// </summary>
[MemoryDiagnoser]
public class PosixMessageQueueBenchmarks
{
    private readonly string _name = $"/unixipc_micro_mq_{Environment.ProcessId}";
    private readonly byte[] _message = new byte[64];
    private readonly byte[] _buffer = new byte[64];
    private PosixMessageQueue _queue = null!;
    private int _libcQueue = -1;

    [GlobalSetup]
    public void Setup()
    {
        _queue = PosixMessageQueue.CreateNew(_name, new PosixMessageQueueOptions { MaxMessages = 8, MaxMessageSize = 64 });
        _libcQueue = Libc.MqOpen(_name, Libc.O_RDWR);
        if (_libcQueue < 0)
        {
            throw new InvalidOperationException($"mq_open {_name} failed");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _ = Libc.MqClose(_libcQueue);
        _queue.Dispose();
        PosixMessageQueue.TryUnlink(_name);
    }

    [Benchmark(Baseline = true)]
    public unsafe void LibcSendThenReceive()
    {
        uint priority;
        fixed (byte* message = _message)
        fixed (byte* buffer = _buffer)
        {
            _ = Libc.MqSend(_libcQueue, message, 64, 0);
            _ = Libc.MqReceive(_libcQueue, buffer, 64, &priority);
        }
    }

    [Benchmark]
    public bool TrySendThenTryReceive() => _queue.TrySend(_message) & _queue.TryReceive(_buffer, out _);

    [Benchmark]
    public async ValueTask<int> SendAsyncThenReceiveAsync()
    {
        await _queue.SendAsync(_message);
        return (await _queue.ReceiveAsync(_buffer)).Length;
    }
}

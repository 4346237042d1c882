using BenchmarkDotNet.Attributes;

namespace UnixIpc.Benchmarks.Micro;

/// <summary>
/// One 64-byte message written and read in one thread (no wake-ups) on a queue channel and on a broadcast one:
/// copied in and out (TryWrite, TryRead into a caller buffer: the baseline; the async forms and the async waits,
/// which complete at once here) and in place (TryReserve and Commit, then TryRead of a lease and its Release).
/// There is no libc form of the channel to compare with.
/// </summary>
[MemoryDiagnoser]
public class SharedMemoryChannelBenchmarks
{
    private readonly string _name = $"/unixipc_micro_channel_{Environment.ProcessId}";
    private readonly byte[] _message = new byte[64];
    private readonly byte[] _buffer = new byte[64];
    private SharedMemoryChannel _channel = null!;
    private SharedMemoryChannelWriter _writer = null!;
    private SharedMemoryChannelReader _reader = null!;

    [Params(ChannelDelivery.Queue, ChannelDelivery.Broadcast)]
    public ChannelDelivery Delivery { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _channel = SharedMemoryChannel.CreateNew(_name, new SharedMemoryChannelOptions { Capacity = 1 << 20, Delivery = Delivery, UnlinkOnDispose = true });
        _writer = _channel.CreateWriter();
        _reader = _channel.CreateReader();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _reader.Dispose();
        _writer.Dispose();
        _channel.Dispose();
        SharedMemoryChannel.TryUnlink(_name);
    }

    [Benchmark(Baseline = true)]
    public bool TryWriteThenTryRead() => _writer.TryWrite(_message) & _reader.TryRead(_buffer, out _);

    [Benchmark]
    public int ReserveCommitThenReadRelease()
    {
        if (_writer.TryReserve(64, out WriteLease writing))
        {
            writing.Span[0] = 1;
            writing.Commit();
        }

        if (!_reader.TryRead(out ReadLease reading))
        {
            return -1;
        }

        int first = reading.Span[0];
        reading.Release();
        return first;
    }

    [Benchmark]
    public async ValueTask<int> WriteAsyncThenReadAsync()
    {
        await _writer.WriteAsync(_message);
        return await _reader.ReadAsync(_buffer);
    }

    [Benchmark]
    public async ValueTask<bool> WaitToWriteAsyncThenWaitToReadAsync()
    {
        await _writer.WaitToWriteAsync(); // room: completes at once
        _writer.TryWrite(_message);
        await _reader.WaitToReadAsync(); // a message: completes at once
        return _reader.TryRead(_buffer, out _);
    }
}

using BenchmarkDotNet.Attributes;

namespace UnixIpc.Benchmarks.Micro;

/// <summary>
/// 64 bytes written by one end of a <see cref="SharedMemoryConnection"/> and read by the other, in one thread (the
/// data is there before each read: no wake-up), against the channel's own TryWrite and TryRead that the stream
/// is built on, so the ratio is the stream layer's cost.
/// </summary>
[MemoryDiagnoser]
public class SharedMemoryStreamBenchmarks
{
    private readonly string _name = $"/unixipc_micro_stream_{Environment.ProcessId}";
    private readonly string _channelName = $"/unixipc_micro_streamch_{Environment.ProcessId}";
    private readonly byte[] _message = new byte[64];
    private readonly byte[] _buffer = new byte[64];
    private SharedMemoryListener _listener = null!;
    private SharedMemoryConnection _client = null!;
    private SharedMemoryConnection _server = null!;
    private SharedMemoryChannel _channel = null!;
    private SharedMemoryChannelWriter _writer = null!;
    private SharedMemoryChannelReader _reader = null!;

    [GlobalSetup]
    public void Setup()
    {
        _listener = SharedMemoryListener.Start(_name);
        Task<SharedMemoryConnection> accepted = _listener.AcceptAsync();
        _client = SharedMemoryConnection.ConnectAsync(_name).GetAwaiter().GetResult();
        _server = accepted.GetAwaiter().GetResult();
        _channel = SharedMemoryChannel.CreateNew(_channelName, new SharedMemoryChannelOptions { Capacity = 1 << 20, UnlinkOnDispose = true });
        _writer = _channel.CreateWriter();
        _reader = _channel.CreateReader();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _client.Dispose();
        _server.Dispose();
        _listener.Dispose();
        _reader.Dispose();
        _writer.Dispose();
        _channel.Dispose();
    }

    [Benchmark(Baseline = true)]
    public bool ChannelTryWriteThenTryRead() => _writer.TryWrite(_message) & _reader.TryRead(_buffer, out _);

    [Benchmark]
    public int StreamWriteThenRead()
    {
        _client.Write(_message);
        return _server.Read(_buffer);
    }

    [Benchmark]
    public int StreamWriteThenReadBack()
    {
        _server.Write(_message);
        return _client.Read(_buffer);
    }

    [Benchmark]
    public async ValueTask<int> StreamWriteAsyncThenReadAsync()
    {
        await _client.WriteAsync(_message);
        return await _server.ReadAsync(_buffer);
    }
}

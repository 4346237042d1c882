using System.Threading.Channels;

namespace UnixIpc;

public sealed partial class SharedMemoryChannelReader
{
    /// <summary>
    /// A <see cref="ChannelReader{T}"/> over this reader, for code written against System.Threading.Channels.
    /// Each message read is copied into a new array. It never completes: the shared channel has no end.
    /// Like the reader itself, use it from one thread at a time.
    /// </summary>
    public ChannelReader<ReadOnlyMemory<byte>> AsChannelReader() => new Adapter(this);

    private sealed class Adapter(SharedMemoryChannelReader reader) : ChannelReader<ReadOnlyMemory<byte>>
    {
        private readonly byte[] _buffer = new byte[reader._channel.MaxMessageSize];

        public override bool TryRead(out ReadOnlyMemory<byte> item)
        {
            if (reader.TryRead(_buffer, out int length))
            {
                item = _buffer.AsSpan(0, length).ToArray();
                return true;
            }

            item = default;
            return false;
        }

        public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default) => reader.WaitToReadAsync(cancellationToken);
    }
}

public sealed partial class SharedMemoryChannelWriter
{
    /// <summary>A <see cref="ChannelWriter{T}"/> over this writer; use it from one thread at a time.</summary>
    public ChannelWriter<ReadOnlyMemory<byte>> AsChannelWriter() => new Adapter(this);

    private sealed class Adapter(SharedMemoryChannelWriter writer) : ChannelWriter<ReadOnlyMemory<byte>>
    {
        public override bool TryWrite(ReadOnlyMemory<byte> item) => writer.TryWrite(item.Span);

        public override ValueTask<bool> WaitToWriteAsync(CancellationToken cancellationToken = default) => writer.WaitToWriteAsync(cancellationToken);
    }
}

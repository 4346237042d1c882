using System.Threading.Channels;

namespace UnixIpc;

public sealed partial class PosixMessageQueue
{
    /// <summary>
    /// A <see cref="ChannelReader{T}"/> over this queue, for code written against System.Threading.Channels.
    /// Each message read is copied into a new array. The reader never completes: the queue has no end.
    /// </summary>
    public ChannelReader<PosixMessage> AsChannelReader() => new QueueChannelReader(this);

    /// <summary>A <see cref="ChannelWriter{T}"/> over this queue; each item is sent with its own priority.</summary>
    public ChannelWriter<PosixMessage> AsChannelWriter() => new QueueChannelWriter(this);

    private sealed class QueueChannelReader(PosixMessageQueue queue) : ChannelReader<PosixMessage>
    {
        private readonly byte[] _buffer = new byte[queue.MaxMessageSize];
        private readonly Lock _lock = new();

        public override bool TryRead(out PosixMessage item)
        {
            lock (_lock)
            {
                if (queue.TryReceive(_buffer, out PosixMessageInfo info))
                {
                    item = new PosixMessage(_buffer.AsSpan(0, info.Length).ToArray(), info.Priority);
                    return true;
                }
            }

            item = default;
            return false;
        }

        public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default) => queue.WaitToReceiveAsync(cancellationToken);
    }

    private sealed class QueueChannelWriter(PosixMessageQueue queue) : ChannelWriter<PosixMessage>
    {
        public override bool TryWrite(PosixMessage item) => queue.TrySend(item.Data.Span, item.Priority);

        public override ValueTask<bool> WaitToWriteAsync(CancellationToken cancellationToken = default) => queue.WaitToSendAsync(cancellationToken);
    }
}

using System.Buffers;
using System.Collections.Concurrent;
using System.Threading.Channels;

namespace UnixIpc;

public sealed partial class SystemVMessageQueue
{
    /// <summary>
    /// A <see cref="ChannelReader{T}"/> over this queue, for code written against System.Threading.Channels.
    /// Each message read is copied into a new array. The reader completes when the queue is removed.
    /// </summary>
    /// <remarks>
    /// System V cannot wait for a message without taking it (see <see cref="WaitToReceiveAsync"/>), so
    /// <see cref="ChannelReader{T}.WaitToReadAsync"/> receives the next message into the reader, where the next
    /// <see cref="ChannelReader{T}.TryRead"/> finds it: messages keep their order, empty ones included, but a
    /// reader that waited holds one message until it reads. Cancelling a wait takes nothing.
    /// </remarks>
    /// <param name="selector">Which messages to read (default: all, in order; not <see cref="MessageSelector.CopyAt"/>).</param>
    /// <param name="maxSize">The largest message expected; longer ones fail with E2BIG and stay queued (default: /proc/sys/kernel/msgmax).</param>
    public ChannelReader<SystemVMessage> AsChannelReader(MessageSelector selector = default, int maxSize = 0)
    {
        ValidateWaitable(selector);
        ArgumentOutOfRangeException.ThrowIfNegative(maxSize);
        return new QueueChannelReader(this, selector, maxSize > 0 ? maxSize : SystemVMessageQueueLimits.MaxMessageSize);
    }

    /// <summary>
    /// A <see cref="ChannelWriter{T}"/> over this queue; each item is sent with its own type.
    /// <see cref="ChannelWriter{T}.WriteAsync"/> waits for room on a waiter thread like <see cref="SendAsync"/>;
    /// <see cref="ChannelWriter{T}.WaitToWriteAsync"/>, for which System V has no wait, checks the queue's state
    /// (IPC_STAT) every few milliseconds until it has room, and answers <see langword="false"/> once the queue is removed.
    /// </summary>
    public ChannelWriter<SystemVMessage> AsChannelWriter() => new QueueChannelWriter(this);

    private sealed class QueueChannelReader(SystemVMessageQueue queue, MessageSelector selector, int maxSize) : ChannelReader<SystemVMessage>
    {
        private readonly byte[] _buffer = new byte[maxSize];
        private readonly Lock _lock = new();
        private readonly ConcurrentQueue<SystemVMessage> _taken = new(); // received by waits, not yet read
        private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override Task Completion => _completion.Task;

        public override bool TryRead(out SystemVMessage item)
        {
            if (_taken.TryDequeue(out item))
            {
                return true;
            }

            try
            {
                lock (_lock)
                {
                    if (queue.TryReceive(_buffer, out SystemVMessageInfo info, selector))
                    {
                        item = new SystemVMessage(info.Type, _buffer.AsSpan(0, info.Length).ToArray());
                        return true;
                    }
                }
            }
            catch (UnixIpcException e) when (SystemVIpc.IsGone(e.Error))
            {
                _completion.TrySetResult();
            }

            item = default;
            return false;
        }

        public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default)
        {
            if (!_taken.IsEmpty)
            {
                return ValueTask.FromResult(true);
            }

            return _completion.Task.IsCompleted ? ValueTask.FromResult(false) : ReceiveIntoReaderAsync(cancellationToken);
        }

        private async ValueTask<bool> ReceiveIntoReaderAsync(CancellationToken cancellationToken)
        {
            // Its own buffer: several waits may be pending at once. The receive has ended when the await does.
            byte[] buffer = ArrayPool<byte>.Shared.Rent(maxSize);
            try
            {
                SystemVMessageInfo info = await queue.ReceiveAsync(buffer.AsMemory(0, maxSize), selector, truncate: false, cancellationToken).ConfigureAwait(false);
                _taken.Enqueue(new SystemVMessage(info.Type, buffer.AsSpan(0, info.Length).ToArray()));
                return true;
            }
            catch (UnixIpcException e) when (SystemVIpc.IsGone(e.Error))
            {
                _completion.TrySetResult();
                return !_taken.IsEmpty;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private sealed class QueueChannelWriter(SystemVMessageQueue queue) : ChannelWriter<SystemVMessage>
    {
        private static readonly TimeSpan LongestPause = TimeSpan.FromMilliseconds(50);

        public override bool TryWrite(SystemVMessage item) => queue.TrySend(item.Type, item.Data.Span);

        public override ValueTask WriteAsync(SystemVMessage item, CancellationToken cancellationToken = default)
            => queue.SendAsync(item.Type, item.Data, cancellationToken);

        public override async ValueTask<bool> WaitToWriteAsync(CancellationToken cancellationToken = default)
        {
            TimeSpan pause = TimeSpan.FromMilliseconds(1);
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                SystemVMessageQueueStatus status;
                try
                {
                    status = queue.Stat();
                }
                catch (UnixIpcException e) when (SystemVIpc.IsGone(e.Error))
                {
                    return false;
                }

                // msgsnd refuses when the bytes or the count (one per message) would pass msg_qbytes.
                if (status.Bytes < status.MaxBytes && status.MessageCount < status.MaxBytes)
                {
                    return true;
                }

                await Task.Delay(pause, cancellationToken).ConfigureAwait(false);
                pause = pause * 2 < LongestPause ? pause * 2 : LongestPause;
            }
        }
    }
}

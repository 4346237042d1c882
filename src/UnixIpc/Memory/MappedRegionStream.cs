namespace UnixIpc;

/// <summary>A fixed-length, seekable <see cref="Stream"/> over a <see cref="MappedRegion"/> (<see cref="MappedRegion.AsStream"/>).</summary>
internal sealed class MappedRegionStream : Stream
{
    private readonly MappedRegion _region;
    private long _position;

    internal MappedRegionStream(MappedRegion region)
    {
        _region = region;
    }

    public override bool CanRead => !_region.IsDisposed;

    public override bool CanSeek => !_region.IsDisposed;

    public override bool CanWrite => !_region.IsDisposed && _region.CanWrite;

    public override long Length => _region.Length;

    public override long Position
    {
        get => _position;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _position = value;
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_position >= _region.Length)
        {
            ObjectDisposedException.ThrowIf(_region.IsDisposed, _region);
            return 0;
        }

        int read = _region.Read(_position, buffer);
        _position += read;
        return read;
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (_position > _region.Length || buffer.Length > _region.Length - _position)
        {
            throw new NotSupportedException($"A mapped region cannot grow: {buffer.Length} bytes at position {_position} go past its length {_region.Length}.");
        }

        _region.Write(_position, buffer);
        _position += buffer.Length;
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        long target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            SeekOrigin.End => _region.Length + offset,
            _ => throw new ArgumentOutOfRangeException(nameof(origin)),
        };
        if (target < 0)
        {
            throw new IOException("An attempt was made to move the position before the beginning of the stream.");
        }

        _position = target;
        return target;
    }

    public override void Flush()
    {
        if (_region.CanWrite && _region.Access == MapAccess.ReadWrite)
        {
            _region.Flush(wait: false);
        }
    }

    public override void SetLength(long value) => throw new NotSupportedException("A mapped region has a fixed length.");
}

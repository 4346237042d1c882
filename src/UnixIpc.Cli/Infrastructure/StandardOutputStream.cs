namespace UnixIpc.Cli;

/// <summary>
/// A standard stream with its write errors told apart from every other I/O error. stdout
/// (<see cref="OnError.Throw"/>): a closed, full or broken standard output becomes a
/// <see cref="StandardOutputException"/>, one line and exit 1 (EPIPE, a reader that has had enough, as with
/// <c>| head -c1</c>: exit 0), never a stack trace. stderr (<see cref="OnError.Drop"/>): written when it can be,
/// dropped when it cannot; the exit code still says what happened, and a failure to report a failure must not
/// turn into another one (or an abort).
/// </summary>
internal sealed class StandardOutputStream(Stream inner, StandardOutputStream.OnError onError = StandardOutputStream.OnError.Throw) : Stream
{
    /// <summary>What a write error becomes.</summary>
    public enum OnError
    {
        Throw,
        Drop,
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        try
        {
            inner.Write(buffer);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException { InnerException: IOException })
        {
            Fail(e);
        }
    }

    public override void Flush()
    {
        try
        {
            inner.Flush();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException { InnerException: IOException })
        {
            Fail(e);
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private void Fail(Exception e)
    {
        if (onError == OnError.Drop)
        {
            return;
        }

        throw e is IOException io
            ? new StandardOutputException(io)
            : new StandardOutputException((IOException)e.InnerException!, Errno.EBADF); // UnauthorizedAccessException: the runtime's word for a closed descriptor
    }
}

/// <summary>Writing to standard output failed; <see cref="Error"/> says why.</summary>
internal sealed class StandardOutputException(IOException inner, Errno? error = null) : IOException(inner.Message, inner)
{
    /// <summary>The errno (the runtime puts the raw errno into the HResult of I/O errors on Unix).</summary>
    public Errno Error { get; } = error ?? (Enum.IsDefined((Errno)inner.HResult) ? (Errno)inner.HResult : Errno.EIO);
}

namespace UnixIpc.Cli;

/// <summary>
/// stdout, with its write errors told apart from every other I/O error: a closed, full or broken standard
/// output is one line and exit 1 (EPIPE, a reader that has had enough, as with <c>| head -c1</c>: exit 0),
/// never a stack trace.
/// </summary>
internal sealed class StandardOutputStream(Stream inner) : Stream
{
    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Guard(() => inner.Write(buffer, offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        try
        {
            inner.Write(buffer);
        }
        catch (IOException e)
        {
            throw new StandardOutputException(e);
        }
        catch (UnauthorizedAccessException e) when (e.InnerException is IOException inner)
        {
            throw new StandardOutputException(inner, Errno.EBADF); // the runtime's word for a closed descriptor
        }
    }

    public override void Flush() => Guard(inner.Flush);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private static void Guard(Action write)
    {
        try
        {
            write();
        }
        catch (IOException e)
        {
            throw new StandardOutputException(e);
        }
        catch (UnauthorizedAccessException e) when (e.InnerException is IOException inner)
        {
            throw new StandardOutputException(inner, Errno.EBADF);
        }
    }
}

/// <summary>Writing to standard output failed; <see cref="Error"/> says why.</summary>
internal sealed class StandardOutputException(IOException inner, Errno? error = null) : IOException(inner.Message, inner)
{
    /// <summary>The errno (the runtime puts the raw errno into the HResult of I/O errors on Unix).</summary>
    public Errno Error { get; } = error ?? (Enum.IsDefined((Errno)inner.HResult) ? (Errno)inner.HResult : Errno.EIO);
}

/// <summary>
/// stderr: written when it can be, silently dropped when it cannot (closed or full). The exit code still says
/// what happened, and a failure to report a failure must not turn into another one (or an abort).
/// </summary>
internal sealed class BestEffortStream(Stream inner) : Stream
{
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
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    public override void Flush()
    {
        try
        {
            inner.Flush();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}

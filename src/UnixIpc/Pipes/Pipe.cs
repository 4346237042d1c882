using Microsoft.Win32.SafeHandles;

namespace UnixIpc;

/// <summary>
/// An anonymous kernel pipe (pipe2): a one-way byte stream from <see cref="Writer"/> to <see cref="Reader"/>, for
/// this process and the children it hands an end to (<see cref="ChildProcessOptions"/>). For unrelated processes,
/// see <see cref="Fifo"/>.
/// </summary>
/// <remarks>
/// Both ends are close-on-exec unless <see cref="PipeCreationOptions.Inheritable"/>: a child started by any means gets an end
/// only when it is mapped explicitly. End of stream reaches the reader once every copy of the write end, in every
/// process, is closed, so give the write end away and dispose this process's copy.
/// </remarks>
public sealed class Pipe : IDisposable
{
    private Pipe(PipeEndStream reader, PipeEndStream writer)
    {
        Reader = reader;
        Writer = writer;
    }

    /// <summary>PIPE_BUF: writes of at most this many bytes (4096 on Linux) are atomic, and all or nothing when non-blocking.</summary>
    public static int PipeBuf => Interop.PIPE_BUF;

    /// <summary>The largest capacity an unprivileged process may set: /proc/sys/fs/pipe-max-size.</summary>
    public static int MaxCapacity => IpcLimits.ReadPipeMaxSize();

    /// <summary>The read end.</summary>
    public PipeEndStream Reader { get; }

    /// <summary>The write end.</summary>
    public PipeEndStream Writer { get; }

    /// <summary>Creates a pipe.</summary>
    /// <exception cref="UnixIpcException">EMFILE or ENFILE when no descriptor is free; EPERM or EBUSY from the capacity.</exception>
    public static unsafe Pipe Create(PipeCreationOptions? options = null)
    {
        options ??= new PipeCreationOptions();
        if (options.Capacity is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Capacity, "PipeCreationOptions.Capacity is a positive number of bytes (or null for the kernel's default).");
        }

        int flags = (options.Inheritable ? 0 : Interop.O_CLOEXEC)
            | (options.NonBlocking ? Interop.O_NONBLOCK : 0)
            | (options.PacketMode ? Interop.O_DIRECT_FLAG : 0);
        int* fds = stackalloc int[2];
        if (Interop.Pipe2(fds, flags) == -1)
        {
            throw Interop.Fail(Interop.LastErrno, "pipe2", "pipe", $"fds, {DescribeFlags(options)}");
        }

        var pipe = new Pipe(
            new PipeEndStream(new SafeFileHandle(fds[0], ownsHandle: true), isReadEnd: true, options.NonBlocking, "pipe"),
            new PipeEndStream(new SafeFileHandle(fds[1], ownsHandle: true), isReadEnd: false, options.NonBlocking, "pipe"));
        try
        {
            if (options.Capacity is int capacity)
            {
                pipe.Writer.Capacity = capacity;
            }

            return pipe;
        }
        catch
        {
            pipe.Dispose();
            throw;
        }
    }

    /// <summary>Closes both ends that this process still holds.</summary>
    public void Dispose()
    {
        Reader.Dispose();
        Writer.Dispose();
    }

    private static string DescribeFlags(PipeCreationOptions options)
    {
        var flags = new List<string>();
        if (!options.Inheritable) flags.Add("O_CLOEXEC");
        if (options.NonBlocking) flags.Add("O_NONBLOCK");
        if (options.PacketMode) flags.Add("O_DIRECT");
        return flags.Count == 0 ? "0" : string.Join('|', flags);
    }
}

namespace UnixIpc;

/// <summary>How <see cref="Pipe.Create"/> makes a pipe (pipe2 flags and capacity).</summary>
public sealed class PipeCreationOptions
{
    /// <summary>
    /// O_NONBLOCK on both ends. The streams behave the same either way (reads and writes wait for data or room);
    /// the flag matters to a process that inherits an end, and to <see cref="PipeEndStream.TryRead"/>/<see cref="PipeEndStream.TryWrite"/>,
    /// which never wait in any case.
    /// </summary>
    public bool NonBlocking { get; init; }

    /// <summary>
    /// Packet mode (O_DIRECT): each write of at most <see cref="Pipe.PipeBuf"/> bytes is one packet, each read returns
    /// at most one packet, and a read buffer shorter than the packet drops the rest of it.
    /// </summary>
    public bool PacketMode { get; init; }

    /// <summary>
    /// Leave both ends inheritable by exec (no O_CLOEXEC). Off by default: a child gets a pipe end only through an
    /// explicit descriptor map (<see cref="ChildProcessOptions"/>), which does not need this.
    /// </summary>
    public bool Inheritable { get; init; }

    /// <summary>The capacity to set (F_SETPIPE_SZ), in bytes; <see langword="null"/> keeps the kernel's default (65536).</summary>
    public int? Capacity { get; init; }
}

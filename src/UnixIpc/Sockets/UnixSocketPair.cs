using System.Net.Sockets;

namespace UnixIpc;

/// <summary>
/// Two connected Unix domain sockets (socketpair): a two-way channel for this process and the children it hands one
/// end to (<see cref="ChildDescriptor.From(System.Runtime.InteropServices.SafeHandle)"/> with <see cref="Socket.SafeHandle"/>).
/// Unlike a pipe it carries both directions, descriptors (<see cref="UnixSocketExtensions.SendWithDescriptors"/>) and,
/// with <see cref="SocketType.Seqpacket"/> or <see cref="SocketType.Dgram"/>, message boundaries.
/// </summary>
public sealed class UnixSocketPair : IDisposable
{
    private UnixSocketPair(Socket first, Socket second)
    {
        First = first;
        Second = second;
    }

    /// <summary>One end.</summary>
    public Socket First { get; }

    /// <summary>The other end.</summary>
    public Socket Second { get; }

    /// <summary>Creates a connected pair, close-on-exec.</summary>
    /// <param name="type"><see cref="SocketType.Stream"/> (a byte stream), <see cref="SocketType.Seqpacket"/> (messages, in order, connected) or <see cref="SocketType.Dgram"/> (messages).</param>
    public static unsafe UnixSocketPair Create(SocketType type = SocketType.Stream)
    {
        int kind = type switch
        {
            SocketType.Stream => Interop.SOCK_STREAM,
            SocketType.Seqpacket => Interop.SOCK_SEQPACKET,
            SocketType.Dgram => Interop.SOCK_DGRAM,
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, "A Unix socket pair is Stream, Seqpacket or Dgram."),
        };
        int* fds = stackalloc int[2];
        if (Interop.SocketPair(Interop.AF_UNIX, kind | Interop.SOCK_CLOEXEC, 0, fds) == -1)
        {
            throw Interop.Fail(Interop.LastErrno, "socketpair", null, $"AF_UNIX, {type.ToString().ToUpperInvariant()}|SOCK_CLOEXEC, 0, fds");
        }

        return new UnixSocketPair(Wrap(fds[0]), Wrap(fds[1]));
    }

    /// <summary>Closes both ends this process still holds.</summary>
    public void Dispose()
    {
        First.Dispose();
        Second.Dispose();
    }

    private static Socket Wrap(int fd) => new(new SafeSocketHandle(fd, ownsHandle: true));
}

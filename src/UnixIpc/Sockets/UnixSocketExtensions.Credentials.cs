using System.Net.Sockets;

namespace UnixIpc;

// Per-message credentials (SCM_CREDENTIALS): unlike SO_PEERCRED, which names who connected, these name who sent each
// message, which matters on a datagram socket shared by many senders and when a descriptor changes hands.
public static partial class UnixSocketExtensions
{
    /// <summary>
    /// Turns SO_PASSCRED on or off. While on, every message received carries its sender's pid, uid and gid, filled in
    /// by the kernel (a sender may not claim others unless privileged), read with <see cref="ReceiveWithCredentials"/>.
    /// </summary>
    public static unsafe void SetPassCredentials(this Socket socket, bool enabled)
    {
        CheckUnix(socket);
        int value = enabled ? 1 : 0;
        Interop.Check(Interop.SetSockOpt(socket.SafeHandle, Interop.SOL_SOCKET, Interop.SO_PASSCRED, &value, sizeof(int)), "setsockopt", null, $"SOL_SOCKET, SO_PASSCRED, {value}");
    }

    /// <summary>
    /// Receives one message and its sender's credentials, waiting for it. The credentials are null unless
    /// <see cref="SetPassCredentials"/> was on when the message was queued. 0 bytes on a stream socket means the peer closed.
    /// </summary>
    /// <exception cref="InvalidDataException">The message carried descriptors (they are closed, nothing leaks).</exception>
    public static int ReceiveWithCredentials(this Socket socket, Span<byte> buffer, out PeerCredentials? sender)
    {
        CheckUnix(socket);
        while (true)
        {
            if (ReceiveCore(socket, buffer, 0, out _, out sender) is int received)
            {
                return received;
            }

            Poll(socket, Interop.POLLIN);
        }
    }

    /// <summary>As <see cref="ReceiveWithCredentials"/>, awaiting a message without holding a thread.</summary>
    public static async ValueTask<(int Bytes, PeerCredentials? Sender)> ReceiveWithCredentialsAsync(this Socket socket, Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        CheckUnix(socket);
        while (true)
        {
            if (ReceiveCore(socket, buffer.Span, 0, out _, out PeerCredentials? sender) is int received)
            {
                return (received, sender);
            }

            await EpollReactor.Shared.WaitAsync((int)socket.SafeHandle.DangerousGetHandle(), Readiness.Read, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Sends <paramref name="data"/> with explicit credentials (SCM_CREDENTIALS), waiting for room. Without privilege
    /// they must be this process's own: pid, and uid and gid real, effective or saved.
    /// </summary>
    /// <exception cref="UnixIpcException">EPERM: credentials not this process's, without the capability to claim them.</exception>
    public static int SendWithCredentials(this Socket socket, ReadOnlySpan<byte> data, PeerCredentials credentials)
    {
        CheckUnix(socket);
        if (data.IsEmpty)
        {
            throw new ArgumentException("Credentials must travel with at least one byte of data (a stream socket drops control data otherwise).", nameof(data));
        }

        while (true)
        {
            if (SendCore(socket, data, [], credentials) is int sent)
            {
                return sent;
            }

            Poll(socket, Interop.POLLOUT);
        }
    }

    private static void CheckUnix(Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        if (socket.AddressFamily != AddressFamily.Unix)
        {
            throw new ArgumentException("Credentials travel only over Unix domain sockets (AF_UNIX).", nameof(socket));
        }
    }
}

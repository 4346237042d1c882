using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace UnixIpc;

/// <summary>
/// What .NET's <see cref="Socket"/> cannot do on a Unix domain socket: pass descriptors (SCM_RIGHTS) and say who the
/// peer is (SO_PEERCRED).
/// </summary>
public static partial class UnixSocketExtensions
{
    /// <summary>The most descriptors one message may carry (SCM_MAX_FD).</summary>
    public const int MaxDescriptorsPerMessage = 253;

    /// <summary>The peer's pid, uid and gid as of connect or socketpair.</summary>
    public static unsafe PeerCredentials GetPeerCredentials(this Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        Interop.ucred credentials;
        uint length = (uint)sizeof(Interop.ucred);
        Interop.Check(Interop.GetSockOpt(socket.SafeHandle, Interop.SOL_SOCKET, Interop.SO_PEERCRED, &credentials, &length), "getsockopt", null, "SOL_SOCKET, SO_PEERCRED");
        return new PeerCredentials(credentials.pid, (int)credentials.uid, (int)credentials.gid);
    }

    /// <summary>
    /// Sends <paramref name="data"/> (at least one byte: a stream socket carries descriptors only with data) and
    /// duplicates of <paramref name="descriptors"/> (SCM_RIGHTS), waiting for room. The receiver gets new descriptors
    /// for the same open files (shared offsets); this process keeps its own.
    /// </summary>
    /// <returns>The bytes of <paramref name="data"/> sent; on a stream socket possibly fewer than all (send the rest without descriptors).</returns>
    public static int SendWithDescriptors(this Socket socket, ReadOnlySpan<byte> data, params ReadOnlySpan<SafeHandle> descriptors)
    {
        Check(socket, data, descriptors);
        while (true)
        {
            if (SendCore(socket, data, descriptors, null) is int sent)
            {
                return sent;
            }

            Poll(socket, Interop.POLLOUT);
        }
    }

    /// <summary>As <see cref="SendWithDescriptors"/>, awaiting room without holding a thread.</summary>
    public static async ValueTask<int> SendWithDescriptorsAsync(this Socket socket, ReadOnlyMemory<byte> data, IReadOnlyList<SafeHandle> descriptors, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(descriptors);
        SafeHandle[] handles = [.. descriptors];
        Check(socket, data.Span, handles);
        while (true)
        {
            if (SendCore(socket, data.Span, handles, null) is int sent)
            {
                return sent;
            }

            await EpollReactor.Shared.WaitAsync((int)socket.SafeHandle.DangerousGetHandle(), Readiness.Write, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Receives data and up to <paramref name="maxDescriptors"/> descriptors, waiting for a message. The descriptors
    /// are this process's from now on (close-on-exec; dispose them). 0 bytes and no descriptors means the peer closed.
    /// </summary>
    /// <exception cref="InvalidDataException">More descriptors came than <paramref name="maxDescriptors"/> (MSG_CTRUNC): the kernel closed the extra ones, and those that fit are closed too, so nothing leaks.</exception>
    public static int ReceiveWithDescriptors(this Socket socket, Span<byte> buffer, int maxDescriptors, out SafeFileHandle[] descriptors)
    {
        CheckReceive(socket, maxDescriptors);
        while (true)
        {
            if (ReceiveCore(socket, buffer, maxDescriptors, out descriptors, out _) is int received)
            {
                return received;
            }

            Poll(socket, Interop.POLLIN);
        }
    }

    /// <summary>As <see cref="ReceiveWithDescriptors"/>, awaiting a message without holding a thread.</summary>
    public static async ValueTask<(int Bytes, SafeFileHandle[] Descriptors)> ReceiveWithDescriptorsAsync(this Socket socket, Memory<byte> buffer, int maxDescriptors, CancellationToken cancellationToken = default)
    {
        CheckReceive(socket, maxDescriptors);
        while (true)
        {
            if (ReceiveCore(socket, buffer.Span, maxDescriptors, out SafeFileHandle[] descriptors, out _) is int received)
            {
                return (received, descriptors);
            }

            await EpollReactor.Shared.WaitAsync((int)socket.SafeHandle.DangerousGetHandle(), Readiness.Read, cancellationToken).ConfigureAwait(false);
        }
    }

    // One sendmsg that does not wait (MSG_DONTWAIT; MSG_NOSIGNAL: EPIPE, never SIGPIPE). Null when it would block.
    // Control data: the credentials (SCM_CREDENTIALS) when given, then the descriptors (SCM_RIGHTS).
    private static unsafe int? SendCore(Socket socket, ReadOnlySpan<byte> data, ReadOnlySpan<SafeHandle> descriptors, PeerCredentials? credentials)
    {
        int credentialsLength = credentials is null ? 0 : Interop.CmsgSpace(sizeof(Interop.ucred));
        int rightsLength = descriptors.IsEmpty ? 0 : Interop.CmsgSpace(descriptors.Length * sizeof(int));
        int controlLength = credentialsLength + rightsLength;
        byte* control = stackalloc byte[Math.Max(controlLength, 1)];
        new Span<byte>(control, Math.Max(controlLength, 1)).Clear();
        Span<bool> added = stackalloc bool[descriptors.Length];
        try
        {
            if (credentials is PeerCredentials sender)
            {
                var header = (Interop.cmsghdr*)control;
                header->cmsg_len = (nuint)Interop.CmsgLen(sizeof(Interop.ucred));
                header->cmsg_level = Interop.SOL_SOCKET;
                header->cmsg_type = Interop.SCM_CREDENTIALS;
                *(Interop.ucred*)(control + sizeof(Interop.cmsghdr)) = new Interop.ucred { pid = sender.ProcessId, uid = (uint)sender.UserId, gid = (uint)sender.GroupId };
            }

            if (!descriptors.IsEmpty)
            {
                var header = (Interop.cmsghdr*)(control + credentialsLength);
                header->cmsg_len = (nuint)Interop.CmsgLen(descriptors.Length * sizeof(int));
                header->cmsg_level = Interop.SOL_SOCKET;
                header->cmsg_type = Interop.SCM_RIGHTS;
                int* fds = (int*)(control + credentialsLength + sizeof(Interop.cmsghdr));
                for (int i = 0; i < descriptors.Length; i++)
                {
                    descriptors[i].DangerousAddRef(ref added[i]);
                    fds[i] = (int)descriptors[i].DangerousGetHandle();
                }
            }

            fixed (byte* bytes = data)
            {
                var iov = new Interop.iovec { iov_base = (nint)bytes, iov_len = (nuint)data.Length };
                var message = new Interop.msghdr { msg_iov = (nint)(&iov), msg_iovlen = 1, msg_control = controlLength == 0 ? 0 : (nint)control, msg_controllen = (nuint)controlLength };
                while (true)
                {
                    nint sent = Interop.SendMsg(socket.SafeHandle, &message, Interop.MSG_NOSIGNAL | Interop.MSG_DONTWAIT);
                    if (sent >= 0)
                    {
                        return (int)sent;
                    }

                    Errno error = Interop.LastErrno;
                    if (error == Errno.EINTR)
                    {
                        continue;
                    }

                    if (error == Errno.EAGAIN)
                    {
                        return null;
                    }

                    throw new UnixIpcException(error, "sendmsg", null, $"socket, {data.Length} bytes, {descriptors.Length} descriptor(s){(credentials is null ? "" : ", credentials " + credentials)}, MSG_NOSIGNAL", error switch
                    {
                        Errno.EBADF => "A descriptor to send is not open.",
                        Errno.EPIPE => "The peer has closed its end.",
                        Errno.ETOOMANYREFS => "Too many descriptors are in flight from this process (more than its RLIMIT_NOFILE): let the receiver take some first.",
                        Errno.EPERM when credentials is not null => "Only a privileged process (CAP_SYS_ADMIN for the pid, CAP_SETUID/CAP_SETGID for uid and gid) may send credentials other than its own.",
                        Errno.ESRCH when credentials is not null => "No process has the pid given in the credentials.",
                        _ => null,
                    });
                }
            }
        }
        finally
        {
            for (int i = 0; i < descriptors.Length; i++)
            {
                if (added[i])
                {
                    descriptors[i].DangerousRelease();
                }
            }
        }
    }

    // One recvmsg that does not wait, with MSG_CMSG_CLOEXEC. Null when nothing is there yet. The sender's credentials
    // come back when SO_PASSCRED is on; the caller asks for them by name (credentials) or ignores them.
    private static unsafe int? ReceiveCore(Socket socket, Span<byte> buffer, int maxDescriptors, out SafeFileHandle[] descriptors, out PeerCredentials? sender)
    {
        // CMSG_LEN, not CMSG_SPACE: the kernel fits (length - header) / 4 descriptors, and the padding of CMSG_SPACE
        // would let one more in than asked for.
        // Room for SCM_CREDENTIALS always: the kernel puts it first whenever SO_PASSCRED is on, asked for or not, and
        // without the room the descriptors after it would be cut off (MSG_CTRUNC).
        int credentialsLength = Interop.CmsgSpace(sizeof(Interop.ucred));
        int controlLength = credentialsLength + (maxDescriptors == 0 ? 0 : Interop.CmsgLen(maxDescriptors * sizeof(int)));
        byte* control = stackalloc byte[Math.Max(credentialsLength + Interop.CmsgSpace(maxDescriptors * sizeof(int)), 1)];
        fixed (byte* bytes = buffer)
        {
            var iov = new Interop.iovec { iov_base = (nint)bytes, iov_len = (nuint)buffer.Length };
            var message = new Interop.msghdr { msg_iov = (nint)(&iov), msg_iovlen = 1, msg_control = controlLength == 0 ? 0 : (nint)control, msg_controllen = (nuint)controlLength };
            nint received;
            while ((received = Interop.RecvMsg(socket.SafeHandle, &message, Interop.MSG_CMSG_CLOEXEC | Interop.MSG_DONTWAIT)) == -1)
            {
                Errno error = Interop.LastErrno;
                if (error == Errno.EINTR)
                {
                    continue;
                }

                descriptors = [];
                sender = null;
                return error == Errno.EAGAIN ? null : throw new UnixIpcException(error, "recvmsg", null, "socket, MSG_CMSG_CLOEXEC");
            }

            descriptors = TakeControl(control, (int)message.msg_controllen, out sender);
            if ((message.msg_flags & Interop.MSG_CTRUNC) != 0 || descriptors.Length > maxDescriptors)
            {
                foreach (SafeFileHandle handle in descriptors)
                {
                    handle.Dispose();
                }

                descriptors = [];
                throw new InvalidDataException(maxDescriptors == 0
                    ? "The message carried descriptors, and none were asked for (MSG_CTRUNC): the kernel closed them. Receive with maxDescriptors, or ask the sender not to send any."
                    : $"The message carried more descriptors than the {maxDescriptors} asked for, or more than this process may open (RLIMIT_NOFILE) (MSG_CTRUNC): the kernel closed those that did not fit, and those that did were closed too. Receive with a larger maxDescriptors, or raise the limit (ulimit -n).");
            }

            return (int)received;
        }
    }

    // The descriptors (SCM_RIGHTS, every message of them, in order) and the sender's credentials (SCM_CREDENTIALS).
    // Two passes over the control data: the first counts the descriptors, so the only objects made are the array,
    // of exactly that length (none for a message without any), and one handle per descriptor.
    private static unsafe SafeFileHandle[] TakeControl(byte* control, int length, out PeerCredentials? sender)
    {
        sender = null;
        int count = 0;
        for (int offset = 0; NextMessage(control, length, ref offset, out Interop.cmsghdr* header, out int total);)
        {
            if (header->cmsg_level == Interop.SOL_SOCKET && header->cmsg_type == Interop.SCM_RIGHTS)
            {
                count += (total - sizeof(Interop.cmsghdr)) / sizeof(int);
            }
            else if (header->cmsg_level == Interop.SOL_SOCKET && header->cmsg_type == Interop.SCM_CREDENTIALS && total >= Interop.CmsgLen(sizeof(Interop.ucred)))
            {
                var ucred = *(Interop.ucred*)(header + 1);
                sender = new PeerCredentials(ucred.pid, (int)ucred.uid, (int)ucred.gid);
            }
        }

        if (count == 0)
        {
            return [];
        }

        var handles = new SafeFileHandle[count];
        int taken = 0;
        for (int offset = 0; NextMessage(control, length, ref offset, out Interop.cmsghdr* header, out int total);)
        {
            if (header->cmsg_level == Interop.SOL_SOCKET && header->cmsg_type == Interop.SCM_RIGHTS)
            {
                int* fds = (int*)(header + 1);
                for (int i = 0; i < (total - sizeof(Interop.cmsghdr)) / sizeof(int); i++)
                {
                    handles[taken++] = new SafeFileHandle(fds[i], ownsHandle: true);
                }
            }
        }

        return handles;
    }

    // The control message at offset, and the offset of the next (CMSG_NXTHDR); false at the end or on a malformed length.
    private static unsafe bool NextMessage(byte* control, int length, ref int offset, out Interop.cmsghdr* header, out int total)
    {
        header = (Interop.cmsghdr*)(control + offset);
        total = offset + sizeof(Interop.cmsghdr) <= length ? (int)header->cmsg_len : 0;
        if (total < sizeof(Interop.cmsghdr) || offset + total > length)
        {
            return false;
        }

        offset += (total + 7) & ~7;
        return true;
    }

    private static void Poll(Socket socket, short events) => Interop.PollOne(socket.SafeHandle, events, -1, null);

    private static void Check(Socket socket, ReadOnlySpan<byte> data, ReadOnlySpan<SafeHandle> descriptors)
    {
        ArgumentNullException.ThrowIfNull(socket);
        if (socket.AddressFamily != AddressFamily.Unix)
        {
            throw new ArgumentException("Descriptors travel only over Unix domain sockets (AF_UNIX).", nameof(socket));
        }

        if (descriptors.Length > MaxDescriptorsPerMessage)
        {
            throw new ArgumentException($"At most {MaxDescriptorsPerMessage} descriptors per message (SCM_MAX_FD); the kernel would answer EINVAL.", nameof(descriptors));
        }

        if (!descriptors.IsEmpty && data.IsEmpty)
        {
            throw new ArgumentException("Descriptors must travel with at least one byte of data (a stream socket drops them otherwise).", nameof(data));
        }

        foreach (SafeHandle handle in descriptors)
        {
            ArgumentNullException.ThrowIfNull(handle, nameof(descriptors));
            ObjectDisposedException.ThrowIf(handle.IsClosed, handle);
        }
    }

    private static void CheckReceive(Socket socket, int maxDescriptors)
    {
        ArgumentNullException.ThrowIfNull(socket);
        ArgumentOutOfRangeException.ThrowIfNegative(maxDescriptors);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxDescriptors, MaxDescriptorsPerMessage);
    }
}

using System.Diagnostics.CodeAnalysis;

namespace UnixIpc;

/// <summary>
/// A POSIX message queue (mq_open): named, with a fixed capacity and message size, delivering messages
/// highest priority first and in send order within a priority. C programs see the same queue through
/// <c>mq_open("/name", ...)</c>.
/// </summary>
/// <remarks>
/// <para>Lifetime: the queue persists until <see cref="Unlink"/> and the last descriptor is closed.
/// <see cref="Dispose"/> closes this handle only (and cancels its pending waits), unless
/// <see cref="PosixMessageQueueOptions.UnlinkOnDispose"/> was set.</para>
/// <para>The API follows System.Threading.Channels: <c>TrySend</c>/<c>TryReceive</c> never block;
/// timed, blocking and async forms build on them. Async waits use the library's epoll reactor (the
/// descriptor is a real fd on Linux), so pending waits hold no thread.</para>
/// <para>Thread safety: one handle may be used from many threads at once.</para>
/// </remarks>
public sealed partial class PosixMessageQueue : IDisposable
{
    private readonly SafeMessageQueueHandle _handle;
    private readonly bool _unlinkOnDispose;
    private volatile bool _nonBlocking;

    private PosixMessageQueue(SafeMessageQueueHandle handle, string name, MessageQueueAccess access, bool unlinkOnDispose)
    {
        _handle = handle;
        Name = name;
        Access = access;
        _unlinkOnDispose = unlinkOnDispose;
        PosixMessageQueueStatus status = Stat();
        MaxMessages = status.MaxMessages;
        MaxMessageSize = status.MaxMessageSize;
        _nonBlocking = status.IsNonBlocking;
    }

    /// <summary>The normalised name (one leading slash).</summary>
    public string Name { get; }

    /// <summary>What this handle may do.</summary>
    public MessageQueueAccess Access { get; }

    /// <summary>Capacity in messages (fixed at creation).</summary>
    public int MaxMessages { get; }

    /// <summary>Largest message in bytes (fixed at creation); receive buffers must be at least this long.</summary>
    public int MaxMessageSize { get; }

    /// <summary>
    /// O_NONBLOCK on this open description (mq_setattr). The library's own <c>Try*</c>, timed and async
    /// calls behave the same either way; the flag matters to descriptors shared with other code.
    /// </summary>
    public unsafe bool IsNonBlocking
    {
        get => Stat().IsNonBlocking;
        set
        {
            Interop.mq_attr attr = default;
            attr.mq_flags = value ? Interop.O_NONBLOCK : 0;
            Interop.Check(Interop.MqSetAttr(Handle, &attr, null), "mq_setattr", Name, $"{Name}, {{mq_flags={(value ? "O_NONBLOCK" : "0")}}}");
            _nonBlocking = value;
        }
    }

    internal SafeMessageQueueHandle Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
            return _handle;
        }
    }

    /// <summary>Creates a queue that must not exist yet (O_CREAT|O_EXCL).</summary>
    /// <exception cref="UnixIpcException">EEXIST when the name is taken; EINVAL/EMFILE/ENOSPC with the limit that was hit.</exception>
    public static PosixMessageQueue CreateNew(string name, PosixMessageQueueOptions? options = null, MessageQueueAccess access = MessageQueueAccess.SendReceive)
    {
        name = PosixName.Normalize(name);
        int flags = Flags(access) | Interop.O_CREAT | Interop.O_EXCL;
        if (!TryOpenCore(name, flags, options, out SafeMessageQueueHandle? handle, out Errno error))
        {
            throw CreateFailure(error, name, flags, options);
        }

        return InitializeCreated(handle, name, access, options);
    }

    /// <summary>
    /// Opens the queue, creating it with <paramref name="options"/> if it does not exist. An existing queue
    /// keeps its own capacity and message size (the kernel ignores the attributes then).
    /// </summary>
    public static PosixMessageQueue CreateOrOpen(string name, PosixMessageQueueOptions? options = null, MessageQueueAccess access = MessageQueueAccess.SendReceive)
    {
        name = PosixName.Normalize(name);
        int create = Flags(access) | Interop.O_CREAT | Interop.O_EXCL;
        SafeMessageQueueHandle handle = PosixNamedObject.CreateOrOpen(
            (bool exclusive, [NotNullWhen(true)] out SafeMessageQueueHandle? h, out Errno e) => TryOpenCore(name, exclusive ? create : Flags(access), exclusive ? options : null, out h, out e),
            error => CreateFailure(error, name, create, options),
            error => Interop.Fail(error, "mq_open", name, Arguments(name, Flags(access), null)),
            out bool created);
        return created ? InitializeCreated(handle, name, access, options) : new PosixMessageQueue(handle, name, access, options?.UnlinkOnDispose ?? false);
    }

    /// <summary>Opens an existing queue (no O_CREAT).</summary>
    /// <exception cref="UnixIpcException">ENOENT when there is no such queue, EACCES when its mode forbids the access.</exception>
    public static PosixMessageQueue OpenExisting(string name, MessageQueueAccess access = MessageQueueAccess.SendReceive)
    {
        name = PosixName.Normalize(name);
        return TryOpenCore(name, Flags(access), null, out SafeMessageQueueHandle? handle, out Errno error)
            ? new PosixMessageQueue(handle, name, access, unlinkOnDispose: false)
            : throw Interop.Fail(error, "mq_open", name, Arguments(name, Flags(access), null));
    }

    /// <summary>Opens an existing queue; <see langword="false"/> (instead of ENOENT) when there is none.</summary>
    public static bool TryOpenExisting(string name, [NotNullWhen(true)] out PosixMessageQueue? queue, MessageQueueAccess access = MessageQueueAccess.SendReceive)
    {
        name = PosixName.Normalize(name);
        if (TryOpenCore(name, Flags(access), null, out SafeMessageQueueHandle? handle, out Errno error))
        {
            queue = new PosixMessageQueue(handle, name, access, unlinkOnDispose: false);
            return true;
        }

        queue = null;
        return error == Errno.ENOENT ? false : throw Interop.Fail(error, "mq_open", name, Arguments(name, Flags(access), null));
    }

    /// <summary>Removes the name (mq_unlink). Open handles keep working until closed; the name can be reused at once.</summary>
    /// <exception cref="UnixIpcException">ENOENT when no queue has this name.</exception>
    public static void Unlink(string name)
    {
        PosixNamedObject.Unlink(PosixName.Normalize(name), Interop.MqUnlink, "mq_unlink");
    }

    /// <summary>Removes the name if it exists; <see langword="false"/> when there was nothing to remove.</summary>
    public static bool TryUnlink(string name)
    {
        return PosixNamedObject.TryUnlink(PosixName.Normalize(name), Interop.MqUnlink, "mq_unlink");
    }

    /// <summary>Reads capacity, message size, the number of queued messages and the O_NONBLOCK flag (mq_getattr).</summary>
    public unsafe PosixMessageQueueStatus Stat()
    {
        Interop.mq_attr attr;
        Interop.Check(Interop.MqGetAttr(Handle, &attr), "mq_getattr", Name);

        // The kernel keeps these as longs; Linux caps them far below int.MaxValue (HARD_MSGMAX 65536 messages,
        // HARD_MSGSIZEMAX 16 MiB), so a value that does not fit is a broken layout, not a big queue.
        return new PosixMessageQueueStatus(
            checked((int)attr.mq_maxmsg),
            checked((int)attr.mq_msgsize),
            checked((int)attr.mq_curmsgs),
            (attr.mq_flags & Interop.O_NONBLOCK) != 0);
    }

    /// <summary>Closes this handle: pending async waits complete (sends and receives throw <see cref="ObjectDisposedException"/>), and the name is unlinked if the options asked for it.</summary>
    public void Dispose()
    {
        if (_handle.IsClosed)
        {
            return;
        }

        CancelNotification();
        EpollReactor.ForgetIfStarted(_handle.Fd);
        _handle.Dispose();
        if (_unlinkOnDispose)
        {
            Interop.MqUnlink(Name);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"PosixMessageQueue {Name}";

    private static PosixMessageQueue InitializeCreated(SafeMessageQueueHandle handle, string name, MessageQueueAccess access, PosixMessageQueueOptions? options)
    {
        var queue = new PosixMessageQueue(handle, name, access, options?.UnlinkOnDispose ?? false);
        try
        {
            // mq_open applies the umask; fchmod on the descriptor sets the mode exactly.
            UnixFileMode mode = options?.Mode ?? (UnixFileMode.UserRead | UnixFileMode.UserWrite);
            using SafeFdHandle borrowed = SafeFdHandle.Borrow(handle.Fd);
            Interop.Check(Interop.FChmod(borrowed, (uint)mode), "fchmod", name);
            return queue;
        }
        catch
        {
            queue.Dispose();
            Interop.MqUnlink(name);
            throw;
        }
    }

    private static unsafe bool TryOpenCore(string name, int flags, PosixMessageQueueOptions? options, [NotNullWhen(true)] out SafeMessageQueueHandle? handle, out Errno error)
    {
        Interop.mq_attr attr = default;
        bool withAttributes = options is not null && (options.MaxMessages is not null || options.MaxMessageSize is not null);
        if (withAttributes)
        {
            // The kernel wants both; an unset one takes its default.
            attr.mq_maxmsg = options!.MaxMessages ?? Math.Min(PosixMessageQueueLimits.DefaultMaxMessages, PosixMessageQueueLimits.MaxMessagesLimit);
            attr.mq_msgsize = options.MaxMessageSize ?? PosixMessageQueueLimits.DefaultMaxMessageSize;
        }

        uint mode = (uint)(options?.Mode ?? (UnixFileMode.UserRead | UnixFileMode.UserWrite));
        while (true)
        {
            SafeMessageQueueHandle opened = Interop.MqOpen(name, flags, mode, withAttributes ? &attr : null);
            if (!opened.IsInvalid)
            {
                handle = opened;
                error = Errno.None;
                return true;
            }

            error = Interop.LastErrno;
            opened.Dispose();
            if (error != Errno.EINTR)
            {
                handle = null;
                return false;
            }
        }
    }

    private static UnixIpcException CreateFailure(Errno error, string name, int flags, PosixMessageQueueOptions? options)
    {
        string arguments = Arguments(name, flags, options);
        string? hint = PosixMessageQueueLimits.HintForCreate(error, options);
        return new UnixIpcException(error, "mq_open", name, arguments, hint);
    }

    private static int Flags(MessageQueueAccess access) => access switch
    {
        MessageQueueAccess.SendReceive => Interop.O_RDWR,
        MessageQueueAccess.Send => Interop.O_WRONLY,
        MessageQueueAccess.Receive => Interop.O_RDONLY,
        _ => throw new ArgumentOutOfRangeException(nameof(access), access, "Unknown MessageQueueAccess value."),
    };

    private static string Arguments(string name, int flags, PosixMessageQueueOptions? options)
    {
        string text = $"\"{name}\", {Interop.DescribeOpenFlags(flags)}";
        if ((flags & Interop.O_CREAT) != 0)
        {
            text += $", 0{Convert.ToString((int)(options?.Mode ?? (UnixFileMode)0x180), 8)}";
            text += options?.MaxMessages is null && options?.MaxMessageSize is null
                ? ", NULL"
                : $", {{mq_maxmsg={options.MaxMessages?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "default"}, mq_msgsize={options.MaxMessageSize?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "default"}}}";
        }

        return text;
    }
}

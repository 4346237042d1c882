using System.Runtime.InteropServices;

namespace UnixIpc;

/// <summary>Owns a POSIX message queue descriptor (mqd_t, a real fd on Linux); release is mq_close.</summary>
internal sealed class SafeMessageQueueHandle : SafeHandle
{
    public SafeMessageQueueHandle() : base(-1, ownsHandle: true)
    {
    }

    private SafeMessageQueueHandle(int fd, bool ownsHandle) : base(-1, ownsHandle)
    {
        SetHandle(fd);
    }

    public override bool IsInvalid => handle < 0;

    internal int Fd => (int)handle;

    /// <summary>Takes ownership of what mq_open returned (-1 gives an invalid handle).</summary>
    internal static SafeMessageQueueHandle Own(int fd) => new(fd, ownsHandle: true);

    /// <summary>Wraps a descriptor owned elsewhere; disposing it does not close the descriptor.</summary>
    internal static SafeMessageQueueHandle Borrow(int fd) => new(fd, ownsHandle: false);

    protected override bool ReleaseHandle() => Interop.MqClose((int)handle) == 0;
}

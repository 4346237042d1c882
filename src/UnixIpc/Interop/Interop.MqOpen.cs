using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    /// <summary>mq_open(3); invalid handle and errno set on failure. The descriptor is a real fd with FD_CLOEXEC.</summary>
    internal static unsafe SafeMessageQueueHandle MqOpen(string name, int oflag, uint mode, mq_attr* attr)
        => SafeMessageQueueHandle.Own(MqOpenCore(name, oflag, mode, attr));

    /// <summary>
    /// C declares mq_open variadic (<c>mqd_t mq_open(const char*, int, ...)</c>); passing mode and attr as
    /// fixed arguments is valid on the x86-64 and arm64 Linux calling conventions. mqd_t is an int.
    /// </summary>
    [LibraryImport(Libc, EntryPoint = "mq_open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static unsafe partial int MqOpenCore(string name, int oflag, uint mode, mq_attr* attr);
}

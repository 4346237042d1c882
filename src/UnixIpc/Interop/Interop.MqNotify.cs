using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    // <signal.h>: sigev_notify values.
    internal const int SIGEV_SIGNAL = 0;
    internal const int SIGEV_NONE = 1;
    internal const int SIGEV_THREAD = 2;

    /// <summary>struct sigevent (64 bytes); the SIGEV_THREAD members of its union are named as the C macros name them.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 64)]
    internal struct sigevent
    {
        public nint sigev_value;
        public int sigev_signo;
        public int sigev_notify;
        public nint sigev_notify_function;
        public nint sigev_notify_attributes;
    }

    /// <summary>mq_notify(3); null removes this process's registration.</summary>
    [LibraryImport(Libc, EntryPoint = "mq_notify", SetLastError = true)]
    internal static unsafe partial int MqNotify(SafeMessageQueueHandle mqdes, sigevent* notification);
}

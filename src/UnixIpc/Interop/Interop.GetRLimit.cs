using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    internal const int RLIMIT_NOFILE = 7;
    internal const int RLIMIT_MEMLOCK = 8;
    internal const int RLIMIT_MSGQUEUE = 12;
    internal const ulong RLIM_INFINITY = ulong.MaxValue;

    /// <summary>struct rlimit.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct rlimit
    {
        public ulong rlim_cur;
        public ulong rlim_max;
    }

    /// <summary>getrlimit(2), used to say which limit a failure hit and what it is set to.</summary>
    [LibraryImport(Libc, EntryPoint = "getrlimit", SetLastError = true)]
    internal static unsafe partial int GetRLimit(int resource, rlimit* rlim);

    /// <summary>The soft limit, or null when unlimited or unreadable.</summary>
    internal static unsafe ulong? SoftLimit(int resource)
    {
        rlimit value;
        return GetRLimit(resource, &value) == 0 && value.rlim_cur != RLIM_INFINITY ? value.rlim_cur : null;
    }
}

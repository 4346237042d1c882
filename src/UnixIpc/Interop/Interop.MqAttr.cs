using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    /// <summary>struct mq_attr: four longs and four longs of padding (64 bytes in glibc).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct mq_attr
    {
        public long mq_flags;
        public long mq_maxmsg;
        public long mq_msgsize;
        public long mq_curmsgs;
        public fixed long __pad[4];
    }
}

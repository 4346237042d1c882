using System.Runtime.InteropServices;

namespace UnixIpc;

internal static partial class Interop
{
    /// <summary>
    /// Marks an interop struct whose C name differs from its C# name, or whose layout exists only on one
    /// architecture (epoll_event is packed on x86-64 alone). The layout test reads it.
    /// </summary>
    [AttributeUsage(AttributeTargets.Struct)]
    internal sealed class CStructAttribute : Attribute
    {
        public CStructAttribute(string name, Architecture architecture)
        {
            Name = name;
            Architecture = architecture;
        }

        /// <summary>A C name on every architecture; a name ending in <c>_t</c> is a typedef (siginfo_t), not a struct tag.</summary>
        public CStructAttribute(string name)
        {
            Name = name;
        }

        public string Name { get; }

        public Architecture? Architecture { get; }
    }
}

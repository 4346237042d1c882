using System.Runtime.InteropServices;

namespace UnixIpc;

/// <summary>
/// Owns a range of this process's address space that shared memory is mapped into. A
/// <see cref="MappedRegion"/> adds a reference around every access, so dispose during an access
/// defers the unmap to the end of that access and any access after it throws
/// <see cref="ObjectDisposedException"/> instead of touching unmapped memory.
/// </summary>
internal abstract class SafeMappingHandle : SafeHandle
{
    protected SafeMappingHandle(nint address) : base(-1, ownsHandle: true)
    {
        SetHandle(address);
    }

    public override bool IsInvalid => handle == -1;

    /// <summary>The address the kernel returned (page-aligned).</summary>
    internal nint Address => handle;

    /// <summary>msync for file-backed mappings; nothing to do for System V attachments.</summary>
    internal abstract void Flush(nint address, nuint length, bool wait);
}

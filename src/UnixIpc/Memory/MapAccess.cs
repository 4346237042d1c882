namespace UnixIpc;

/// <summary>How a region is mapped.</summary>
public enum MapAccess
{
    /// <summary>Read and write; writes are shared with every other mapping of the object (MAP_SHARED).</summary>
    ReadWrite = 0,

    /// <summary>Read only (PROT_READ). The region refuses writes itself instead of letting them fault.</summary>
    ReadOnly = 1,

    /// <summary>Read and write, but writes stay private to this mapping (MAP_PRIVATE, copy-on-write).</summary>
    CopyOnWrite = 2,
}

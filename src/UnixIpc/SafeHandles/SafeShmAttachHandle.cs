namespace UnixIpc;

/// <summary>Owns a System V shared memory attachment (shmat); release is shmdt.</summary>
internal sealed class SafeShmAttachHandle : SafeMappingHandle
{
    internal SafeShmAttachHandle(nint address) : base(address)
    {
    }

    // System V segments have no backing file: there is nothing to write back.
    internal override void Flush(nint address, nuint length, bool wait)
    {
    }

    protected override bool ReleaseHandle() => Interop.ShmDt(handle) == 0;
}

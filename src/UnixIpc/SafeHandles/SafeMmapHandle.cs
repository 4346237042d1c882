namespace UnixIpc;

/// <summary>Owns an mmap(2) mapping of <see cref="Length"/> bytes; release is munmap.</summary>
internal sealed class SafeMmapHandle : SafeMappingHandle
{
    internal SafeMmapHandle(nint address, nuint length) : base(address)
    {
        Length = length;
    }

    internal nuint Length { get; }

    internal override void Flush(nint address, nuint length, bool wait)
    {
        // msync wants a page-aligned start: widen the range down to its page.
        nint pageMask = Environment.SystemPageSize - 1;
        nint start = address & ~pageMask;
        nuint widened = length + (nuint)(address - start);
        Interop.Check(Interop.MSync(start, widened, wait ? Interop.MS_SYNC : Interop.MS_ASYNC), "msync", null);
    }

    protected override bool ReleaseHandle() => Interop.MUnmap(handle, Length) == 0;
}

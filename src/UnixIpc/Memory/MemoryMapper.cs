namespace UnixIpc;

/// <summary>mmap of a descriptor into a <see cref="MappedRegion"/>: the part shared by POSIX shared memory and mapped files.</summary>
internal static class MemoryMapper
{
    /// <summary>
    /// Maps <paramref name="length"/> bytes at <paramref name="offset"/> of <paramref name="fd"/>, whose current
    /// size is <paramref name="objectSize"/>. Any offset works: the mapping starts at the page below it.
    /// The range must lie inside the object, because touching a whole page past its end raises SIGBUS.
    /// </summary>
    internal static MappedRegion Map(SafeFdHandle fd, long objectSize, long offset, long length, MapAccess access, string objectName)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (length == -1)
        {
            length = objectSize - offset;
        }

        if (offset > objectSize || length < 0 || length > objectSize - offset)
        {
            throw new ArgumentOutOfRangeException(nameof(length), $"{objectName} is {objectSize} bytes: {length} bytes at offset {offset} do not fit. Grow it first (SetSize); mapping past the end would fault with SIGBUS on access.");
        }

        if (length == 0)
        {
            throw new ArgumentException($"{objectName} has nothing to map at offset {offset} (its size is {objectSize}): mmap cannot map 0 bytes. Set a size first.", nameof(length));
        }

        if (!Enum.IsDefined(access))
        {
            throw new ArgumentOutOfRangeException(nameof(access), access, "Unknown MapAccess value.");
        }

        long pageSize = Environment.SystemPageSize;
        long alignedOffset = offset - (offset % pageSize);
        long slack = offset - alignedOffset;
        nuint mapLength = (nuint)(length + slack);
        int prot = access == MapAccess.ReadOnly ? Interop.PROT_READ : Interop.PROT_READ | Interop.PROT_WRITE;
        int flags = access == MapAccess.CopyOnWrite ? Interop.MAP_PRIVATE : Interop.MAP_SHARED;

        nint address = Interop.MMap(0, mapLength, prot, flags, fd, alignedOffset);
        if (address == Interop.MAP_FAILED)
        {
            throw Interop.Fail(Interop.LastErrno, "mmap", objectName, $"NULL, {mapLength}, {DescribeProt(prot)}, {(flags == Interop.MAP_SHARED ? "MAP_SHARED" : "MAP_PRIVATE")}, {objectName}, {alignedOffset}");
        }

        return new MappedRegion(new SafeMmapHandle(address, mapLength), address + (nint)slack, length, access, objectName);
    }

    private static string DescribeProt(int prot) => prot == Interop.PROT_READ ? "PROT_READ" : "PROT_READ|PROT_WRITE";
}

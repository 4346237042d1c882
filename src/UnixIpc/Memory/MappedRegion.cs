using System.Runtime.CompilerServices;

namespace UnixIpc;

/// <summary>
/// Memory shared with other processes: a POSIX shared memory object or a file mapped with mmap, or an
/// attached System V segment. Every access is bounds-checked and holds the mapping alive for its
/// duration, so using a disposed region throws <see cref="ObjectDisposedException"/> and can never
/// touch unmapped memory.
/// </summary>
/// <remarks>
/// <para>For copy-free access take a <see cref="MappedRegionAccess"/> with <see cref="Acquire"/>: while it is
/// alive the mapping stays in place even if another thread disposes the region.</para>
/// <para>Thread safety: the region object may be used from many threads. The bytes themselves are
/// shared memory: ordering between processes is the caller's job, e.g. with the atomic methods here.</para>
/// </remarks>
public sealed unsafe class MappedRegion : IDisposable
{
    private readonly SafeMappingHandle _handle;
    private readonly nint _address;
    private int _disposed;

    internal MappedRegion(SafeMappingHandle handle, nint address, long length, MapAccess access, string? objectName)
    {
        _handle = handle;
        _address = address;
        Length = length;
        Access = access;
        ObjectName = objectName;
    }

    /// <summary>The number of bytes that can be accessed.</summary>
    public long Length { get; }

    /// <summary>How the region was mapped.</summary>
    public MapAccess Access { get; }

    /// <summary><see langword="true"/> unless the region is mapped <see cref="MapAccess.ReadOnly"/>.</summary>
    public bool CanWrite => Access != MapAccess.ReadOnly;

    /// <summary>The name, key or path of what is mapped (for messages).</summary>
    public string? ObjectName { get; }

    /// <summary><see langword="true"/> once <see cref="Dispose"/> has been called.</summary>
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>
    /// Pins the mapping and returns direct access to its bytes. Dispose the result (a <c>using</c>) when done;
    /// until then the mapping is not removed, even by a concurrent <see cref="Dispose"/>.
    /// </summary>
    public MappedRegionAccess Acquire()
    {
        // SafeHandle only reports closed once the last reference is gone; a disposed region must refuse
        // new accesses even while an earlier one still holds the mapping.
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        bool added = false;
        _handle.DangerousAddRef(ref added);
        return new MappedRegionAccess(_handle, (byte*)_address, Length, CanWrite);
    }

    /// <summary>
    /// Copies bytes from <paramref name="offset"/> into <paramref name="destination"/>. A read that runs past the end
    /// is clamped; returns the number of bytes copied.
    /// </summary>
    public int Read(long offset, Span<byte> destination)
    {
        CheckOffset(offset);
        int count = (int)Math.Min(destination.Length, Length - offset);
        using MappedRegionAccess view = Acquire();
        new ReadOnlySpan<byte>((byte*)_address + offset, count).CopyTo(destination);
        return count;
    }

    /// <summary>Copies <paramref name="source"/> to <paramref name="offset"/>; the whole of it must fit.</summary>
    public void Write(long offset, ReadOnlySpan<byte> source)
    {
        CheckRange(offset, source.Length);
        CheckWritable();
        using MappedRegionAccess view = Acquire();
        source.CopyTo(new Span<byte>((byte*)_address + offset, source.Length));
    }

    /// <summary>Reads an unmanaged value at <paramref name="offset"/> (no alignment needed).</summary>
    public T Read<T>(long offset) where T : unmanaged
    {
        CheckRange(offset, sizeof(T));
        using MappedRegionAccess view = Acquire();
        return Unsafe.ReadUnaligned<T>((byte*)_address + offset);
    }

    /// <summary>Writes an unmanaged value at <paramref name="offset"/> (no alignment needed).</summary>
    public void Write<T>(long offset, T value) where T : unmanaged
    {
        CheckRange(offset, sizeof(T));
        CheckWritable();
        using MappedRegionAccess view = Acquire();
        Unsafe.WriteUnaligned((byte*)_address + offset, value);
    }

    /// <summary>Atomically reads the 32-bit word at <paramref name="offset"/> (4-byte aligned) with acquire ordering.</summary>
    public int AtomicReadInt32(long offset)
    {
        using MappedRegionAccess view = Acquire();
        return Volatile.Read(ref Word32(offset, write: false));
    }

    /// <summary>Atomically writes the 32-bit word at <paramref name="offset"/> (4-byte aligned) with release ordering.</summary>
    public void AtomicWriteInt32(long offset, int value)
    {
        using MappedRegionAccess view = Acquire();
        Volatile.Write(ref Word32(offset, write: true), value);
    }

    /// <summary>Atomically adds <paramref name="delta"/> to the 32-bit word at <paramref name="offset"/>; returns the new value.</summary>
    public int AtomicAddInt32(long offset, int delta)
    {
        using MappedRegionAccess view = Acquire();
        return Interlocked.Add(ref Word32(offset, write: true), delta);
    }

    /// <summary>Atomically replaces the 32-bit word at <paramref name="offset"/>; returns the old value.</summary>
    public int AtomicExchangeInt32(long offset, int value)
    {
        using MappedRegionAccess view = Acquire();
        return Interlocked.Exchange(ref Word32(offset, write: true), value);
    }

    /// <summary>Atomically sets the 32-bit word to <paramref name="value"/> if it equals <paramref name="comparand"/>; returns the old value.</summary>
    public int AtomicCompareExchangeInt32(long offset, int value, int comparand)
    {
        using MappedRegionAccess view = Acquire();
        return Interlocked.CompareExchange(ref Word32(offset, write: true), value, comparand);
    }

    /// <summary>Atomically reads the 64-bit word at <paramref name="offset"/> (8-byte aligned) with acquire ordering.</summary>
    public long AtomicReadInt64(long offset)
    {
        using MappedRegionAccess view = Acquire();
        return Volatile.Read(ref Word64(offset, write: false));
    }

    /// <summary>Atomically writes the 64-bit word at <paramref name="offset"/> (8-byte aligned) with release ordering.</summary>
    public void AtomicWriteInt64(long offset, long value)
    {
        using MappedRegionAccess view = Acquire();
        Volatile.Write(ref Word64(offset, write: true), value);
    }

    /// <summary>Atomically adds <paramref name="delta"/> to the 64-bit word at <paramref name="offset"/>; returns the new value.</summary>
    public long AtomicAddInt64(long offset, long delta)
    {
        using MappedRegionAccess view = Acquire();
        return Interlocked.Add(ref Word64(offset, write: true), delta);
    }

    /// <summary>Atomically replaces the 64-bit word at <paramref name="offset"/>; returns the old value.</summary>
    public long AtomicExchangeInt64(long offset, long value)
    {
        using MappedRegionAccess view = Acquire();
        return Interlocked.Exchange(ref Word64(offset, write: true), value);
    }

    /// <summary>Atomically sets the 64-bit word to <paramref name="value"/> if it equals <paramref name="comparand"/>; returns the old value.</summary>
    public long AtomicCompareExchangeInt64(long offset, long value, long comparand)
    {
        using MappedRegionAccess view = Acquire();
        return Interlocked.CompareExchange(ref Word64(offset, write: true), value, comparand);
    }

    /// <summary>
    /// Writes modified pages back to the file behind the mapping (msync). <paramref name="wait"/> waits
    /// for the write to finish (MS_SYNC). Nothing to do for System V segments, which have no file.
    /// </summary>
    public void Flush(bool wait = true)
    {
        using MappedRegionAccess view = Acquire();
        _handle.Flush(_address, (nuint)Length, wait);
    }

    /// <summary>A seekable stream over the region (fixed length: it cannot grow).</summary>
    public Stream AsStream() => new MappedRegionStream(this);

    /// <summary>Unmaps (or detaches) the region once no <see cref="MappedRegionAccess"/> holds it.</summary>
    public void Dispose()
    {
        Volatile.Write(ref _disposed, 1);
        _handle.Dispose();
    }

    internal void CheckRange(long offset, long count)
    {
        if (offset < 0 || offset > Length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), offset, $"The offset must be between 0 and the region's length ({Length}).");
        }

        if (count < 0 || count > Length - offset)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"{count} bytes at offset {offset} do not fit in the region's {Length} bytes.");
        }
    }

    internal void CheckOffset(long offset)
    {
        if (offset < 0 || offset > Length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), offset, $"The offset must be between 0 and the region's length ({Length}).");
        }
    }

    internal void CheckWritable()
    {
        if (!CanWrite)
        {
            throw new NotSupportedException($"The region {ObjectName} is mapped read-only; map it with MapAccess.ReadWrite to write.");
        }
    }

    private ref int Word32(long offset, bool write)
    {
        CheckRange(offset, sizeof(int));
        if ((offset & 3) != 0 || ((_address + (nint)offset) & 3) != 0)
        {
            throw new ArgumentException($"A 32-bit atomic needs a 4-byte aligned offset; {offset} is not.", nameof(offset));
        }

        if (write)
        {
            CheckWritable();
        }

        return ref Unsafe.AsRef<int>((byte*)_address + offset);
    }

    private ref long Word64(long offset, bool write)
    {
        CheckRange(offset, sizeof(long));
        if ((offset & 7) != 0 || ((_address + (nint)offset) & 7) != 0)
        {
            throw new ArgumentException($"A 64-bit atomic needs an 8-byte aligned offset; {offset} is not.", nameof(offset));
        }

        if (write)
        {
            CheckWritable();
        }

        return ref Unsafe.AsRef<long>((byte*)_address + offset);
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace UnixIpc;

/// <summary>
/// Direct access to the bytes of a <see cref="MappedRegion"/>, holding the mapping in place until
/// disposed. It is a ref struct: the spans and references it hands out live on the stack only, and
/// cannot be stored in fields or captured by lambdas or async methods.
/// </summary>
/// <example>
/// <code>
/// using MappedRegionAccess view = region.Acquire();
/// Span&lt;byte&gt; bytes = view.Span;
/// Interlocked.Increment(ref view.Ref&lt;int&gt;(0));
/// </code>
/// </example>
public unsafe ref struct MappedRegionAccess
{
    private SafeHandle? _handle;
    private readonly byte* _pointer;
    private readonly long _length;
    private readonly bool _writable;

    internal MappedRegionAccess(SafeHandle handle, byte* pointer, long length, bool writable)
    {
        _handle = handle;
        _pointer = pointer;
        _length = length;
        _writable = writable;
    }

    /// <summary>The region's length in bytes.</summary>
    public readonly long Length => _length;

    /// <summary>All the bytes, writable. Throws for a read-only region, or one over 2 GiB (use <see cref="Slice"/>).</summary>
    public readonly Span<byte> Span
    {
        get
        {
            ThrowIfReleased();
            if (!_writable)
            {
                throw new NotSupportedException("The region is mapped read-only: use ReadOnlySpan.");
            }

            return new Span<byte>(_pointer, CheckedIntLength(_length));
        }
    }

    /// <summary>All the bytes, read-only. Throws for a region over 2 GiB (use <see cref="Slice"/>).</summary>
    public readonly ReadOnlySpan<byte> ReadOnlySpan
    {
        get
        {
            ThrowIfReleased();
            return new ReadOnlySpan<byte>(_pointer, CheckedIntLength(_length));
        }
    }

    /// <summary>A writable slice of <paramref name="length"/> bytes at <paramref name="offset"/>.</summary>
    public readonly Span<byte> Slice(long offset, int length)
    {
        CheckRange(offset, length);
        if (!_writable)
        {
            throw new NotSupportedException("The region is mapped read-only: use ReadOnlySlice.");
        }

        return new Span<byte>(_pointer + offset, length);
    }

    /// <summary>A read-only slice of <paramref name="length"/> bytes at <paramref name="offset"/>.</summary>
    public readonly ReadOnlySpan<byte> ReadOnlySlice(long offset, int length)
    {
        CheckRange(offset, length);
        return new ReadOnlySpan<byte>(_pointer + offset, length);
    }

    /// <summary>
    /// A reference to the <typeparamref name="T"/> at <paramref name="offset"/>, for in-place updates and
    /// <see cref="Interlocked"/> operations. The offset must be aligned to the size of <typeparamref name="T"/>
    /// (up to 8). Throws for a read-only region: use <see cref="MappedRegion.Read{T}(long)"/> there.
    /// </summary>
    public readonly ref T Ref<T>(long offset) where T : unmanaged
    {
        CheckRange(offset, sizeof(T));
        if (!_writable)
        {
            throw new NotSupportedException("The region is mapped read-only: a writable reference is not available.");
        }

        int alignment = Math.Min(sizeof(T), 8);
        if ((alignment & (alignment - 1)) == 0 && ((nint)(_pointer + offset) & (alignment - 1)) != 0)
        {
            throw new ArgumentException($"A {typeof(T).Name} needs {alignment}-byte alignment; offset {offset} is not aligned.", nameof(offset));
        }

        return ref Unsafe.AsRef<T>(_pointer + offset);
    }

    /// <summary>The first byte of the region (valid while this access is alive).</summary>
    internal readonly byte* Address => _pointer;

    /// <summary>Hands the held mapping reference to a longer-lived owner, which must call DangerousRelease on it.</summary>
    internal SafeHandle DetachHandle()
    {
        SafeHandle handle = _handle ?? throw new ObjectDisposedException(nameof(MappedRegionAccess));
        _handle = null;
        return handle;
    }

    /// <summary>Lets the mapping be removed again.</summary>
    public void Dispose()
    {
        SafeHandle? handle = _handle;
        _handle = null;
        handle?.DangerousRelease();
    }

    private readonly void CheckRange(long offset, int length)
    {
        ThrowIfReleased();
        if (offset < 0 || length < 0 || offset > _length || length > _length - offset)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"{length} bytes at offset {offset} do not fit in the region's {_length} bytes.");
        }
    }

    private readonly void ThrowIfReleased()
    {
        if (_handle is null)
        {
            throw new ObjectDisposedException(nameof(MappedRegionAccess));
        }
    }

    private static int CheckedIntLength(long length) => length <= int.MaxValue
        ? (int)length
        : throw new InvalidOperationException($"The region is {length} bytes, more than one span can hold: use Slice(offset, length).");
}

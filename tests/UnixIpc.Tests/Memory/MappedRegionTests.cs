namespace UnixIpc.Tests;

/// <summary>The managed view: bounds, lifetime, direct access, atomics, stream.</summary>
public sealed class MappedRegionTests : IDisposable
{
    private readonly string _name = TestNames.Unique("region");
    private readonly PosixSharedMemory _shm;

    public MappedRegionTests()
    {
        _shm = PosixSharedMemory.CreateNew(_name, 8192);
    }

    public void Dispose()
    {
        _shm.Dispose();
        PosixSharedMemory.TryUnlink(_name);
    }

    [Fact]
    public void Acquire_gives_spans_and_references_into_the_shared_bytes()
    {
        using MappedRegion a = _shm.Map();
        using MappedRegion b = _shm.Map();
        using (MappedRegionAccess view = a.Acquire())
        {
            Assert.Equal(8192, view.Length);
            view.Span[..5].Fill(7);
            view.Slice(100, 3).Fill(9);
            Interlocked.Increment(ref view.Ref<long>(512));
            Interlocked.Increment(ref view.Ref<long>(512));
        }

        Assert.Equal(new byte[] { 7, 7, 7, 7, 7, 0 }, ReadBytes(b, 0, 6));
        Assert.Equal(new byte[] { 9, 9, 9, 0 }, ReadBytes(b, 100, 4));
        Assert.Equal(2L, b.AtomicReadInt64(512));
    }

    [Fact]
    public void Direct_access_is_bounds_and_alignment_checked()
    {
        using MappedRegion region = _shm.Map();
        using MappedRegionAccess view = region.Acquire();
        try
        {
            view.Slice(8190, 3);
            Assert.Fail("slice past the end");
        }
        catch (ArgumentOutOfRangeException)
        {
        }

        try
        {
            view.Ref<long>(3);
            Assert.Fail("misaligned reference");
        }
        catch (ArgumentException)
        {
        }
    }

    [Fact]
    public void Dispose_during_an_access_waits_for_it_and_later_access_throws()
    {
        MappedRegion region = _shm.Map();
        MappedRegionAccess view = region.Acquire();
        region.Dispose();
        Assert.True(region.IsDisposed);

        // The mapping is still there for the access that was already in progress.
        view.Span[0] = 1;
        Assert.Equal(1, view.ReadOnlySpan[0]);
        view.Dispose();

        Assert.Throws<ObjectDisposedException>(() => region.Read<int>(0));
        Assert.Throws<ObjectDisposedException>(() => region.Acquire());
        try
        {
            _ = view.ReadOnlySpan;
            Assert.Fail("a released access handed out a span");
        }
        catch (ObjectDisposedException)
        {
        }

        region.Dispose(); // idempotent
    }

    [Fact]
    public void Atomics_need_aligned_offsets_inside_the_region()
    {
        using MappedRegion region = _shm.Map();
        Assert.Equal(5, region.AtomicAddInt32(0, 5));
        Assert.Equal(5, region.AtomicExchangeInt32(0, 6));
        Assert.Equal(6, region.AtomicCompareExchangeInt32(0, 7, 6));
        Assert.Equal(7, region.AtomicCompareExchangeInt32(0, 8, 6)); // comparand mismatch: unchanged
        Assert.Equal(7, region.AtomicReadInt32(0));
        region.AtomicWriteInt64(8, long.MaxValue);
        Assert.Equal(long.MinValue, region.AtomicAddInt64(8, 1));
        Assert.Equal(long.MinValue, region.AtomicExchangeInt64(8, 3));
        Assert.Equal(3, region.AtomicCompareExchangeInt64(8, 4, 3));

        Assert.Throws<ArgumentException>(() => region.AtomicAddInt32(2, 1));
        Assert.Throws<ArgumentException>(() => region.AtomicAddInt64(4, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => region.AtomicAddInt32(8192, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => region.AtomicReadInt64(8188));
    }

    [Fact]
    public void A_region_at_an_unaligned_offset_sees_the_right_bytes()
    {
        using (MappedRegion whole = _shm.Map())
        {
            whole.Write(5000, 0xABCDEF);
        }

        using MappedRegion part = _shm.Map(MapAccess.ReadOnly, 4999, 100);
        Assert.Equal(100, part.Length);
        Assert.Equal(0xABCDEF, part.Read<int>(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => part.Read<int>(97));
    }

    [Fact]
    public void AsStream_reads_writes_and_seeks_but_cannot_grow()
    {
        using MappedRegion region = _shm.Map();
        using Stream stream = region.AsStream();
        Assert.True(stream.CanSeek);
        Assert.Equal(8192, stream.Length);
        stream.Write("hello"u8);
        Assert.Equal(5, stream.Position);
        stream.Seek(-5, SeekOrigin.Current);
        var buffer = new byte[5];
        stream.ReadExactly(buffer);
        Assert.Equal("hello"u8.ToArray(), buffer);

        stream.Seek(-2, SeekOrigin.End);
        Assert.Throws<NotSupportedException>(() => stream.Write("abc"u8));
        Assert.Equal(2, stream.Read(new byte[10]));
        Assert.Equal(0, stream.Read(new byte[10]));
        Assert.Throws<NotSupportedException>(() => stream.SetLength(1));
        Assert.Throws<IOException>(() => stream.Seek(-1, SeekOrigin.Begin));
    }

    [Fact]
    public void A_read_only_region_gives_a_read_only_stream()
    {
        using MappedRegion region = _shm.Map(MapAccess.ReadOnly);
        using Stream stream = region.AsStream();
        Assert.False(stream.CanWrite);
        Assert.Throws<NotSupportedException>(() => stream.Write("x"u8));
    }

    [Fact]
    public void Unknown_access_values_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _shm.Map((MapAccess)7));
    }

    private static byte[] ReadBytes(MappedRegion region, long offset, int count)
    {
        var bytes = new byte[count];
        region.Read(offset, bytes);
        return bytes;
    }
}

namespace UnixIpc.Tests;

public sealed class MappedFileTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"{TestNames.Prefix}{Environment.ProcessId}_{Guid.NewGuid():N}.dat");

    public MappedFileTests()
    {
        File.WriteAllBytes(_path, new byte[10000]);
    }

    public void Dispose() => File.Delete(_path);

    [Fact]
    public void Shared_mappings_share_bytes_and_reach_the_file_after_flush()
    {
        using MappedRegion a = MappedFile.Map(_path);
        using MappedRegion b = MappedFile.Map(_path, MapAccess.ReadOnly);
        Assert.Equal(10000, a.Length);
        a.Write(9000, "on disk"u8);
        a.Flush();
        var seen = new byte[7];
        b.Read(9000, seen);
        Assert.Equal("on disk"u8.ToArray(), seen);

        using FileStream file = new(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        file.Seek(9000, SeekOrigin.Begin);
        var fromFile = new byte[7];
        file.ReadExactly(fromFile);
        Assert.Equal("on disk"u8.ToArray(), fromFile);
    }

    [Fact]
    public void Copy_on_write_changes_neither_the_file_nor_other_mappings()
    {
        using MappedRegion priv = MappedFile.Map(_path, MapAccess.CopyOnWrite);
        priv.Write(0, 12345);
        priv.Flush();
        using MappedRegion shared = MappedFile.Map(_path, MapAccess.ReadOnly);
        Assert.Equal(0, shared.Read<int>(0));
        Assert.Equal(0, BitConverter.ToInt32(File.ReadAllBytes(_path), 0));
    }

    [Fact]
    public void Part_of_a_file_at_any_offset_can_be_mapped_through_a_SafeFileHandle()
    {
        File.WriteAllBytes(_path, Enumerable.Range(0, 10000).Select(i => (byte)i).ToArray());
        using Microsoft.Win32.SafeHandles.SafeFileHandle handle = File.OpenHandle(_path, FileMode.Open, FileAccess.ReadWrite);
        using MappedRegion region = MappedFile.Map(handle, MapAccess.ReadWrite, 4100, 50);
        Assert.Equal(50, region.Length);
        Assert.Equal(unchecked((byte)4100), region.Read<byte>(0));
        Assert.False(handle.IsClosed); // the caller's handle is borrowed, not closed
    }

    [Fact]
    public void A_missing_file_is_ENOENT_naming_the_path()
    {
        UnixIpcException e = Assert.Throws<UnixIpcException>(() => MappedFile.Map(_path + ".missing"));
        Assert.Equal(Errno.ENOENT, e.Error);
        Assert.Equal("open", e.Operation);
        Assert.Contains(_path + ".missing", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mapping_past_the_end_of_the_file_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => MappedFile.Map(_path, MapAccess.ReadOnly, 0, 20000));
        File.WriteAllBytes(_path, []);
        Assert.Throws<ArgumentException>(() => MappedFile.Map(_path, MapAccess.ReadOnly));
    }
}

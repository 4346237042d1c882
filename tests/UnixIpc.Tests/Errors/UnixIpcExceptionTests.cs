namespace UnixIpc.Tests;

public sealed class UnixIpcExceptionTests
{
    [Fact]
    public void The_message_names_the_call_the_object_and_the_errno_with_its_text_and_a_hint()
    {
        string name = TestNames.Unique("pshm");
        UnixIpcException e = Assert.Throws<UnixIpcException>(() => PosixSharedMemory.OpenExisting(name));
        Assert.StartsWith($"shm_open(\"{name}\", O_RDWR) failed: ENOENT (No such file or directory).", e.Message, StringComparison.Ordinal);
        Assert.Equal("shm_open", e.Operation);
        Assert.Equal(name, e.ObjectName);
        Assert.Equal(2, e.NativeErrorCode);
        Assert.Equal(2, e.HResult);
        Assert.IsAssignableFrom<IOException>(e);
        Assert.EndsWith(e.Hint!, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Describe_gives_the_C_library_text()
    {
        Assert.Equal("File exists", UnixIpcException.Describe(Errno.EEXIST));
        Assert.Equal("EAGAIN", Errno.EAGAIN.ToString()); // one name per value: EWOULDBLOCK is not a second name
    }

    [Fact]
    public void Errors_without_a_hint_still_read_well()
    {
        var e = new UnixIpcException(Errno.EIO, "read", "/x");
        Assert.Equal("read(\"/x\") failed: EIO (Input/output error).", e.Message);
        Assert.Null(e.Hint);
    }
}

namespace UnixIpc.Tests;

/// <summary>
/// The lifetime contract every named POSIX object shares (shared memory now; message queues and
/// semaphores reuse it): exclusive create, open of a missing name, try-variants, unlink, mode despite
/// umask, name rules, dispose. Each mechanism supplies the factories in a small subclass.
/// </summary>
public abstract class NamedObjectConformanceTests<T> where T : class, IDisposable
{
    protected abstract string Kind { get; }

    protected abstract T CreateNew(string name, UnixFileMode mode);

    protected abstract T CreateOrOpen(string name);

    protected abstract T OpenExisting(string name);

    protected abstract bool TryOpenExisting(string name, out T? value);

    protected abstract void Unlink(string name);

    protected abstract bool TryUnlink(string name);

    protected abstract UnixFileMode ModeOf(T value);

    /// <summary>Any call that touches the kernel object through this handle.</summary>
    protected abstract void UseHandle(T value);

    protected string NewName() => TestNames.Unique(Kind);

    [Fact]
    public void CreateNew_on_an_existing_name_fails_with_EEXIST()
    {
        string name = NewName();
        try
        {
            using T first = CreateNew(name, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            UnixIpcException e = Assert.Throws<UnixIpcException>(() => CreateNew(name, UnixFileMode.UserRead | UnixFileMode.UserWrite));
            Assert.Equal(Errno.EEXIST, e.Error);
            Assert.Equal((int)Errno.EEXIST, e.HResult);
            Assert.Equal(name, e.ObjectName);
            Assert.Contains(name, e.Message, StringComparison.Ordinal);
            Assert.Contains("EEXIST", e.Message, StringComparison.Ordinal);
            Assert.NotNull(e.Hint);
        }
        finally
        {
            TryUnlink(name);
        }
    }

    [Fact]
    public void OpenExisting_on_a_missing_name_fails_with_ENOENT_and_TryOpenExisting_returns_false()
    {
        string name = NewName();
        UnixIpcException e = Assert.Throws<UnixIpcException>(() => OpenExisting(name));
        Assert.Equal(Errno.ENOENT, e.Error);
        Assert.False(TryOpenExisting(name, out T? value));
        Assert.Null(value);
    }

    [Fact]
    public void Two_handles_by_name_reach_one_object_and_unlink_removes_the_name()
    {
        string name = NewName();
        try
        {
            using T created = CreateNew(name, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            Assert.True(TryOpenExisting(name, out T? opened));
            opened!.Dispose();

            Unlink(name);
            Assert.Equal(Errno.ENOENT, Assert.Throws<UnixIpcException>(() => OpenExisting(name)).Error);
            Assert.Equal(Errno.ENOENT, Assert.Throws<UnixIpcException>(() => Unlink(name)).Error);
            Assert.False(TryUnlink(name));

            // The handle made before the unlink still works.
            UseHandle(created);
        }
        finally
        {
            TryUnlink(name);
        }
    }

    [Fact]
    public void CreateOrOpen_racing_threads_all_get_the_one_object()
    {
        string name = NewName();
        try
        {
            var handles = new T[8];
            Parallel.For(0, handles.Length, i => handles[i] = CreateOrOpen(name));
            foreach (T handle in handles)
            {
                UseHandle(handle);
                handle.Dispose();
            }

            Assert.True(TryUnlink(name));
            Assert.False(TryUnlink(name));
        }
        finally
        {
            TryUnlink(name);
        }
    }

    [Fact]
    public void The_requested_mode_is_applied_exactly_despite_the_umask()
    {
        string name = NewName();
        try
        {
            // 0666 would become 0644 under the usual umask 022 if the mode were only passed to open.
            UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite;
            using T created = CreateNew(name, mode);
            Assert.Equal(mode, ModeOf(created));
        }
        finally
        {
            TryUnlink(name);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("/")]
    [InlineData("a/b")]
    [InlineData("/a/b")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("nul\0char")]
    public void Bad_names_are_rejected_with_ArgumentException_naming_the_rule(string name)
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => CreateNew(name, UnixFileMode.UserRead));
        Assert.Equal("name", e.ParamName);
    }

    [Fact]
    public void Dispose_twice_is_harmless_and_use_after_dispose_throws_ObjectDisposedException()
    {
        string name = NewName();
        try
        {
            T created = CreateNew(name, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            created.Dispose();
            created.Dispose();
            Assert.Throws<ObjectDisposedException>(() => UseHandle(created));
        }
        finally
        {
            TryUnlink(name);
        }
    }
}

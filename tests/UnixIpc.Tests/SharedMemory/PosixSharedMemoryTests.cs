namespace UnixIpc.Tests;

/// <summary>POSIX shared memory behaviours (CONFORMANCE.md §3) through the library, in one process.</summary>
public sealed class PosixSharedMemoryTests
{
    [Fact]
    [Trait("conformance", "PSHM-02")]
    public void A_new_object_has_size_0_and_grows_to_exactly_the_size_set_with_zero_bytes()
    {
        string name = TestNames.Unique("pshm");
        try
        {
            using var shm = PosixSharedMemory.CreateNew(name, 0);
            Assert.Equal(0, shm.Size);
            shm.SetSize(3333);
            Assert.Equal(3333, shm.Size);
            Assert.Equal(3333, shm.Stat().Size);
            using MappedRegion region = shm.Map();
            Assert.Equal(3333, region.Length);
            using MappedRegionAccess view = region.Acquire();
            Assert.True(view.ReadOnlySpan.IndexOfAnyExcept((byte)0) < 0, "new bytes must read as zero");
        }
        finally
        {
            PosixSharedMemory.TryUnlink(name);
        }
    }

    [Fact]
    [Trait("conformance", "PSHM-02")]
    public void SetSize_refuses_to_shrink_and_keeps_the_data()
    {
        string name = TestNames.Unique("pshm");
        try
        {
            using var shm = PosixSharedMemory.CreateNew(name, 8192);
            using (MappedRegion region = shm.Map())
            {
                region.Write(8000, 7L);
            }

            Assert.Throws<ArgumentOutOfRangeException>(() => shm.SetSize(100));
            Assert.Equal(8192, shm.Size);
            shm.SetSize(16384);
            using MappedRegion grown = shm.Map();
            Assert.Equal(7L, grown.Read<long>(8000));
            Assert.Equal(0L, grown.Read<long>(12000));
        }
        finally
        {
            PosixSharedMemory.TryUnlink(name);
        }
    }

    [Fact]
    [Trait("conformance", "PSHM-05")]
    public void O_TRUNC_on_an_existing_object_cuts_it_to_0_and_keeps_mode_and_owner()
    {
        // The library has no truncate-on-open (size only grows); this pins the kernel behaviour it relies on.
        string name = TestNames.Unique("pshm");
        try
        {
            var mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;
            using var shm = PosixSharedMemory.CreateNew(name, 4096, new PosixSharedMemoryOptions { Mode = mode });
            PosixSharedMemoryStatus before = shm.Stat();
            using (SafeFdHandle fd = Interop.ShmOpen(name, Interop.O_RDWR | Interop.O_TRUNC, 0))
            {
                Assert.False(fd.IsInvalid, Interop.LastErrno.ToString());
            }

            PosixSharedMemoryStatus after = shm.Stat();
            Assert.Equal(0, after.Size);
            Assert.Equal(before.Mode, after.Mode);
            Assert.Equal(before.OwnerUserId, after.OwnerUserId);
            Assert.Equal(before.OwnerGroupId, after.OwnerGroupId);
        }
        finally
        {
            PosixSharedMemory.TryUnlink(name);
        }
    }

    [Fact]
    [Trait("conformance", "PSHM-06")]
    public void A_read_only_handle_maps_read_only_and_refuses_writes_and_resizing()
    {
        string name = TestNames.Unique("pshm");
        try
        {
            using (var writer = PosixSharedMemory.CreateNew(name, 4096))
            using (MappedRegion region = writer.Map())
            {
                region.Write(0, "abc"u8);
            }

            using var reader = PosixSharedMemory.OpenExisting(name, readOnly: true);
            Assert.True(reader.IsReadOnly);
            Assert.Throws<NotSupportedException>(() => reader.SetSize(8192));
            Assert.Throws<NotSupportedException>(() => reader.Map(MapAccess.ReadWrite));

            using MappedRegion ro = reader.Map();
            Assert.Equal(MapAccess.ReadOnly, ro.Access);
            Assert.False(ro.CanWrite);
            var bytes = new byte[3];
            ro.Read(0, bytes);
            Assert.Equal("abc"u8.ToArray(), bytes);
            Assert.Throws<NotSupportedException>(() => ro.Write(0, (byte)1));
            Assert.Throws<NotSupportedException>(() => ro.AtomicAddInt32(0, 1));
            using MappedRegionAccess view = ro.Acquire();
            try
            {
                _ = view.Span;
                Assert.Fail("a writable span of a read-only region was handed out");
            }
            catch (NotSupportedException)
            {
            }
        }
        finally
        {
            PosixSharedMemory.TryUnlink(name);
        }
    }

    [Fact]
    [Trait("conformance", "PSHM-06")]
    public void The_kernel_refuses_ftruncate_and_a_shared_writable_mmap_on_a_read_only_descriptor()
    {
        // What the wrapper's own refusals above stand in for: EINVAL and EACCES from the kernel.
        string name = TestNames.Unique("pshm");
        try
        {
            using var shm = PosixSharedMemory.CreateNew(name, 4096);
            using SafeFdHandle fd = Interop.ShmOpen(name, Interop.O_RDONLY, 0);
            Assert.Equal(-1, Interop.FTruncate(fd, 8192));
            Assert.Equal(Errno.EINVAL, Interop.LastErrno);
            nint address = Interop.MMap(0, 4096, Interop.PROT_READ | Interop.PROT_WRITE, Interop.MAP_SHARED, fd, 0);
            Assert.Equal(Interop.MAP_FAILED, address);
            Assert.Equal(Errno.EACCES, Interop.LastErrno);

            // Through the library's own mmap path the same refusal arrives as a UnixIpcException.
            UnixIpcException e = Assert.Throws<UnixIpcException>(() => MemoryMapper.Map(fd, 4096, 0, -1, MapAccess.ReadWrite, name));
            Assert.Equal(Errno.EACCES, e.Error);
            Assert.Equal("mmap", e.Operation);
        }
        finally
        {
            PosixSharedMemory.TryUnlink(name);
        }
    }

    [Fact]
    [Trait("conformance", "PSHM-07")]
    public void A_new_object_belongs_to_the_effective_user_and_mode_0_does_not_restrict_its_creator()
    {
        string name = TestNames.Unique("pshm");
        try
        {
            using var shm = PosixSharedMemory.CreateNew(name, 4096, new PosixSharedMemoryOptions { Mode = 0 });
            PosixSharedMemoryStatus info = shm.Stat();
            Assert.Equal(0, (int)info.Mode);
            Assert.Equal((int)TestNative.GetEuid(), info.OwnerUserId);
            Assert.Equal((int)TestNative.GetEgid(), info.OwnerGroupId);

            // The descriptor was opened O_RDWR before the mode was applied, so it can still write and grow.
            shm.SetSize(8192);
            using MappedRegion region = shm.Map();
            region.Write(100, 5);
            Assert.Equal(5, region.Read<int>(100));
        }
        finally
        {
            PosixSharedMemory.TryUnlink(name);
        }
    }

    [Fact]
    [Trait("conformance", "PSHM-07")]
    public async Task Without_fchmod_the_kernel_applies_the_umask()
    {
        // Shows why the library applies the mode with fchmod: shm_open alone gives mode & ~umask. In a child
        // process: the umask is process-wide, and parallel tests here create files.
        string name = TestNames.Unique("pshm");
        try
        {
            ProcessRunner.Result child = await ProcessRunner.RunAsync(ProcessRunner.DotnetHost, [Path.Combine(AppContext.BaseDirectory, "UnixIpc.TestChild.dll"), "shm-open-umask", name, "022"]);
            Assert.True(child.ExitCode == 0, child.ToString());
            Assert.Equal("644\n", child.Stdout); // 0666 & ~022
        }
        finally
        {
            PosixSharedMemory.TryUnlink(name);
        }
    }

    [Fact]
    [Trait("conformance", "PSHM-09")]
    public void After_unlink_the_name_makes_a_fresh_empty_object_while_old_mappings_keep_the_old_bytes()
    {
        string name = TestNames.Unique("pshm");
        try
        {
            using var old = PosixSharedMemory.CreateNew(name, 4096);
            using MappedRegion oldRegion = old.Map();
            oldRegion.Write(0, 1234);

            PosixSharedMemory.Unlink(name);
            Assert.False(PosixSharedMemory.TryOpenExisting(name, out _));

            using var fresh = PosixSharedMemory.CreateNew(name, 0);
            Assert.Equal(0, fresh.Size);
            fresh.SetSize(4096);
            using MappedRegion freshRegion = fresh.Map();
            Assert.Equal(0, freshRegion.Read<int>(0));
            Assert.Equal(1234, oldRegion.Read<int>(0));
            oldRegion.Write(0, 99);
            Assert.Equal(0, freshRegion.Read<int>(0));
        }
        finally
        {
            PosixSharedMemory.TryUnlink(name);
        }
    }

    [Fact]
    [Trait("conformance", "PSHM-10")]
    public void Name_rules_match_glibc_255_bytes_pass_256_fail()
    {
        string ok = "/" + TestNames.Prefix + new string('n', 255 - TestNames.Prefix.Length);
        string tooLong = ok + "n";
        try
        {
            using (var shm = PosixSharedMemory.CreateNew(ok, 64))
            {
                Assert.Equal(ok, shm.Name);
            }

            ArgumentException e = Assert.Throws<ArgumentException>(() => PosixSharedMemory.CreateNew(tooLong, 64));
            Assert.Contains("255", e.Message, StringComparison.Ordinal);
            Assert.Throws<ArgumentException>(() => PosixSharedMemory.Unlink(tooLong));

            // glibc agrees: the same names give ENAMETOOLONG and EINVAL when passed straight through.
            using (SafeFdHandle fd = Interop.ShmOpen(tooLong, Interop.O_RDWR | Interop.O_CREAT, 0x180))
            {
                Assert.True(fd.IsInvalid);
                Assert.Equal(Errno.ENAMETOOLONG, Interop.LastErrno);
            }

            Assert.Equal(-1, Interop.ShmUnlink(tooLong));
            Assert.Equal(Errno.ENAMETOOLONG, Interop.LastErrno);
            using (SafeFdHandle fd = Interop.ShmOpen("/a/b", Interop.O_RDWR | Interop.O_CREAT, 0x180))
            {
                Assert.True(fd.IsInvalid);
                Assert.Equal(Errno.EINVAL, Interop.LastErrno);
            }
        }
        finally
        {
            PosixSharedMemory.TryUnlink(ok);
        }
    }

    [Fact]
    [Trait("conformance", "PSHM-10")]
    public void A_name_without_a_slash_is_normalised_to_the_same_object()
    {
        string name = TestNames.Unique("pshm");
        try
        {
            using var created = PosixSharedMemory.CreateNew(name.TrimStart('/'), 64);
            Assert.Equal(name, created.Name);
            using var opened = PosixSharedMemory.OpenExisting(name);
            Assert.Equal(64, opened.Size);
        }
        finally
        {
            PosixSharedMemory.TryUnlink(name);
        }
    }

    [Fact]
    [Trait("conformance", "PSHM-11")]
    public void The_descriptor_is_close_on_exec()
    {
        // "Lowest free descriptor" is not asserted: the runtime's own threads open descriptors concurrently.
        string name = TestNames.Unique("pshm");
        try
        {
            using var shm = PosixSharedMemory.CreateNew(name, 64);
            int flags = TestNative.Fcntl(shm.Handle.Fd, TestNative.F_GETFD, 0);
            Assert.Equal(TestNative.FD_CLOEXEC, flags & TestNative.FD_CLOEXEC);
        }
        finally
        {
            PosixSharedMemory.TryUnlink(name);
        }
    }

    [Fact]
    [Trait("conformance", "PSHM-13")]
    public void A_mapping_keeps_working_after_the_handle_is_disposed()
    {
        string name = TestNames.Unique("pshm");
        try
        {
            MappedRegion region;
            using (var shm = PosixSharedMemory.CreateNew(name, 4096))
            {
                region = shm.Map();
            }

            using (region)
            {
                region.Write(10, 77L);
                using var again = PosixSharedMemory.OpenExisting(name);
                using MappedRegion second = again.Map();
                Assert.Equal(77L, second.Read<long>(10));
            }
        }
        finally
        {
            PosixSharedMemory.TryUnlink(name);
        }
    }

    [Fact]
    [Trait("conformance", "PSHM-14")]
    public void Copy_on_write_mappings_keep_their_writes_private()
    {
        string name = TestNames.Unique("pshm");
        try
        {
            using var shm = PosixSharedMemory.CreateNew(name, 4096);
            using MappedRegion shared = shm.Map();
            using MappedRegion priv = shm.Map(MapAccess.CopyOnWrite);
            shared.Write(0, 1);
            Assert.Equal(1, priv.Read<int>(0)); // not yet copied: sees the object
            priv.Write(0, 2);
            Assert.Equal(1, shared.Read<int>(0));
            Assert.Equal(2, priv.Read<int>(0));
            using var other = PosixSharedMemory.OpenExisting(name);
            using MappedRegion third = other.Map();
            Assert.Equal(1, third.Read<int>(0));
        }
        finally
        {
            PosixSharedMemory.TryUnlink(name);
        }
    }

    [Fact]
    [Trait("conformance", "PSHM-15")]
    public unsafe void Bytes_past_the_end_in_the_last_page_read_as_zero_and_the_region_is_bounded_by_the_size()
    {
        string name = TestNames.Unique("pshm");
        try
        {
            using var shm = PosixSharedMemory.CreateNew(name, 100);
            using MappedRegion region = shm.Map();
            Assert.Equal(100, region.Length);
            region.Write(0, Enumerable.Repeat((byte)0xFF, 100).ToArray());

            // The kernel maps the whole page; past byte 100 it reads zeros (looked at with a raw mapping).
            using (SafeFdHandle fd = Interop.ShmOpen(name, Interop.O_RDONLY, 0))
            {
                nint address = Interop.MMap(0, (nuint)Environment.SystemPageSize, Interop.PROT_READ, Interop.MAP_SHARED, fd, 0);
                Assert.NotEqual(Interop.MAP_FAILED, address);
                try
                {
                    var tail = new ReadOnlySpan<byte>((byte*)address + 100, Environment.SystemPageSize - 100);
                    Assert.True(tail.IndexOfAnyExcept((byte)0) < 0);
                }
                finally
                {
                    Interop.MUnmap(address, (nuint)Environment.SystemPageSize);
                }
            }

            // The managed region stops at the object's size instead of faulting.
            Assert.Throws<ArgumentOutOfRangeException>(() => region.Write(99, 1));
            Assert.Throws<ArgumentOutOfRangeException>(() => region.Read<int>(100));
            Assert.Throws<ArgumentOutOfRangeException>(() => shm.Map(MapAccess.ReadWrite, 0, 2 * Environment.SystemPageSize));
            Assert.Throws<ArgumentOutOfRangeException>(() => shm.Map(MapAccess.ReadWrite, 4096, -1));
        }
        finally
        {
            PosixSharedMemory.TryUnlink(name);
        }
    }

    [Fact]
    public void UnlinkOnDispose_removes_the_name_when_the_creator_disposes()
    {
        string name = TestNames.Unique("pshm");
        try
        {
            var shm = PosixSharedMemory.CreateNew(name, 64, new PosixSharedMemoryOptions { UnlinkOnDispose = true });
            using (var opened = PosixSharedMemory.OpenExisting(name))
            {
                opened.Dispose(); // a non-owner's dispose never unlinks
            }

            Assert.True(PosixSharedMemory.TryOpenExisting(name, out PosixSharedMemory? still));
            still!.Dispose();
            shm.Dispose();
            Assert.False(PosixSharedMemory.TryOpenExisting(name, out _));
        }
        finally
        {
            PosixSharedMemory.TryUnlink(name);
        }
    }

    [Fact]
    public void CreateOrOpen_grows_a_smaller_object_and_never_shrinks_a_larger_one()
    {
        string name = TestNames.Unique("pshm");
        try
        {
            using var first = PosixSharedMemory.CreateOrOpen(name, 100);
            using var second = PosixSharedMemory.CreateOrOpen(name, 5000);
            Assert.Equal(5000, first.Size);
            using var third = PosixSharedMemory.CreateOrOpen(name, 10);
            Assert.Equal(5000, third.Size);
        }
        finally
        {
            PosixSharedMemory.TryUnlink(name);
        }
    }

    [Fact]
    public void SetPermissions_changes_what_it_is_given_and_keeps_the_rest()
    {
        string name = TestNames.Unique("pshm");
        try
        {
            using var shm = PosixSharedMemory.CreateNew(name, 64);
            shm.SetPermissions(UnixFileMode.UserRead | UnixFileMode.GroupRead);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.GroupRead, shm.Mode);
            int uid = (int)TestNative.GetEuid();
            int gid = shm.Stat().OwnerGroupId;
            shm.SetPermissions(ownerUserId: uid);
            PosixSharedMemoryStatus status = shm.Stat();
            Assert.Equal(uid, status.OwnerUserId);
            Assert.Equal(gid, status.OwnerGroupId);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.GroupRead, status.Mode); // a null mode kept it
            shm.SetPermissions();                                                        // nothing given: nothing changes
            Assert.Equal(status, shm.Stat());
            Assert.Throws<ArgumentOutOfRangeException>(() => shm.SetPermissions((UnixFileMode)0x1000));
            Assert.Throws<ArgumentOutOfRangeException>(() => shm.SetPermissions(ownerGroupId: -1));
        }
        finally
        {
            PosixSharedMemory.TryUnlink(name);
        }
    }

    [Fact]
    public void A_failed_create_leaves_nothing_behind()
    {
        string name = TestNames.Unique("pshm");
        // Far beyond any tmpfs: posix_fallocate fails (EFBIG or ENOSPC) and CreateNew must remove the half-made object.
        UnixIpcException e = Assert.Throws<UnixIpcException>(() => PosixSharedMemory.CreateNew(name, long.MaxValue / 2));
        Assert.Contains(e.Error, new[] { Errno.EFBIG, Errno.ENOSPC, Errno.ENOMEM, Errno.EINVAL });
        Assert.False(PosixSharedMemory.TryOpenExisting(name, out _));
    }
}

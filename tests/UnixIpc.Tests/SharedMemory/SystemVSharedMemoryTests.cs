namespace UnixIpc.Tests;

/// <summary>System V shared memory behaviours (CONFORMANCE.md §6) through the library, in one process.</summary>
public sealed class SystemVSharedMemoryTests
{
    private static SystemVSharedMemory NewPrivate(long size = 4096) => SystemVSharedMemory.CreateNew(IpcKey.Private, size);

    [Fact]
    [Trait("conformance", "SVSHM-01")]
    public void A_new_segment_reads_as_zeros_and_two_attachments_share_bytes()
    {
        SystemVSharedMemory segment = NewPrivate(10000);
        try
        {
            using MappedRegion a = segment.Attach();
            using MappedRegion b = segment.Attach();
            using (MappedRegionAccess view = a.Acquire())
            {
                Assert.True(view.ReadOnlySpan.IndexOfAnyExcept((byte)0) < 0);
            }

            a.Write(5000, 0x1122334455667788L);
            Assert.Equal(0x1122334455667788L, b.Read<long>(5000));
        }
        finally
        {
            segment.TryRemove();
        }
    }

    [Fact]
    [Trait("conformance", "SVSHM-02")]
    public void Get_errors_EEXIST_ENOENT_EINVAL()
    {
        string file = TestNames.KeyFile();
        IpcKey key = IpcKey.FromPath(file, 1);
        SystemVSharedMemory? segment = null;
        try
        {
            Assert.Equal(Errno.ENOENT, Assert.Throws<UnixIpcException>(() => SystemVSharedMemory.OpenExisting(key)).Error);
            Assert.False(SystemVSharedMemory.TryOpenExisting(key, out _));

            segment = SystemVSharedMemory.CreateNew(key, 2048);
            UnixIpcException exists = Assert.Throws<UnixIpcException>(() => SystemVSharedMemory.CreateNew(key, 2048));
            Assert.Equal(Errno.EEXIST, exists.Error);
            Assert.Equal("shmget", exists.Operation);
            Assert.Contains(key.ToString(), exists.Message, StringComparison.Ordinal);

            // Asking for more than the existing segment holds.
            Assert.Equal(Errno.EINVAL, Assert.Throws<UnixIpcException>(() => SystemVSharedMemory.OpenExisting(key, 4096)).Error);
            Assert.Equal(Errno.EINVAL, Assert.Throws<UnixIpcException>(() => SystemVSharedMemory.CreateOrOpen(key, 4096)).Error);
            Assert.Equal(segment.Id, SystemVSharedMemory.CreateOrOpen(key, 1024).Id);
            Assert.Equal(segment.Id, SystemVSharedMemory.OpenExisting(key, 2048).Id);
            Assert.True(SystemVSharedMemory.TryOpenExisting(key, out SystemVSharedMemory? found));
            Assert.Equal(segment.Id, found!.Id);

            // Size 0 is below SHMMIN: the library says so before the call, the kernel says EINVAL.
            Assert.Throws<ArgumentOutOfRangeException>(() => SystemVSharedMemory.CreateNew(IpcKey.Private, 0));
            Assert.Equal(-1, Interop.ShmGet(Interop.IPC_PRIVATE, 0, Interop.IPC_CREAT | 0x180));
            Assert.Equal(Errno.EINVAL, Interop.LastErrno);
        }
        finally
        {
            if (segment is not null)
            {
                segment.TryRemove();
            }

            File.Delete(file);
        }
    }

    [Fact]
    [Trait("conformance", "SVSHM-03")]
    public void Stat_reports_the_requested_size_the_creator_and_the_owner()
    {
        // The kernel stamps IPC times from its coarse clock, which can trail ours by a tick across a second boundary.
        DateTimeOffset before = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 1);
        SystemVSharedMemory segment = SystemVSharedMemory.CreateNew(IpcKey.Private, 2048, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        try
        {
            SystemVSharedMemoryStatus s = segment.Stat();
            Assert.Equal(2048, s.Size);
            Assert.Equal(segment.Id, s.Id);
            Assert.True(s.Key.IsPrivate);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, s.Mode);
            Assert.Equal(Environment.ProcessId, s.CreatorProcessId);
            Assert.Equal((int)TestNative.GetEuid(), s.OwnerUserId);
            Assert.Equal((int)TestNative.GetEuid(), s.CreatorUserId);
            Assert.Equal((int)TestNative.GetEgid(), s.CreatorGroupId);
            Assert.InRange(s.ChangeTime, before, DateTimeOffset.UtcNow.AddMinutes(1));
            Assert.Equal(0, s.AttachCount);
            Assert.Null(s.LastAttachTime);
            Assert.Null(s.LastDetachTime);
            Assert.False(s.MarkedForRemoval);

            // The attachment covers whole pages but the region is bounded by the requested size.
            using MappedRegion region = segment.Attach();
            Assert.Equal(2048, region.Length);
        }
        finally
        {
            segment.TryRemove();
        }
    }

    [Fact]
    [Trait("conformance", "SVSHM-04")]
    public void Attach_count_follows_every_attach_and_detach_and_records_pid_and_times()
    {
        SystemVSharedMemory segment = NewPrivate();
        try
        {
            MappedRegion first = segment.Attach();
            MappedRegion second = segment.Attach(readOnly: true);
            SystemVSharedMemoryStatus attached = segment.Stat();
            Assert.Equal(2, attached.AttachCount);
            Assert.Equal(Environment.ProcessId, attached.LastProcessId);
            Assert.NotNull(attached.LastAttachTime);

            second.Dispose();
            Assert.Equal(1, segment.Stat().AttachCount);
            first.Dispose();
            SystemVSharedMemoryStatus detached = segment.Stat();
            Assert.Equal(0, detached.AttachCount);
            Assert.NotNull(detached.LastDetachTime);
        }
        finally
        {
            segment.TryRemove();
        }
    }

    [Fact]
    [Trait("conformance", "SVSHM-05")]
    public void Remove_while_attached_marks_the_segment_and_it_goes_at_the_last_detach()
    {
        string file = TestNames.KeyFile();
        IpcKey key = IpcKey.FromPath(file, 2);
        SystemVSharedMemory segment = SystemVSharedMemory.CreateNew(key, 4096);
        try
        {
            MappedRegion region = segment.Attach();
            region.Write(0, 31337);
            segment.Remove();

            SystemVSharedMemoryStatus marked = segment.Stat();
            Assert.True(marked.MarkedForRemoval);
            Assert.True(marked.Key.IsPrivate, "Linux resets the key of a removed segment");
            Assert.Equal(Errno.ENOENT, Assert.Throws<UnixIpcException>(() => SystemVSharedMemory.OpenExisting(key)).Error);

            // Existing attachments go on working; Linux even allows a new attach by id.
            Assert.Equal(31337, region.Read<int>(0));
            region.Write(4, 1);
            using (MappedRegion late = segment.Attach())
            {
                Assert.Equal(31337, late.Read<int>(0));
            }

            region.Dispose();
            UnixIpcException gone = Assert.Throws<UnixIpcException>(() => segment.Stat());
            Assert.Equal(Errno.EINVAL, gone.Error);
            Assert.Equal(Errno.EINVAL, Assert.Throws<UnixIpcException>(() => SystemVSharedMemory.FromId(segment.Id)).Error);
        }
        finally
        {
            segment.TryRemove();
            File.Delete(file);
        }
    }

    [Fact]
    [Trait("conformance", "SVSHM-06")]
    public void A_read_only_attachment_reads_and_refuses_writes_instead_of_faulting()
    {
        SystemVSharedMemory segment = NewPrivate();
        try
        {
            using (MappedRegion writer = segment.Attach())
            {
                writer.Write(8, 5L);
            }

            using MappedRegion reader = segment.Attach(readOnly: true);
            Assert.Equal(5L, reader.Read<long>(8));
            Assert.False(reader.CanWrite);
            Assert.Throws<NotSupportedException>(() => reader.Write(8, 6L));
            Assert.Throws<NotSupportedException>(() => reader.AtomicCompareExchangeInt64(8, 6, 5));
            Assert.Equal(5L, reader.AtomicReadInt64(8));
        }
        finally
        {
            segment.TryRemove();
        }
    }

    [Fact]
    [Trait("conformance", "SVSHM-07")]
    public void A_detached_region_throws_ObjectDisposedException_on_every_access()
    {
        SystemVSharedMemory segment = NewPrivate();
        try
        {
            MappedRegion region = segment.Attach();
            region.Dispose();
            Assert.True(region.IsDisposed);
            Assert.Throws<ObjectDisposedException>(() => region.Read<int>(0));
            Assert.Throws<ObjectDisposedException>(() => region.Write(0, 1));
            Assert.Throws<ObjectDisposedException>(() => region.Read(0, new byte[4]));
            Assert.Throws<ObjectDisposedException>(() => region.AtomicAddInt32(0, 1));
            Assert.Throws<ObjectDisposedException>(() => region.Acquire());
            Assert.Equal(0, segment.Stat().AttachCount);
        }
        finally
        {
            segment.TryRemove();
        }
    }

    [Fact]
    [Trait("conformance", "SVSHM-08")]
    public void Shmdt_of_an_address_that_is_not_attached_or_not_aligned_fails_with_EINVAL()
    {
        SystemVSharedMemory segment = NewPrivate();
        try
        {
            nint address = Interop.ShmAt(segment.Id, 0, 0);
            Assert.NotEqual(-1, address);
            Assert.Equal(-1, Interop.ShmDt(address + 1));
            Assert.Equal(Errno.EINVAL, Interop.LastErrno);
            Assert.Equal(0, Interop.ShmDt(address));
            Assert.Equal(-1, Interop.ShmDt(address));
            Assert.Equal(Errno.EINVAL, Interop.LastErrno);
        }
        finally
        {
            segment.TryRemove();
        }
    }

    [Fact]
    [Trait("conformance", "SVSHM-09")]
    public void Shmat_rejects_unaligned_addresses_without_SHM_RND_rounds_with_it_and_rejects_bad_ids()
    {
        SystemVSharedMemory segment = NewPrivate();
        try
        {
            // Hold an attachment so the address stays ours while the other calls aim at it.
            nint held = Interop.ShmAt(segment.Id, 0, 0);
            Assert.NotEqual(-1, held);
            Assert.Equal(-1, Interop.ShmAt(segment.Id, held + 100, 0));
            Assert.Equal(Errno.EINVAL, Interop.LastErrno);

            // With SHM_RND the address is rounded down to SHMLBA, which is the page size on x86-64 (on
            // arm64 it is larger, and rounding could land below our attachment, so only x86-64 checks it).
            if (System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.X64)
            {
                const int SHM_REMAP = 0x4000; // replace our own attachment at that address
                nint rounded = Interop.ShmAt(segment.Id, held + 100, Interop.SHM_RND | SHM_REMAP);
                Assert.True(rounded != -1, $"shmat with SHM_RND failed: {Interop.LastErrno}");
                Assert.Equal(held, rounded);
            }

            Assert.Equal(0, Interop.ShmDt(held));
            Assert.Equal(0, segment.Stat().AttachCount);

            segment.Remove();
            UnixIpcException e = Assert.Throws<UnixIpcException>(() => segment.Attach());
            Assert.Equal(Errno.EINVAL, e.Error);
        }
        finally
        {
            segment.TryRemove();
        }
    }

    [Fact]
    [Trait("conformance", "SVSHM-11")]
    public void SetPermissions_shows_in_stat_and_updates_the_change_time()
    {
        SystemVSharedMemory segment = NewPrivate();
        try
        {
            DateTimeOffset created = segment.Stat().ChangeTime;
            segment.SetPermissions(UnixFileMode.UserRead | UnixFileMode.OtherRead, ownerUserId: (int)TestNative.GetEuid());
            SystemVSharedMemoryStatus s = segment.Stat();
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.OtherRead, s.Mode);
            // ctime has one-second resolution: that IPC_SET moved it cannot be seen without waiting a second; what can
            // fail is its decoding (a wrong offset or unit gives a time nowhere near now).
            Assert.InRange(s.ChangeTime, created, DateTimeOffset.UtcNow.AddSeconds(2));
            Assert.InRange(created, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddSeconds(2));
            Assert.Throws<ArgumentOutOfRangeException>(() => segment.SetPermissions(UnixFileMode.SetUser));
        }
        finally
        {
            segment.TryRemove();
        }
    }

    [Fact]
    public void TryRemove_removes_the_segment_once_and_then_answers_false()
    {
        SystemVSharedMemory segment = NewPrivate();
        Assert.True(segment.TryRemove());
        Assert.False(segment.TryRemove());
        Assert.False(SystemVSharedMemory.TryRemove(segment.Id));
        Assert.Equal(Errno.EINVAL, Assert.Throws<UnixIpcException>(() => segment.Remove()).Error);
        Assert.Throws<ArgumentOutOfRangeException>(() => SystemVSharedMemory.TryRemove(-1));
    }

    [Fact]
    [Trait("conformance", "SVSHM-12")]
    public unsafe void Shmctl_with_a_bad_command_or_id_fails_with_EINVAL()
    {
        SystemVSharedMemory segment = NewPrivate();
        try
        {
            Interop.shmid_ds ds;
            Assert.Equal(-1, Interop.ShmCtl(segment.Id, 9999, &ds));
            Assert.Equal(Errno.EINVAL, Interop.LastErrno);
        }
        finally
        {
            segment.TryRemove();
        }

        UnixIpcException e = Assert.Throws<UnixIpcException>(() => SystemVSharedMemory.Remove(segment.Id));
        Assert.Equal(Errno.EINVAL, e.Error);
        Assert.Equal("shmctl", e.Operation);
        Assert.Contains("ipcs", e.Hint, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("conformance", "SVSHM-13")]
    public void Reads_past_the_end_are_clamped_and_writes_past_it_or_at_bad_offsets_are_refused()
    {
        SystemVSharedMemory segment = NewPrivate(100);
        try
        {
            using MappedRegion region = segment.Attach();
            region.Write(96, new byte[] { 1, 2, 3, 4 });
            var buffer = new byte[10];
            Assert.Equal(4, region.Read(96, buffer));
            Assert.Equal(new byte[] { 1, 2, 3, 4 }, buffer[..4]);
            Assert.Equal(0, region.Read(100, buffer));

            Assert.Throws<ArgumentOutOfRangeException>(() => region.Write(97, new byte[4]));
            Assert.Throws<ArgumentOutOfRangeException>(() => region.Write(-1, new byte[1]));
            Assert.Throws<ArgumentOutOfRangeException>(() => region.Read(-1, buffer));
            Assert.Throws<ArgumentOutOfRangeException>(() => region.Read(101, buffer));
            Assert.Throws<ArgumentOutOfRangeException>(() => region.Read<long>(93));
            Assert.Equal(new byte[] { 1, 2, 3, 4 }, buffer[..4]);
        }
        finally
        {
            segment.TryRemove();
        }
    }

    [Fact]
    [Trait("conformance", "SVSHM-14")]
    public void Lock_and_Unlock_show_in_stat()
    {
        SystemVSharedMemory segment = NewPrivate();
        try
        {
            segment.Lock();
            Assert.True(segment.Stat().Locked);
            segment.Unlock();
            Assert.False(segment.Stat().Locked);
        }
        finally
        {
            segment.TryRemove();
        }
    }

    [Fact]
    public void OpenExisting_of_IPC_PRIVATE_is_an_argument_error()
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => SystemVSharedMemory.OpenExisting(IpcKey.Private));
        Assert.Contains("FromId", e.Message, StringComparison.Ordinal);
    }
}

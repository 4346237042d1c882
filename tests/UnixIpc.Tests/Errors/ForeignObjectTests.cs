namespace UnixIpc.Tests;

/// <summary>
/// Anyone may put anything in /dev/shm (it is world-writable): a FIFO or a directory under a name is refused before
/// it is read or mapped, without blocking (a FIFO opened for reading would wait for a writer), and `ls` shows it for
/// what it is (#10).
/// </summary>
public sealed class ForeignObjectTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_FIFO_or_directory_under_a_name_is_refused_at_once_and_listed_as_what_it_is()
    {
        string fifoName = TestNames.Unique("fifo");
        string dirName = TestNames.Unique("dir");
        TestNative.MkFifo("/dev/shm" + fifoName, 0x1A4);
        Directory.CreateDirectory("/dev/shm" + dirName);
        try
        {
            foreach (Func<PosixSharedMemory> open in new Func<PosixSharedMemory>[]
            {
                () => PosixSharedMemory.OpenExisting(fifoName, readOnly: true), // would block in open(O_RDONLY)
                () => PosixSharedMemory.OpenExisting(fifoName),
                () => PosixSharedMemory.CreateOrOpen(fifoName, 4096),
                () => PosixSharedMemory.OpenExisting(dirName, readOnly: true),
                () => PosixSharedMemory.OpenExisting(dirName), // a writable open was EINVAL (glibc's word for EISDIR)
                () => PosixSharedMemory.CreateOrOpen(dirName, 4096),
            })
            {
                var error = await Assert.ThrowsAsync<InvalidDataException>(() => Task.Run(open).WaitAsync(Bound));
                Assert.Contains("is not a shared memory object", error.Message, StringComparison.Ordinal);
            }

            IpcObjectInfo listed = Assert.Single(IpcObjects.List(), o => o.Name == fifoName);
            Assert.Equal("not a shared memory object: a FIFO", listed.Detail);

            CliRunner.Result read = await CliRunner.RunAsync("pshm", "read", fifoName).WaitAsync(Bound);
            Assert.Equal(1, read.ExitCode);
            Assert.Equal($"unixipc: pshm read: /dev/shm{fifoName} is not a shared memory object (a FIFO): not opened.\n", read.Stderr);
        }
        finally
        {
            File.Delete("/dev/shm" + fifoName);
            Directory.Delete("/dev/shm" + dirName);
        }
    }

    [Fact]
    public async Task An_empty_short_or_FIFO_semaphore_file_and_a_FIFO_lock_file_are_refused_without_a_crash_or_a_hang()
    {
        // glibc's sem_open maps the file and touches it: an empty one used to kill the process with SIGBUS.
        string empty = TestNames.Unique("semempty"), shortName = TestNames.Unique("semshort"), fifo = TestNames.Unique("semfifo");
        File.WriteAllBytes("/dev/shm/sem." + empty[1..], []);
        File.WriteAllBytes("/dev/shm/sem." + shortName[1..], new byte[8]);
        TestNative.MkFifo("/dev/shm/sem." + fifo[1..], 0x1A4);
        string lockFifo = Path.Combine(Path.GetTempPath(), $"{TestNames.Prefix}{Environment.ProcessId}_{Guid.NewGuid():N}.lock");
        TestNative.MkFifo(lockFifo, 0x1A4);
        try
        {
            foreach (string name in new[] { empty, shortName, fifo })
            {
                var refused = await Assert.ThrowsAsync<InvalidDataException>(() => Task.Run(() => PosixSemaphore.OpenExisting(name)).WaitAsync(Bound));
                Assert.Contains("is not a named semaphore", refused.Message, StringComparison.Ordinal);
                await Assert.ThrowsAsync<InvalidDataException>(() => Task.Run(() => PosixSemaphore.CreateOrOpen(name, 1)).WaitAsync(Bound));
            }

            CliRunner.Result value = await CliRunner.RunAsync("psem", "value", empty).WaitAsync(Bound);
            Assert.Equal(1, value.ExitCode); // one line, not a signal

            var notALockFile = await Assert.ThrowsAsync<InvalidDataException>(() => Task.Run(() => FileLock.Open(lockFifo)).WaitAsync(Bound)); // opening a FIFO blocked for ever
            Assert.Contains("is not a regular file or directory", notALockFile.Message, StringComparison.Ordinal);
            var notMappable = await Assert.ThrowsAsync<InvalidDataException>(() => Task.Run(() => MappedFile.Map(lockFifo, MapAccess.ReadOnly)).WaitAsync(Bound));
            Assert.Contains("cannot be mapped", notMappable.Message, StringComparison.Ordinal);
        }
        finally
        {
            foreach (string name in new[] { empty, shortName, fifo })
            {
                File.Delete("/dev/shm/sem." + name[1..]);
            }

            File.Delete(lockFifo);
        }
    }

    [Fact]
    public async Task A_semaphore_file_sem_open_did_not_write_is_refused_before_use_and_left_unchanged()
    {
        // Random bytes in /dev/shm/sem.NAME made sem_post issue a futex call the kernel refused, and glibc aborted the
        // process ("The futex facility returned an unexpected error code", exit 134); zeros were posted to.
        byte[] random = new byte[32];
        Random.Shared.NextBytes(random);
        random[8] = 0xAB; // its futex mode field: not sem_open's 128
        byte[] tooLarge = new byte[32];
        BitConverter.TryWriteBytes(tooLarge.AsSpan(0), uint.MaxValue); // a value above SEM_VALUE_MAX
        tooLarge[8] = 128;
        var files = new Dictionary<string, byte[]>
        {
            [TestNames.Unique("semzeros")] = new byte[32],
            [TestNames.Unique("semrandom")] = random,
            [TestNames.Unique("semvalue")] = tooLarge,
        };
        try
        {
            foreach ((string name, byte[] bytes) in files)
            {
                File.WriteAllBytes("/dev/shm/sem." + name[1..], bytes);
                await Assert.ThrowsAsync<InvalidDataException>(() => Task.Run(() => PosixSemaphore.OpenExisting(name)).WaitAsync(Bound));
                await Assert.ThrowsAsync<InvalidDataException>(() => Task.Run(() => PosixSemaphore.CreateOrOpen(name, 1)).WaitAsync(Bound));
                Assert.Contains("is not a named semaphore", Assert.Throws<InvalidDataException>(() => PosixSemaphore.ReadValue(name)).Message, StringComparison.Ordinal);

                ProcessRunner.Result post = await ProcessRunner.RunAsync(ProcessRunner.DotnetHost, ["exec", Path.Combine(AppContext.BaseDirectory, "unixipc.dll"), "psem", "post", name]);
                Assert.True(post.ExitCode == 1 && post.Stderr.StartsWith($"unixipc: psem post: /dev/shm/sem.{name[1..]} is not a named semaphore", StringComparison.Ordinal), post.ToString());
                Assert.Equal(bytes, File.ReadAllBytes("/dev/shm/sem." + name[1..]));
            }
        }
        finally
        {
            foreach (string name in files.Keys)
            {
                File.Delete("/dev/shm/sem." + name[1..]);
            }
        }
    }
}

namespace UnixIpc.Tests;

/// <summary>
/// Anyone may put anything in /dev/shm (it is world-writable): a FIFO or a directory under a name is refused before
/// it is read or mapped, without blocking (a FIFO opened for reading would wait for a writer), and `ls` shows it for
/// what it is (#10).
/// </summary>
public sealed class ForeignShmEntryTests
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
}

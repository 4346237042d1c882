using System.Globalization;

namespace UnixIpc.Tests;

/// <summary>
/// How shm, msg and sem get read KEY (#10): key 0 is IPC_PRIVATE and is refused with a pointer to --private (it made a
/// new object on every call), a decimal key above 2^31 is the same key as its hex, and what a get creates but cannot
/// print the id of is removed again (nobody could find it).
/// </summary>
[Collection(CrossProcessCollection.Name)]
public sealed class SystemVGetCommandTests
{
    [Theory]
    [InlineData("shm", "0", "--size", "4096")]
    [InlineData("shm", "0x0", "--size", "4096", "--create")]
    [InlineData("msg", "00")]
    [InlineData("msg", "0x00000000", "--create")]
    [InlineData("sem", "0", "--count", "1", "--create")]
    public async Task Key_0_is_refused_with_a_pointer_to_private(params string[] args)
    {
        CliRunner.Result result = await CliRunner.RunAsync([args[0], "get", .. args[1..]]);
        Assert.True(result.ExitCode == 2 && result.Stdout.Length == 0, result.ToString()); // it printed a new id every time
        Assert.Equal($"unixipc: {args[0]} get: KEY 0 is IPC_PRIVATE, which never finds an existing object: give --private to create a new one (reachable by its id).\n", result.Stderr);
    }

    [Fact]
    public async Task A_decimal_key_above_2_to_the_31_finds_the_same_object_as_its_hex()
    {
        var key = new IpcKey(unchecked((int)(0x80000000u | (uint)Random.Shared.Next(1, 0x00FFFFFF))));
        SystemVMessageQueue queue = SystemVMessageQueue.CreateNew(key);
        try
        {
            string id = queue.Id.ToString(CultureInfo.InvariantCulture);
            string decimalKey = ((uint)key.Value).ToString(CultureInfo.InvariantCulture);
            CliRunner.Result byDecimal = await CliRunner.RunAsync("msg", "get", decimalKey);
            Assert.Equal((0, id + "\n"), (byDecimal.ExitCode, byDecimal.Stdout)); // was "is not a System V key"
            CliRunner.Result byHex = await CliRunner.RunAsync("msg", "get", key.ToString());
            Assert.Equal((0, id + "\n"), (byHex.ExitCode, byHex.Stdout));
        }
        finally
        {
            queue.TryRemove();
        }
    }

    [Fact]
    public async Task What_a_get_or_psem_create_made_for_a_standard_output_that_fails_is_removed_but_existing_objects_are_kept()
    {
        int seed = Random.Shared.Next(0x100000, 0x7FFFFF);
        IpcKey shmKey = new(0x5A000000 | seed), msgKey = new(0x5B000000 | seed), semKey = new(0x5C000000 | seed), keptKey = new(0x5D000000 | seed);
        string psem = TestNames.Unique("clipsem");
        SystemVSharedMemory.CreateNew(keptKey, 4096);
        try
        {
            foreach ((string command, string redirection) in new[]
            {
                ($"shm get {shmKey} --create --size 4096", ">&-"),
                ($"msg get {msgKey} --create", "> /dev/full"),
                ($"sem get {semKey} --create --count 1", ">&-"),
                ($"psem create {psem}", "> /dev/full"),
                ($"shm get {keptKey} --create --size 4096", "> /dev/full"),
            })
            {
                ProcessRunner.Result result = await ProcessRunner.RunAsync("/bin/bash", ["-c", $"{Cli} {command} {redirection}"]);
                Assert.True(result.ExitCode == 1 && result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length == 1, result.ToString());
            }

            Assert.False(SystemVSharedMemory.TryOpenExisting(shmKey, out _), "the segment was left behind although get reported a failure");
            Assert.False(SystemVMessageQueue.TryOpenExisting(msgKey, out _), "the queue was left behind");
            Assert.False(SystemVSemaphoreSet.TryOpenExisting(semKey, out _), "the set was left behind");
            Assert.False(File.Exists("/dev/shm/sem." + psem[1..]), "the semaphore was left behind");
            Assert.True(SystemVSharedMemory.TryOpenExisting(keptKey, out _), "a segment this run did not create was removed");
        }
        finally
        {
            foreach (IpcKey key in new[] { shmKey, keptKey })
            {
                if (SystemVSharedMemory.TryOpenExisting(key, out SystemVSharedMemory? segment))
                {
                    segment.TryRemove();
                }
            }

            if (SystemVMessageQueue.TryOpenExisting(msgKey, out SystemVMessageQueue? queue))
            {
                queue.TryRemove();
            }

            if (SystemVSemaphoreSet.TryOpenExisting(semKey, out SystemVSemaphoreSet? set))
            {
                set.TryRemove();
            }

            PosixSemaphore.TryUnlink(psem);
        }
    }

    private static string Cli => $"'{ProcessRunner.DotnetHost}' '{Path.Combine(AppContext.BaseDirectory, "unixipc.dll")}'";
}

namespace UnixIpc.Tests;

/// <summary>
/// The reactor on its own (src/UnixIpc/Async/EpollReactor.cs), through a pipe whose far end another process writes:
/// the mechanisms' async tests use it only through their own calls, so its rules are pinned here — a wake-up reaches
/// every waiter while the descriptor stays ready, reading and writing waiters are separate, cancelling one leaves the
/// others, and forgetting a descriptor ends its waits with false.
/// </summary>
public sealed class EpollReactorTests
{
    [Fact]
    public async Task A_write_from_another_process_wakes_every_reader_waiting_on_the_descriptor()
    {
        using Pipe pipe = Pipe.Create();
        int fd = (int)pipe.Reader.SafeFileHandle.DangerousGetHandle();
        Task<bool>[] waiters = [.. Enumerable.Range(0, 100).Select(_ => EpollReactor.Shared.WaitAsync(fd, Readiness.Read, CancellationToken.None))];
        Assert.All(waiters, w => Assert.False(w.IsCompleted)); // an empty pipe: nobody is woken

        var options = new ChildProcessOptions("/bin/sh", "-c", "printf x >&3");
        options.Descriptors[3] = ChildDescriptor.From(pipe.Writer);
        using (ChildProcess child = ChildProcess.Start(options))
        {
            Assert.Equal(0, (await child.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30))).ExitCode);
        }

        // One byte, never read: level-triggered readiness re-arms after each wake, so all hundred see it.
        bool[] woken = await Task.WhenAll(waiters).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.All(woken, Assert.True);
        Assert.Equal(1, pipe.Reader.BytesAvailable);
    }

    [Fact]
    public async Task Readers_and_writers_of_one_descriptor_are_woken_separately()
    {
        using Pipe pipe = Pipe.Create(new PipeCreationOptions { NonBlocking = true });
        int writeFd = (int)pipe.Writer.SafeFileHandle.DangerousGetHandle();
        int readFd = (int)pipe.Reader.SafeFileHandle.DangerousGetHandle();
        byte[] chunk = new byte[4096];
        while (pipe.Writer.TryWrite(chunk, out _))
        {
        }

        Task<bool> writer = EpollReactor.Shared.WaitAsync(writeFd, Readiness.Write, CancellationToken.None);
        Task<bool> reader = EpollReactor.Shared.WaitAsync(readFd, Readiness.Read, CancellationToken.None);
        Assert.True(await reader.WaitAsync(TimeSpan.FromSeconds(30))); // full: readable at once
        Assert.False(writer.IsCompleted); // …but not writable

        var drain = new byte[65536];
        while (pipe.Reader.TryRead(drain, out int n) && n > 0)
        {
        }

        Assert.True(await writer.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Cancelling_one_waiter_leaves_the_others_waiting()
    {
        using Pipe pipe = Pipe.Create();
        int fd = (int)pipe.Reader.SafeFileHandle.DangerousGetHandle();
        using var cancel = new CancellationTokenSource();
        Task<bool> cancelled = EpollReactor.Shared.WaitAsync(fd, Readiness.Read, cancel.Token);
        Task<bool> kept = EpollReactor.Shared.WaitAsync(fd, Readiness.Read, CancellationToken.None);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.False(kept.IsCompleted);

        pipe.Writer.Write("y"u8);
        Assert.True(await kept.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Forgetting_a_descriptor_ends_its_waits_with_false_and_a_new_wait_registers_again()
    {
        using Pipe pipe = Pipe.Create();
        int fd = (int)pipe.Reader.SafeFileHandle.DangerousGetHandle();
        Task<bool> read = EpollReactor.Shared.WaitAsync(fd, Readiness.Read, CancellationToken.None);
        EpollReactor.Shared.Forget(fd);
        Assert.False(await read.WaitAsync(TimeSpan.FromSeconds(30)));

        Task<bool> again = EpollReactor.Shared.WaitAsync(fd, Readiness.Read, CancellationToken.None);
        pipe.Writer.Write("z"u8);
        Assert.True(await again.WaitAsync(TimeSpan.FromSeconds(30)));
        EpollReactor.Shared.Forget(fd);
    }
}

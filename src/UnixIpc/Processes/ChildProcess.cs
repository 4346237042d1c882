namespace UnixIpc;

/// <summary>
/// A program started with posix_spawn and an explicit descriptor map (see <see cref="ChildProcessOptions"/>), watched
/// through a pidfd. Its exit is awaited on the reactor (no thread per child), it is reaped as soon as it exits whether
/// or not anyone waits, and signals go through the pidfd, so they can never reach a process that reused the pid.
/// </summary>
/// <remarks>
/// Disposing closes this process's ends of the child's pipes and the pidfd once the child is reaped; it does not
/// kill the child. The .NET runtime does not reap children it did not start, so this type does.
/// </remarks>
public sealed partial class ChildProcess : IDisposable
{
    private readonly SafeFdHandle _pidfd;
    private readonly TaskCompletionSource<ChildExitStatus> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Dictionary<int, PipeEndStream> _pipes;
    private int _disposed;

    private ChildProcess(int processId, SafeFdHandle pidfd, Dictionary<int, PipeEndStream> pipes, string description)
    {
        ProcessId = processId;
        _pidfd = pidfd;
        _pipes = pipes;
        Description = description;
    }

    /// <summary>The child's pid (for display and /proc; signal it through <see cref="Signal(int)"/>, not by pid).</summary>
    public int ProcessId { get; }

    /// <summary>The program and arguments, for messages.</summary>
    public string Description { get; }

    /// <summary>Completes when the child has exited and been reaped.</summary>
    public Task<ChildExitStatus> Exited => _exited.Task;

    /// <summary>Whether the child has exited and been reaped.</summary>
    public bool HasExited => _exited.Task.IsCompleted;

    /// <summary>Our end of the child's descriptor 0, when it was mapped to <see cref="ChildDescriptor.Pipe"/>; dispose it to give the child end of stream.</summary>
    public PipeEndStream? StandardInput => _pipes.GetValueOrDefault(0);

    /// <summary>Our end of the child's descriptor 1, when it was mapped to <see cref="ChildDescriptor.Pipe"/>.</summary>
    public PipeEndStream? StandardOutput => _pipes.GetValueOrDefault(1);

    /// <summary>Our end of the child's descriptor 2, when it was mapped to <see cref="ChildDescriptor.Pipe"/>.</summary>
    public PipeEndStream? StandardError => _pipes.GetValueOrDefault(2);

    /// <summary>Our end of the pipe bound to the child's descriptor <paramref name="childDescriptor"/>, if it was mapped to <see cref="ChildDescriptor.Pipe"/>.</summary>
    public PipeEndStream? GetPipe(int childDescriptor) => _pipes.GetValueOrDefault(childDescriptor);

    /// <summary>Starts <paramref name="program"/> with <paramref name="arguments"/>, its standard streams shared with this process.</summary>
    public static ChildProcess Start(string program, params IEnumerable<string> arguments) => Start(new ChildProcessOptions(program, arguments));

    /// <summary>Starts a child as <paramref name="options"/> say.</summary>
    /// <exception cref="UnixIpcException">ENOENT or EACCES (from posix_spawn, in this process) when the program is missing or not executable.</exception>
    public static ChildProcess Start(ChildProcessOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Spawn(options);
    }

    /// <summary>Awaits the child's exit without holding a thread.</summary>
    public Task<ChildExitStatus> WaitForExitAsync(CancellationToken cancellationToken = default) => _exited.Task.WaitAsync(cancellationToken);

    /// <summary>Blocks until the child exits.</summary>
    public ChildExitStatus WaitForExit(CancellationToken cancellationToken = default) => _exited.Task.WaitAsync(cancellationToken).GetAwaiter().GetResult();

    /// <summary>Waits up to <paramref name="timeout"/> for the child to exit; <see langword="false"/> if it is still running.</summary>
    public bool TryWaitForExit(TimeSpan timeout, out ChildExitStatus status)
    {
        Timeouts.Validate(timeout);
        if (_exited.Task.Wait(timeout))
        {
            status = _exited.Task.Result;
            return true;
        }

        status = default;
        return false;
    }

    /// <summary>Sends <paramref name="signal"/> through the pidfd.</summary>
    /// <exception cref="UnixIpcException">ESRCH once the child has been reaped.</exception>
    public void Signal(int signal)
    {
        if (!TrySignal(signal))
        {
            throw new UnixIpcException(Errno.ESRCH, "pidfd_send_signal", Description, $"pidfd of {ProcessId}, {(signal == 0 ? "0" : new UnixSignal(signal).Name)}",
                $"Child {ProcessId} has exited and been reaped ({_exited.Task.Result}); its pid may belong to another process by now, which is why the signal went nowhere.");
        }
    }

    /// <summary>Sends <paramref name="signal"/> through the pidfd; <see langword="false"/> once the child has been reaped (ESRCH).</summary>
    public bool TrySignal(int signal)
    {
        if (signal is < 0 or > UnixSignal.MaxNumber)
        {
            throw new ArgumentOutOfRangeException(nameof(signal), signal, $"Linux signals are 1 to {UnixSignal.MaxNumber} (0 only checks that the process exists).");
        }

        ObjectDisposedException.ThrowIf(_pidfd.IsClosed, this);
        if (Interop.PidfdSendSignal(_pidfd, signal) == 0)
        {
            return true;
        }

        Errno error = Interop.LastErrno;
        return error == Errno.ESRCH ? false : throw Interop.Fail(error, "pidfd_send_signal", Description, $"pidfd of {ProcessId}, {(signal == 0 ? "0" : new UnixSignal(signal).Name)}");
    }

    /// <summary>Sends <paramref name="signal"/> through the pidfd (see <see cref="Signal(int)"/>).</summary>
    public void Signal(UnixSignal signal) => Signal(signal.Number);

    /// <summary>Sends SIGKILL, unless the child has already been reaped.</summary>
    public void Kill() => TrySignal(9);

    /// <summary>Closes our pipe ends; the pidfd is closed once the child is reaped. Does not kill the child.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (PipeEndStream end in _pipes.Values)
        {
            end.Dispose();
        }

        _pidfd.Dispose(); // the reaper holds a reference until the child is reaped
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Description} (pid {ProcessId})";
}

namespace UnixIpc;

/// <summary>How a child process ended: an exit code, or the signal that killed it (never a made-up code such as 137).</summary>
public readonly record struct ChildExitStatus
{
    private ChildExitStatus(int? exitCode, int? signal, bool coreDumped)
    {
        ExitCode = exitCode;
        Signal = signal;
        CoreDumped = coreDumped;
    }

    /// <summary>The code passed to exit (0 to 255); <see langword="null"/> if a signal ended the process.</summary>
    public int? ExitCode { get; }

    /// <summary>The signal that ended the process; <see langword="null"/> if it exited.</summary>
    public int? Signal { get; }

    /// <summary>Whether the signal made a core dump.</summary>
    public bool CoreDumped { get; }

    /// <summary>Exited with code 0.</summary>
    public bool Success => ExitCode == 0;

    /// <summary>What a shell would show as <c>$?</c>: the exit code, or 128 + the signal.</summary>
    public int ShellStatus => ExitCode ?? (128 + Signal!.Value);

    /// <summary>A normal exit.</summary>
    public static ChildExitStatus Exited(int code) => new(code, null, false);

    /// <summary>Death by a signal.</summary>
    public static ChildExitStatus Killed(int signal, bool coreDumped = false) => new(null, signal, coreDumped);

    /// <inheritdoc/>
    public override string ToString() => ExitCode is int code
        ? $"exited with {code}"
        : $"killed by signal {Signal} ({new UnixSignal(Signal!.Value).Name}){(CoreDumped ? ", core dumped" : string.Empty)}";
}

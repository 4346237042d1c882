namespace UnixIpc;

/// <summary>Why a signal was sent (si_code).</summary>
public enum SignalCode
{
    /// <summary>Not known: the signal was received through the runtime's handler, which does not say (see <see cref="SignalListener.KnowsSender"/>).</summary>
    Unknown,

    /// <summary>kill(2) by a process (SI_USER).</summary>
    User,

    /// <summary>sigqueue(3) by a process, with a value (SI_QUEUE).</summary>
    Queue,

    /// <summary>tkill/tgkill by a process, to one thread (SI_TKILL).</summary>
    Thread,

    /// <summary>Sent by the kernel (SI_KERNEL).</summary>
    Kernel,

    /// <summary>SIGCHLD: a child exited (CLD_EXITED).</summary>
    ChildExited,

    /// <summary>SIGCHLD: a child was killed by a signal (CLD_KILLED).</summary>
    ChildKilled,

    /// <summary>SIGCHLD: a child was killed and dumped core (CLD_DUMPED).</summary>
    ChildDumped,

    /// <summary>SIGCHLD: a child stopped or continued, or was trapped (CLD_STOPPED, CLD_CONTINUED, CLD_TRAPPED).</summary>
    ChildChanged,

    /// <summary>Another si_code (timers, asynchronous I/O, faults).</summary>
    Other,
}

/// <summary>
/// One signal as a <see cref="SignalListener"/> received it. Sender, value and child fields are set only when the
/// kernel reported them (the signalfd path); never made up.
/// </summary>
public sealed record SignalInfo
{
    /// <summary>The signal.</summary>
    public required UnixSignal Signal { get; init; }

    /// <summary>Why it was sent.</summary>
    public SignalCode Code { get; init; }

    /// <summary>The raw si_code, when known.</summary>
    public int? RawCode { get; init; }

    /// <summary>The sending process (ssi_pid), when known and sent by a process.</summary>
    public int? SenderProcessId { get; init; }

    /// <summary>The sender's real user id (ssi_uid), when known.</summary>
    public int? SenderUserId { get; init; }

    /// <summary>The integer sigqueue sent (ssi_int), for <see cref="SignalCode.Queue"/>.</summary>
    public int? Value { get; init; }

    /// <summary>For SIGCHLD: the child's exit status, when known.</summary>
    public ChildExitStatus? ChildStatus { get; init; }
}

using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace UnixIpc;

/// <summary>
/// A Linux signal number (1 to 64), with its name (<c>SIGUSR1</c>, <c>SIGRTMIN+3</c>), and the calls that send one:
/// <see cref="Send"/> (kill), <see cref="Queue"/> (sigqueue, with an integer value) and, for a child of ours,
/// <see cref="ChildProcess.Signal(UnixSignal)"/> (pidfd_send_signal, never a recycled pid).
/// </summary>
/// <remarks>
/// Standard signals (1–31) are not queued: sent again while one is pending, they merge into one delivery.
/// Real-time signals (<see cref="RealTimeMin"/> and up) queue, in order, each with its own value.
/// </remarks>
public readonly struct UnixSignal : IEquatable<UnixSignal>
{
    private static readonly string[] s_names =
    [
        "", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1",
        "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP",
        "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS",
    ];

    /// <summary>The highest signal number on Linux (SIGRTMAX).</summary>
    public const int MaxNumber = 64;

    /// <summary>Wraps a signal number.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not 1 to 64.</exception>
    public UnixSignal(int number)
    {
        if (number is < 1 or > MaxNumber)
        {
            throw new ArgumentOutOfRangeException(nameof(number), number, $"Linux signals are numbered 1 to {MaxNumber}.");
        }

        Number = number;
    }

    /// <summary>SIGHUP (1).</summary>
    public static UnixSignal Hangup => new(1);

    /// <summary>SIGINT (2).</summary>
    public static UnixSignal Interrupt => new(2);

    /// <summary>SIGKILL (9): cannot be caught, blocked or listened for.</summary>
    public static UnixSignal Kill => new(9);

    /// <summary>SIGUSR1 (10).</summary>
    public static UnixSignal User1 => new(10);

    /// <summary>SIGUSR2 (12).</summary>
    public static UnixSignal User2 => new(12);

    /// <summary>SIGPIPE (13).</summary>
    public static UnixSignal Pipe => new(13);

    /// <summary>SIGTERM (15).</summary>
    public static UnixSignal Terminate => new(15);

    /// <summary>SIGCHLD (17).</summary>
    public static UnixSignal Child => new(17);

    /// <summary>SIGSTOP (19): cannot be caught, blocked or listened for.</summary>
    public static UnixSignal Stop => new(19);

    /// <summary>SIGRTMIN as glibc reports it (34: NPTL keeps 32 and 33 for itself).</summary>
    public static UnixSignal RealTimeMin => new(Interop.CurrentSigRtMin());

    /// <summary>SIGRTMAX (64).</summary>
    public static UnixSignal RealTimeMax => new(Interop.CurrentSigRtMax());

    /// <summary>The number (1 to 64).</summary>
    public int Number { get; }

    /// <summary>A real-time signal: queued, in order, each with its value.</summary>
    public bool IsRealTime => Number >= 32;

    /// <summary><c>SIGUSR1</c>, <c>SIGRTMIN+3</c>; 32 and 33 (glibc's own) are <c>SIG32</c>, <c>SIG33</c>.</summary>
    public string Name
    {
        get
        {
            int min = Interop.CurrentSigRtMin();
            return Number switch
            {
                < 32 => s_names[Number],
                _ when Number < min => string.Create(CultureInfo.InvariantCulture, $"SIG{Number}"),
                _ when Number == min => "SIGRTMIN",
                _ when Number == MaxNumber => "SIGRTMAX",
                _ => string.Create(CultureInfo.InvariantCulture, $"SIGRTMIN+{Number - min}"),
            };
        }
    }

    /// <summary>SIGRTMIN+<paramref name="offset"/>.</summary>
    public static UnixSignal RealTime(int offset)
    {
        int number = Interop.CurrentSigRtMin() + offset;
        return offset < 0 || number > MaxNumber
            ? throw new ArgumentOutOfRangeException(nameof(offset), offset, $"Real-time signals run from SIGRTMIN+0 to SIGRTMIN+{MaxNumber - Interop.CurrentSigRtMin()}.")
            : new UnixSignal(number);
    }

    /// <summary>Reads <c>USR1</c>, <c>SIGUSR1</c>, <c>sigusr1</c>, <c>10</c>, <c>RTMIN+3</c>, <c>SIGRTMAX-1</c>.</summary>
    /// <exception cref="FormatException">Not a signal name or a number from 1 to 64; the message says what is.</exception>
    public static UnixSignal Parse(string text)
        => TryParse(text, out UnixSignal signal) ? signal : throw new FormatException($"'{text}' is not a signal: give a name (USR1, SIGUSR1, RTMIN+3) or a number from 1 to {MaxNumber}.");

    /// <summary>As <see cref="Parse"/>, without throwing.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out UnixSignal signal)
    {
        signal = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        string name = text.Trim().ToUpperInvariant();
        if (int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out int number))
        {
            if (number is < 1 or > MaxNumber)
            {
                return false;
            }

            signal = new UnixSignal(number);
            return true;
        }

        if (!name.StartsWith("SIG", StringComparison.Ordinal))
        {
            name = "SIG" + name;
        }

        int index = Array.IndexOf(s_names, name);
        if (index > 0)
        {
            signal = new UnixSignal(index);
            return true;
        }

        int min = Interop.CurrentSigRtMin();
        foreach ((string prefix, int baseNumber, int sign) in new[] { ("SIGRTMIN", min, 1), ("SIGRTMAX", MaxNumber, -1) })
        {
            if (!name.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            string rest = name[prefix.Length..];
            int offset = 0;
            if (rest.Length > 0 && (rest[0] != (sign > 0 ? '+' : '-') || !int.TryParse(rest.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out offset)))
            {
                return false;
            }

            number = baseNumber + (sign * offset);
            if (number < min || number > MaxNumber)
            {
                return false;
            }

            signal = new UnixSignal(number);
            return true;
        }

        return false;
    }

    /// <summary>Sends this signal to process <paramref name="processId"/> (kill).</summary>
    /// <exception cref="UnixIpcException">ESRCH when no such process exists; EPERM when this user may not signal it.</exception>
    public void Send(int processId)
    {
        CheckTarget(processId);
        if (Interop.Kill(processId, Number) == -1)
        {
            throw Failure(Interop.LastErrno, "kill", processId, $"{processId}, {Name}");
        }
    }

    /// <summary>Sends this signal with an integer <paramref name="value"/> (sigqueue): the receiver sees the value and the code SI_QUEUE.</summary>
    /// <exception cref="UnixIpcException">ESRCH, EPERM; EAGAIN when the receiver's queue of real-time signals is full (RLIMIT_SIGPENDING).</exception>
    public void Queue(int processId, int value)
    {
        CheckTarget(processId);
        if (Interop.SigQueue(processId, Number, value) == -1)
        {
            throw Failure(Interop.LastErrno, "sigqueue", processId, $"{processId}, {Name}, {{ .sival_int = {value} }}");
        }
    }

    /// <summary>Whether process <paramref name="processId"/> exists (kill with signal 0: nothing is sent). A process of another user counts.</summary>
    public static bool ProcessExists(int processId)
    {
        CheckTarget(processId);
        return Interop.Kill(processId, 0) == 0 || Interop.LastErrno == Errno.EPERM;
    }

    /// <inheritdoc/>
    public bool Equals(UnixSignal other) => Number == other.Number;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is UnixSignal other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => Number;

    /// <inheritdoc/>
    public override string ToString() => Number == 0 ? "(none)" : Name;

    /// <summary>Equality of numbers.</summary>
    public static bool operator ==(UnixSignal left, UnixSignal right) => left.Equals(right);

    /// <summary>Inequality of numbers.</summary>
    public static bool operator !=(UnixSignal left, UnixSignal right) => !left.Equals(right);

    // A pid of 0 or below addresses a process group or every process (kill(2)): not what "a pid" means here.
    private static void CheckTarget(int processId)
    {
        if (processId <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(processId), processId, "A process id is 1 or more (0 and negative numbers would signal process groups, -1 every process).");
        }
    }

    private static UnixIpcException Failure(Errno error, string operation, int processId, string arguments) => new(error, operation, processId.ToString(CultureInfo.InvariantCulture), arguments, error switch
    {
        Errno.ESRCH => $"No process {processId} exists (it may have exited).",
        Errno.EPERM => $"This user may not signal process {processId} (it belongs to another user; CAP_KILL lifts this).",
        Errno.EAGAIN => "The receiver already has as many queued real-time signals as RLIMIT_SIGPENDING allows (ulimit -i).",
        _ => null,
    });
}

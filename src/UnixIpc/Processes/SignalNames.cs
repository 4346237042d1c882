namespace UnixIpc;

/// <summary>Linux signal names (the same numbers on x86-64 and arm64).</summary>
internal static class SignalNames
{
    private static readonly string[] s_names =
    [
        "0", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1",
        "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP",
        "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS",
    ];

    /// <summary>The highest signal number (SIGRTMAX).</summary>
    public const int Max = 64;

    public static string Name(int signal) => signal switch
    {
        > 0 and < 32 => s_names[signal],
        >= 32 and <= Max => $"SIGRT{signal}",
        _ => signal.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}

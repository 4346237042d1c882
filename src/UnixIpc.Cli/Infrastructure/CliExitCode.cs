namespace UnixIpc.Cli;

/// <summary>The exit codes every command uses (docs/cli.md).</summary>
internal static class CliExitCode
{
    public const int Success = 0;

    /// <summary>The kernel call failed; stderr has one line naming the errno.</summary>
    public const int Failed = 1;

    /// <summary>Bad command line or argument (a rule was broken before any call was made).</summary>
    public const int Usage = 2;

    /// <summary>Timed out or would block (EAGAIN, ETIMEDOUT, ENOMSG, and ENXIO from a non-blocking FIFO open with no reader); the errno is still printed.</summary>
    public const int WouldBlock = 3;
}

namespace UnixIpc.Cli;

/// <summary>A command-line mistake found by a command itself (exit code 2).</summary>
internal sealed class UsageException : Exception
{
    public UsageException(string message) : base(message)
    {
    }

    public UsageException()
    {
    }

    public UsageException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

using System.CommandLine;

namespace UnixIpc.Cli;

/// <summary>The waiting options every blocking verb shares: <c>--timeout MS</c> or a don't-wait flag (named as the verb names it).</summary>
internal static class WaitOptions
{
    /// <summary>How long to wait: null without limit, zero for the don't-wait flag; a usage error for both, or a negative time-out.</summary>
    public static TimeSpan? Resolve(ParseResult parse, Option<long> timeout, Option<bool> nonblock)
    {
        long ms = parse.GetValue(timeout);
        bool isNonBlocking = parse.GetValue(nonblock);
        if (isNonBlocking && parse.GetResult(timeout) is { Implicit: false })
        {
            throw new UsageException($"give --timeout or {nonblock.Name}, not both.");
        }

        if (ms < -1 || ms > int.MaxValue)
        {
            throw new UsageException($"--timeout must be 0 to {int.MaxValue} milliseconds (about 24.8 days).");
        }

        return isNonBlocking ? TimeSpan.Zero : ms >= 0 ? TimeSpan.FromMilliseconds(ms) : null;
    }}

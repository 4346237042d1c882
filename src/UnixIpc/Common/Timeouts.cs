using System.Diagnostics;

namespace UnixIpc;

/// <summary>
/// One rule for every time-out in the library: zero or more, or <see cref="Timeout.InfiniteTimeSpan"/> (wait
/// without limit); anything else is an <see cref="ArgumentOutOfRangeException"/> before any system call. A wait
/// keeps one deadline on the monotonic clock (a Stopwatch timestamp), so a call interrupted by a signal (EINTR)
/// goes on towards the same moment. A time-out too large to add to the clock saturates instead of wrapping
/// into the past, and what remains is capped at <see cref="MaxRemaining"/> (about 24.8 days, what epoll, timers
/// and the kernel's waits take), so no conversion downstream overflows.
/// </summary>
internal static class Timeouts
{
    /// <summary>The deadline of a wait without limit.</summary>
    public const long NoDeadline = long.MaxValue;

    /// <summary>The longest single wait handed to the kernel or a timer.</summary>
    public static readonly TimeSpan MaxRemaining = TimeSpan.FromMilliseconds(int.MaxValue);

    public static void Validate(TimeSpan timeout, string paramName = "timeout")
    {
        if (timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(paramName, timeout, "A time-out is zero or more, or Timeout.InfiniteTimeSpan.");
        }
    }

    /// <summary>The deadline <paramref name="timeout"/> from now (validated); <see cref="NoDeadline"/> for an infinite one.</summary>
    public static long DeadlineFrom(TimeSpan timeout, string paramName = "timeout")
    {
        Validate(timeout, paramName);
        if (timeout == Timeout.InfiniteTimeSpan)
        {
            return NoDeadline;
        }

        long now = Stopwatch.GetTimestamp();
        double ticks = timeout.TotalSeconds * Stopwatch.Frequency;
        return ticks >= NoDeadline - now - 1 ? NoDeadline - 1 : now + (long)ticks;
    }

    /// <summary>What is left until <paramref name="deadline"/>: zero once it has passed, infinite for <see cref="NoDeadline"/>.</summary>
    public static TimeSpan RemainingUntil(long deadline)
    {
        if (deadline == NoDeadline)
        {
            return Timeout.InfiniteTimeSpan;
        }

        long left = deadline - Stopwatch.GetTimestamp();
        return left <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(Math.Min((double)left / Stopwatch.Frequency, MaxRemaining.TotalSeconds));
    }
}

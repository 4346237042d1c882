namespace UnixIpc.Tests;

/// <summary>
/// How a test checks that a bounded wait gave up when it should: not before its time-out (less 10 ms for clock
/// granularity), and not long after it. The upper bound is the time-out plus <see cref="Slack"/>: wide enough that a
/// loaded 2-core CI machine never fails a correct wait (our rule: no tight assertions on maximum duration), narrow
/// enough to catch the real bugs — a time-out read in the wrong unit (200 ms taken as 200 s), a deadline that restarts
/// after every EINTR under a stream of signals, a time-out ignored and a wait that only a later event ended.
/// </summary>
internal static class TimeoutAssert
{
    public static readonly TimeSpan Slack = TimeSpan.FromSeconds(10);

    public static void GaveUpOnTime(TimeSpan elapsed, TimeSpan timeout, string what = "the wait")
    {
        Assert.True(elapsed >= timeout - TimeSpan.FromMilliseconds(10), $"{what} gave up after {elapsed.TotalMilliseconds:F0} ms, before its time-out of {timeout.TotalMilliseconds:F0} ms");
        Assert.True(elapsed <= timeout + Slack, $"{what} gave up after {elapsed.TotalMilliseconds:F0} ms, more than {Slack.TotalSeconds:F0} s past its time-out of {timeout.TotalMilliseconds:F0} ms");
    }
}

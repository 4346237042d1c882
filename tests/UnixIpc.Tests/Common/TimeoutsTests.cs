namespace UnixIpc.Tests;

/// <summary>One rule for time-outs: zero or more, or infinite; a huge one never wraps into the past.</summary>
public sealed class TimeoutsTests
{
    [Theory]
    [InlineData(-2)]
    [InlineData(-1000)]
    public void A_negative_time_out_other_than_infinite_is_refused_before_anything_waits(int milliseconds)
    {
        ArgumentOutOfRangeException refused = Assert.Throws<ArgumentOutOfRangeException>(() => Timeouts.DeadlineFrom(TimeSpan.FromMilliseconds(milliseconds)));
        Assert.Equal("timeout", refused.ParamName);
        SystemVMessageQueue queue = SystemVMessageQueue.CreateNew(IpcKey.Private);
        try
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => queue.TryReceive(new byte[8], TimeSpan.FromMilliseconds(milliseconds), out _));
        }
        finally
        {
            queue.TryRemove();
        }
    }

    [Fact]
    public void A_huge_time_out_saturates_instead_of_wrapping_into_the_past()
    {
        long deadline = Timeouts.DeadlineFrom(TimeSpan.MaxValue);
        Assert.True(deadline > System.Diagnostics.Stopwatch.GetTimestamp() + System.Diagnostics.Stopwatch.Frequency, "a TimeSpan.MaxValue time-out ended in the past");
        Assert.Equal(Timeouts.MaxRemaining, Timeouts.RemainingUntil(deadline));
        Assert.Equal(Timeout.InfiniteTimeSpan, Timeouts.RemainingUntil(Timeouts.DeadlineFrom(Timeout.InfiniteTimeSpan)));
        Assert.Equal(TimeSpan.Zero, Timeouts.RemainingUntil(Timeouts.DeadlineFrom(TimeSpan.Zero)));
    }

    [Fact]
    public async Task A_channel_read_with_a_huge_time_out_waits_instead_of_returning_at_once()
    {
        string name = TestNames.Unique("tmo");
        using SharedMemoryChannel channel = SharedMemoryChannel.CreateNew(name, new SharedMemoryChannelOptions { Capacity = 4096, UnlinkOnDispose = true });
        using SharedMemoryChannelReader reader = channel.CreateReader();
        using SharedMemoryChannelWriter writer = channel.CreateWriter();
        Task<bool> read = Task.Factory.StartNew(() => reader.TryRead(new byte[8], TimeSpan.MaxValue, out _), TaskCreationOptions.LongRunning);
        Assert.NotSame(read, await Task.WhenAny(read, Task.Delay(100))); // a deadline wrapped into the past returned false at once
        Assert.True(writer.TryWrite("x"u8));
        Assert.True(await read.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Throws<ArgumentOutOfRangeException>(() => reader.TryRead(new byte[8], TimeSpan.FromMilliseconds(-5), out _));
    }
}

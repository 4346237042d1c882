using System.Diagnostics.Metrics;

namespace UnixIpc;

/// <summary>
/// Publishes the counters of every channel open in this process through System.Diagnostics.Metrics
/// (meter "UnixIpc.SharedMemoryChannel", one "channel" tag per channel name), for dotnet-counters or
/// OpenTelemetry. The values are the channel's own (shared by all processes), read when observed.
/// </summary>
internal static class ChannelMetrics
{
    private static readonly Meter s_meter = new("UnixIpc.SharedMemoryChannel");
    private static readonly List<WeakReference<SharedMemoryChannel>> s_channels = [];
    private static readonly Lock s_lock = new();

    static ChannelMetrics()
    {
        Counter("unixipc.channel.messages.written", "{message}", s => s.MessagesWritten);
        Counter("unixipc.channel.messages.read", "{message}", s => s.MessagesRead);
        Counter("unixipc.channel.bytes.written", "By", s => s.BytesWritten);
        Counter("unixipc.channel.bytes.read", "By", s => s.BytesRead);
        Counter("unixipc.channel.waits", "{wait}", s => s.Waits);
        Counter("unixipc.channel.wakeups", "{wakeup}", s => s.Wakeups);
        Counter("unixipc.channel.abandoned", "{record}", s => s.Abandoned);
        Counter("unixipc.channel.redelivered", "{message}", s => s.Redelivered);
        Counter("unixipc.channel.lost", "{message}", s => s.MessagesLost);
        Counter("unixipc.channel.overruns", "{overrun}", s => s.Overruns);
        s_meter.CreateObservableGauge("unixipc.channel.used", () => Observe(s => s.UsedBytes), "By", "Bytes of the ring in use.");
    }

    public static void Track(SharedMemoryChannel channel)
    {
        lock (s_lock)
        {
            s_channels.RemoveAll(w => !w.TryGetTarget(out _));
            s_channels.Add(new WeakReference<SharedMemoryChannel>(channel));
        }
    }

    private static void Counter(string name, string unit, Func<SharedMemoryChannelStatus, long> value)
        => s_meter.CreateObservableCounter(name, () => Observe(value), unit);

    private static IEnumerable<Measurement<long>> Observe(Func<SharedMemoryChannelStatus, long> value)
    {
        List<SharedMemoryChannel> live = [];
        lock (s_lock)
        {
            foreach (WeakReference<SharedMemoryChannel> reference in s_channels)
            {
                if (reference.TryGetTarget(out SharedMemoryChannel? channel) && !channel.IsDisposed)
                {
                    live.Add(channel);
                }
            }
        }

        foreach (SharedMemoryChannel channel in live)
        {
            SharedMemoryChannelStatus status;
            try
            {
                status = channel.Stat();
            }
            catch (ObjectDisposedException)
            {
                continue;
            }

            yield return new Measurement<long>(value(status), new KeyValuePair<string, object?>("channel", status.Name));
        }
    }
}

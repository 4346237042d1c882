using System.Diagnostics;
using System.Globalization;

namespace UnixIpc.Benchmarking;

/// <summary>
/// The channel's many-process figures, one side each (native/fan_rings.h is C's): <c>fanin</c>, <see cref="FanPeers"/>
/// producers (the peers) writing 64-byte messages into one queue channel that the measuring side reads, and
/// <c>broadcast</c>, the measuring side writing to a broadcast channel (back-pressure: nobody loses a message) that
/// <see cref="FanPeers"/> subscribers read. The measuring side times COUNT messages after an unmeasured quarter. Each
/// message carries its sender's index and sequence number, and every receiver checks them, so a lost, repeated or
/// reordered message fails the run instead of counting.
/// </summary>
internal static class ChannelFanSides
{
    public const int MessageSize = 64, FanPeers = 2;

    /// <summary>The size of C's shared object (fan_rings.h's FAN_OBJECT_SIZE: either ring fits).</summary>
    public const long NativeObjectSize = 2L << 20;

    /// <summary>
    /// The channels of one UnixIpc measurement: fanin, the queue (arguments: name, N); broadcast, the broadcast channel
    /// and a small queue on which each subscriber says it is ready and, at the end, done (arguments: both names, N).
    /// </summary>
    public static void Make(BenchObjects objects, BenchMeasure measure, string tag)
    {
        string data = $"/{tag}_{measure.Mode}";
        var options = new SharedMemoryChannelOptions
        {
            Capacity = ChannelEnd.Capacity,
            Delivery = measure.Mode == "broadcast" ? ChannelDelivery.Broadcast : ChannelDelivery.Queue,
            UnlinkOnDispose = true,
        };
        objects.Owned.Add(SharedMemoryChannel.CreateNew(data, options));
        objects.Arguments.Add(data);
        if (measure.Mode == "broadcast")
        {
            objects.Owned.Add(SharedMemoryChannel.CreateNew($"/{tag}_replies", new SharedMemoryChannelOptions { Capacity = 4096, UnlinkOnDispose = true }));
            objects.Arguments.Add($"/{tag}_replies");
        }

        objects.Arguments.Add(measure.Peers.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// Runs one side: <paramref name="args"/> as <see cref="Make"/> says, and a peer's index last. The measuring side
    /// writes one "msgs/s" line to <paramref name="output"/>.
    /// </summary>
    public static void Run(string mechanism, string mode, bool measuring, int count, string[] args, Stream output)
    {
        var open = new SharedMemoryChannelOpenOptions { WaitStrategy = mechanism == "channel-spin" ? ChannelWaitStrategy.BusySpin : ChannelWaitStrategy.SpinThenSleep };
        bool broadcast = mode == "broadcast";
        int peers = int.Parse(args[broadcast ? 2 : 1], CultureInfo.InvariantCulture);
        using SharedMemoryChannel channel = SharedMemoryChannel.OpenExisting(args[0], open);
        using CpuPin pin = CpuPin.Thread(measuring ? 0 : 1);
        int total = (count + (count / 4)) / (broadcast ? 1 : peers) * (broadcast ? 1 : peers);
        double? rate = (broadcast, measuring) switch
        {
            (false, true) => Consume(channel, peers, total, count),
            (false, false) => Produce(channel, Index(args, 2), total / peers),
            (true, true) => Publish(channel, args[1], open, peers, total, count),
            (true, false) => Subscribe(channel, args[1], open, total),
        };
        if (rate is double value)
        {
            output.Write(System.Text.Encoding.ASCII.GetBytes(value.ToString("F1", CultureInfo.InvariantCulture) + "\n"));
            output.Flush();
        }
    }

    private static int Index(string[] args, int at) => int.Parse(args[at], CultureInfo.InvariantCulture);

    // fanin, a peer: its share of the messages, stamped with its index.
    private static double? Produce(SharedMemoryChannel channel, int index, int share)
    {
        using SharedMemoryChannelWriter writer = channel.CreateWriter();
        Span<byte> message = stackalloc byte[MessageSize];
        for (int i = 0; i < share; i++)
        {
            Stamp(message, index, i);
            writer.Write(message);
        }

        return null;
    }

    // fanin, the measuring side: every producer's messages, in each producer's order; the last COUNT timed.
    private static double Consume(SharedMemoryChannel channel, int producers, int total, int count)
    {
        using SharedMemoryChannelReader reader = channel.CreateReader();
        Span<byte> message = stackalloc byte[MessageSize];
        var expected = new int[producers];
        long start = 0;
        for (int i = 0; i < total; i++)
        {
            if (i == total - count)
            {
                start = Stopwatch.GetTimestamp();
            }

            reader.Read(message);
            Check(message, expected);
        }

        return count / Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    // broadcast, the measuring side: waits for every subscriber, sends all, the last COUNT timed until each is done.
    private static double Publish(SharedMemoryChannel channel, string repliesName, SharedMemoryChannelOpenOptions open, int subscribers, int total, int count)
    {
        using SharedMemoryChannel replies = SharedMemoryChannel.OpenExisting(repliesName, open);
        using SharedMemoryChannelReader answers = replies.CreateReader();
        using SharedMemoryChannelWriter writer = channel.CreateWriter();
        Span<byte> message = stackalloc byte[MessageSize];
        for (int i = 0; i < subscribers; i++)
        {
            answers.Read(message); // ready: its reader exists, so it gets every message from the first
        }

        long start = 0;
        for (int i = 0; i < total; i++)
        {
            if (i == total - count)
            {
                start = Stopwatch.GetTimestamp();
            }

            Stamp(message, 0, i);
            writer.Write(message);
        }

        for (int i = 0; i < subscribers; i++)
        {
            answers.Read(message); // done
        }

        return count / Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    // broadcast, a peer: says it is ready, reads every message in order, says it is done.
    private static double? Subscribe(SharedMemoryChannel channel, string repliesName, SharedMemoryChannelOpenOptions open, int total)
    {
        using SharedMemoryChannel replies = SharedMemoryChannel.OpenExisting(repliesName, open);
        using SharedMemoryChannelWriter answer = replies.CreateWriter();
        using SharedMemoryChannelReader reader = channel.CreateReader();
        Span<byte> message = stackalloc byte[MessageSize];
        answer.Write(message[..1]);
        var expected = new int[1];
        for (int i = 0; i < total; i++)
        {
            reader.Read(message);
            Check(message, expected);
        }

        answer.Write(message[..1]);
        return null;
    }

    // The first 8 bytes: the sequence number, then the sender's index (as fan_rings.h writes them).
    private static void Stamp(Span<byte> message, int sender, int sequence)
    {
        BitConverter.TryWriteBytes(message, sequence);
        BitConverter.TryWriteBytes(message[4..], sender);
    }

    private static void Check(ReadOnlySpan<byte> message, int[] expected)
    {
        int sequence = BitConverter.ToInt32(message), sender = BitConverter.ToInt32(message[4..]);
        if ((uint)sender >= (uint)expected.Length || sequence != expected[sender])
        {
            throw new InvalidDataException($"message {sequence} from sender {sender} where that sender's message {((uint)sender < (uint)expected.Length ? expected[sender] : -1)} was due: lost, repeated or reordered");
        }

        expected[sender]++;
    }
}

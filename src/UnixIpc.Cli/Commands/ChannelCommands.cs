using System.CommandLine;
using System.Globalization;

namespace UnixIpc.Cli;

/// <summary><c>unixipc channel</c>: shared-memory channels.</summary>
internal static class ChannelCommands
{
    private const string Noun = "channel";

    public static Command Build(CliConsole console) => new(Noun, "Shared-memory channels: the fast producer/consumer queue in POSIX shared memory.")
    {
        Create(console),
        Send(console),
        Receive(console),
        Stat(console),
        Unlink(console),
    };

    private static Argument<string> NameArgument() => new("NAME") { Description = "Channel name, e.g. /orders." };

    private static Command Create(CliConsole console)
    {
        Argument<string> name = NameArgument();
        Option<long> capacity = CliParsers.NumberOption("--capacity", "Ring size in bytes: a power of two from 4096 to 1073741824.", required: true);
        var mode = new Option<string>("--delivery") { Description = "queue (each message to one consumer) or broadcast (to every subscriber).", DefaultValueFactory = _ => "queue" };
        mode.AcceptOnlyFromAmong("queue", "broadcast");
        var overrun = new Option<bool>("--overrun") { Description = "Broadcast only: producers never wait for subscribers; a subscriber a full ring behind skips ahead and is told how many messages it lost." };
        var command = new Command("create", "Create a channel and print its name.") { name, capacity, mode, overrun };
        Option<OctalMode> modeBits = CliParsers.ModeOption(); // permissions, as in every other create verb
        command.Add(modeBits);
        command.SetAction(CliApp.Handler(console, Noun, "create", parse =>
        {
            bool broadcast = parse.GetValue(mode) == "broadcast";
            if (parse.GetValue(overrun) && !broadcast)
            {
                throw new UsageException("--overrun needs --delivery broadcast: a queue never drops a message.");
            }

            var options = new SharedMemoryChannelOptions
            {
                Capacity = parse.GetValue(capacity),
                Mode = parse.GetValue(modeBits).Value,
                Delivery = broadcast ? ChannelDelivery.Broadcast : ChannelDelivery.Queue,
                SlowSubscribers = parse.GetValue(overrun) ? SlowSubscriberPolicy.Overrun : SlowSubscriberPolicy.BackPressure,
            };
            using SharedMemoryChannel channel = SharedMemoryChannel.CreateNew(parse.GetRequiredValue(name), options);
            CreatedObject.Announce(console, channel.Name, created: true, () => SharedMemoryChannel.TryUnlink(channel.Name));

            return CliExitCode.Success;
        }));
        return command;
    }

    private static Command Send(CliConsole console)
    {
        Argument<string> name = NameArgument();
        Option<long> count = CliParsers.NumberOption("--count", "Send the data this many times (default 1).", defaultValue: 1);
        Option<long> timeout = CliParsers.TimeoutOption("Wait at most this many milliseconds for room for each message (exit 3, ETIMEDOUT).");
        var nonBlocking = new Option<bool>("--nonblock") { Description = "Do not wait for room: exit 3 (EAGAIN) when the channel is full." };
        var data = new DataInput();
        var command = new Command("send", "Send a message (--data, --hex or stdin), waiting for room.") { name, count, timeout, nonBlocking };
        data.AddTo(command);
        command.SetAction(CliApp.Handler(console, Noun, "send", (parse, cancellationToken) =>
        {
            if (parse.GetValue(count) < 1)
            {
                throw new UsageException("--count must be 1 or more.");
            }

            TimeSpan? wait = WaitOptions.Resolve(parse, timeout, nonBlocking);
            using SharedMemoryChannel channel = SharedMemoryChannel.OpenExisting(parse.GetRequiredValue(name), OpenOptions(wait));
            byte[] bytes = data.Read(parse, console, channel.MaxMessageSize);
            if (bytes.Length > channel.MaxMessageSize)
            {
                return Task.FromResult(CliApp.Report(console, Noun, "send", Errno.EMSGSIZE));
            }

            using SharedMemoryChannelWriter writer = channel.CreateWriter();
            for (long i = 0; i < parse.GetValue(count); i++)
            {
                bool sent = wait is TimeSpan t ? writer.TryWrite(bytes, t) : Write(writer, bytes, cancellationToken);
                if (!sent)
                {
                    return Task.FromResult(CliApp.Report(console, Noun, "send", parse.GetValue(nonBlocking) ? Errno.EAGAIN : Errno.ETIMEDOUT));
                }
            }

            return Task.FromResult(CliExitCode.Success);
        }));
        return command;
    }

    private static bool TryLease(SharedMemoryChannelReader reader, out ReadLease lease, out int length)
    {
        bool got = reader.TryRead(out lease);
        length = got ? lease.Length : 0;
        return got;
    }

    private static bool Write(SharedMemoryChannelWriter writer, byte[] bytes, CancellationToken cancellationToken)
    {
        writer.Write(bytes, cancellationToken);
        return true;
    }

    // A creator still writing the header is waited for as long as the verb would wait (5 s at most, and without --timeout).
    private static SharedMemoryChannelOpenOptions OpenOptions(TimeSpan? wait)
        => new() { ReadyTimeout = wait is TimeSpan t && t < TimeSpan.FromSeconds(5) ? t : TimeSpan.FromSeconds(5) };

    private static Command Receive(CliConsole console)
    {
        Argument<string> name = NameArgument();
        Option<long> count = CliParsers.NumberOption("--count", "How many messages (default 1).", defaultValue: 1);
        Option<long> timeout = CliParsers.TimeoutOption("Wait at most this many milliseconds for each (exit 3, ETIMEDOUT).");
        var json = new Option<bool>("--json") { Description = "One JSON object per message: index, size, lost (overrun channels: messages missed just before it), text (if UTF-8), base64." };
        var command = new Command("recv", "Receive messages to stdout (raw, one after another).") { name, count, timeout, json };
        command.SetAction(CliApp.Handler(console, Noun, "recv", (parse, cancellationToken) =>
        {
            long wanted = parse.GetValue(count);
            long ms = parse.GetValue(timeout);
            if (wanted < 1 || ms < -1)
            {
                throw new UsageException("--count must be 1 or more and --timeout 0 or more.");
            }

            using SharedMemoryChannel channel = SharedMemoryChannel.OpenExisting(parse.GetRequiredValue(name), OpenOptions(ms >= 0 ? TimeSpan.FromMilliseconds(ms) : null));
            using SharedMemoryChannelReader reader = channel.CreateReader();
            var buffer = new byte[channel.MaxMessageSize];
            bool overrun = channel.SlowSubscribers == SlowSubscriberPolicy.Overrun;
            for (long i = 0; i < wanted; i++)
            {
                // Each message is printed before it is released: if stdout fails (closed, full, a reader gone), the
                // reader is disposed still holding it, and the channel hands it to another consumer (queue).
                // Overrun reads copy (nothing to hold: producers may overwrite it anyway).
                var waited = System.Diagnostics.Stopwatch.StartNew();
                long lostBefore = reader.MessagesLost;
                int length;
                ReadLease lease = default;
                while (!(overrun ? reader.TryRead(buffer, out length) : TryLease(reader, out lease, out length)))
                {
                    TimeSpan left = ms < 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(ms) - waited.Elapsed;
                    if ((ms >= 0 && left <= TimeSpan.Zero) || !reader.WaitToRead(left, cancellationToken))
                    {
                        return Task.FromResult(CliApp.Report(console, Noun, "recv", Errno.ETIMEDOUT));
                    }
                }

                ReadOnlySpan<byte> message = overrun ? buffer.AsSpan(0, length) : lease.Span;
                long lost = reader.MessagesLost - lostBefore;
                if (lost > 0 && !parse.GetValue(json))
                {
                    console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"unixipc: channel recv: {lost} messages lost to overrun before message {i}."));
                }

                if (parse.GetValue(json))
                {
                    MessageOutput.Write(console, message, "index", i, json: true, overrun ? lost : null);
                }
                else
                {
                    console.WriteBytes(message);
                }

                if (!overrun)
                {
                    lease.Release();
                }
            }

            return Task.FromResult(CliExitCode.Success);
        }));
        return command;
    }

    private static Command Stat(CliConsole console)
    {
        Argument<string> name = NameArgument();
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("stat", "Capacity, used bytes, positions, and participants with liveness and counters.") { name, json };
        command.SetAction(CliApp.Handler(console, Noun, "stat", parse =>
        {
            using SharedMemoryChannel channel = SharedMemoryChannel.OpenExisting(parse.GetRequiredValue(name));
            SharedMemoryChannelStatus s = channel.Stat();
            new StatFields()
                .Text("name", s.Name)
                .Text("mode", s.Delivery == ChannelDelivery.Broadcast ? "broadcast" : "queue")
                .Text("slow_subscribers", s.Delivery == ChannelDelivery.Queue ? "none" : s.SlowSubscribers == SlowSubscriberPolicy.Overrun ? "overrun" : "back-pressure")
                .Number("capacity", s.Capacity)
                .Number("max_message_size", s.MaxMessageSize)
                .Number("used_bytes", s.UsedBytes)
                .Number("tail", s.Positions.Tail)
                .Number("read", s.Positions.Read)
                .Number("release", s.Positions.Release)
                .Number("messages_written", s.MessagesWritten)
                .Number("bytes_written", s.BytesWritten)
                .Number("messages_read", s.MessagesRead)
                .Number("bytes_read", s.BytesRead)
                .Number("waits", s.Waits)
                .Number("wakeups", s.Wakeups)
                .Number("abandoned", s.Abandoned)
                .Number("redelivered", s.Redelivered)
                .Number("lost", s.MessagesLost)
                .Number("overruns", s.Overruns)
                .Table(
                    "participants",
                    ["slot", "role", "pid", "alive", "messages", "bytes", "waits", "wakeups", "abandoned", "redelivered", "lost", "overruns"],
                    [.. s.Participants.Select(p => new object[] { (long)p.Slot, p.Role, (long)p.ProcessId, p.IsAlive, p.Messages, p.Bytes, p.Waits, p.Wakeups, p.Abandoned, p.Redelivered, p.Lost, p.Overruns })])
                .Print(console, parse.GetValue(json));
            return CliExitCode.Success;
        }));
        return command;
    }

    private static Command Unlink(CliConsole console)
    {
        Argument<string> name = NameArgument();
        var command = new Command("unlink", "Remove the channel's name; processes that have it open keep working.") { name };
        command.SetAction(CliApp.Handler(console, Noun, "unlink", parse =>
        {
            SharedMemoryChannel.Unlink(parse.GetRequiredValue(name));
            return CliExitCode.Success;
        }));
        return command;
    }
}

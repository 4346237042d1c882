using System.CommandLine;

namespace UnixIpc.Cli;

/// <summary><c>unixipc mq</c>: POSIX message queues.</summary>
internal static class MqCommands
{
    private const string Noun = "mq";

    public static Command Build(CliConsole console) => new(Noun, "POSIX message queues (mq_open; priorities, time-outs).")
    {
        Create(console),
        Send(console),
        Receive(console),
        Attributes(console),
        Unlink(console),
    };

    private static Argument<string> NameArgument() => new("NAME") { Description = "Queue name, e.g. /orders (the slash is optional)." };

    private static Option<long> TimeoutOption() => CliParsers.TimeoutOption("Wait at most this many milliseconds (then exit 3, ETIMEDOUT).");

    private static Option<bool> NonBlockOption() => new("--nonblock") { Description = "Do not wait (exit 3, EAGAIN, when it would)." };

    private static Command Create(CliConsole console)
    {
        Argument<string> name = NameArgument();
        Option<long> maxMessages = CliParsers.NumberOption("--max-messages", "Capacity in messages (default /proc/sys/fs/mqueue/msg_default).", defaultValue: 0, min: 0, max: int.MaxValue);
        Option<long> messageSize = CliParsers.NumberOption("--message-size", "Largest message in bytes (default /proc/sys/fs/mqueue/msgsize_default).", defaultValue: 0, min: 0, max: int.MaxValue);
        Option<OctalMode> mode = CliParsers.ModeOption();
        var excl = new Option<bool>("--excl") { Description = "Fail with EEXIST if the queue exists (O_EXCL)." };
        var command = new Command("create", "Create the queue (or open it if it exists) and print its name.") { name, maxMessages, messageSize, mode, excl };
        command.SetAction(CliApp.Handler(console, Noun, "create", parse =>
        {
            long max = parse.GetValue(maxMessages);
            long size = parse.GetValue(messageSize);
            if (max < 0 || size < 0 || max > int.MaxValue || size > int.MaxValue || (parse.GetResult(maxMessages) is { Implicit: false } && max == 0) || (parse.GetResult(messageSize) is { Implicit: false } && size == 0))
            {
                return CliApp.Report(console, Noun, "create", Errno.EINVAL); // what mq_open answers for such attributes
            }

            var options = new PosixMessageQueueOptions { Mode = parse.GetValue(mode).Value };
            if (max > 0)
            {
                options.MaxMessages = (int)max;
            }

            if (size > 0)
            {
                options.MaxMessageSize = (int)size;
            }

            string at = parse.GetRequiredValue(name);
            (PosixMessageQueue queue, bool created) = CreatedObject.CreateOrOpen(parse.GetValue(excl),
                () => PosixMessageQueue.CreateNew(at, options), () => PosixMessageQueue.CreateOrOpen(at, options));
            using (queue)
            {
                CreatedObject.Announce(console, queue.Name, created, () => PosixMessageQueue.TryUnlink(queue.Name));
            }

            return CliExitCode.Success;
        }));
        return command;
    }

    private static Command Send(CliConsole console)
    {
        Argument<string> name = NameArgument();
        Option<long> priority = CliParsers.NumberOption("--priority", "0 (default) to 32767; higher is received first.", defaultValue: 0, min: 0);
        Option<long> timeout = TimeoutOption();
        Option<bool> nonblock = NonBlockOption();
        var data = new DataInput();
        var command = new Command("send", "Send one message (--data, --hex or stdin); waits for room unless told otherwise.") { name, priority, timeout, nonblock };
        data.AddTo(command);
        command.SetAction(CliApp.Handler(console, Noun, "send", (parse, cancellationToken) =>
        {
            byte[] bytes = data.Read(parse, console);
            TimeSpan? wait = WaitOptions.Resolve(parse, timeout, nonblock);
            using PosixMessageQueue queue = PosixMessageQueue.OpenExisting(parse.GetRequiredValue(name), MessageQueueAccess.Send);
            long prio = parse.GetValue(priority);
            if (prio is < 0 or >= PosixMessageQueueLimits.PriorityLimit)
            {
                return Task.FromResult(CliApp.Report(console, Noun, "send", Errno.EINVAL)); // mq_send's answer to a bad priority
            }

            if (bytes.Length > queue.MaxMessageSize)
            {
                return Task.FromResult(CliApp.Report(console, Noun, "send", Errno.EMSGSIZE)); // mq_send's answer; nothing is queued
            }

            bool sent = true;
            if (wait is TimeSpan t)
            {
                sent = queue.TrySend(bytes, (int)prio, t);
            }
            else
            {
                queue.Send(bytes, (int)prio, cancellationToken);
            }

            return Task.FromResult(sent ? CliExitCode.Success : CliApp.Report(console, Noun, "send", wait == TimeSpan.Zero && parse.GetValue(nonblock) ? Errno.EAGAIN : Errno.ETIMEDOUT));
        }));
        return command;
    }

    private static Command Receive(CliConsole console)
    {
        Argument<string> name = NameArgument();
        Option<long> count = CliParsers.NumberOption("--count", "How many messages to receive (default 1).", defaultValue: 1, min: 1);
        Option<long> timeout = TimeoutOption();
        Option<bool> nonblock = NonBlockOption();
        var json = new Option<bool>("--json") { Description = "One JSON object per message: priority, size, text (if UTF-8), base64." };
        var command = new Command("recv", "Receive messages, highest priority first, to stdout (raw, one after another).") { name, count, timeout, nonblock, json };
        command.SetAction(CliApp.Handler(console, Noun, "recv", (parse, cancellationToken) =>
        {
            TimeSpan? wait = WaitOptions.Resolve(parse, timeout, nonblock);
            using PosixMessageQueue queue = PosixMessageQueue.OpenExisting(parse.GetRequiredValue(name), MessageQueueAccess.Receive);
            var buffer = new byte[queue.MaxMessageSize];
            long wanted = parse.GetValue(count);
            if (wanted < 1)
            {
                throw new UsageException("--count must be 1 or more.");
            }

            for (long i = 0; i < wanted; i++)
            {
                PosixMessageInfo info;
                bool got = true;
                if (wait is TimeSpan t)
                {
                    got = queue.TryReceive(buffer, t, out info);
                }
                else
                {
                    info = queue.Receive(buffer, cancellationToken);
                }

                if (!got)
                {
                    return Task.FromResult(CliApp.Report(console, Noun, "recv", wait == TimeSpan.Zero && parse.GetValue(nonblock) ? Errno.EAGAIN : Errno.ETIMEDOUT));
                }

                try
                {
                    MessageOutput.Write(console, buffer.AsSpan(0, info.Length), "priority", info.Priority, parse.GetValue(json));
                }
                catch (StandardOutputException)
                {
                    // Not delivered: put it back (at the end of its priority) rather than lose it, if we may send.
                    try
                    {
                        if (PosixMessageQueue.TryOpenExisting(queue.Name, out PosixMessageQueue? back, MessageQueueAccess.Send))
                        {
                            using (back)
                            {
                                back.TrySend(buffer.AsSpan(0, info.Length), info.Priority);
                            }
                        }
                    }
                    catch (UnixIpcException)
                    {
                        // Not ours to send to (or full): the write error below is what the user hears about.
                    }

                    throw;
                }
            }

            return Task.FromResult(CliExitCode.Success);
        }));
        return command;
    }

    private static Command Attributes(CliConsole console)
    {
        Argument<string> name = NameArgument();
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("attr", "Show max_messages, message_size and current_messages.") { name, json };
        command.SetAction(CliApp.Handler(console, Noun, "attr", parse =>
        {
            using PosixMessageQueue queue = PosixMessageQueue.OpenExisting(parse.GetRequiredValue(name), MessageQueueAccess.Receive);
            PosixMessageQueueStatus a = queue.Stat();
            new StatFields().Text("name", queue.Name).Number("max_messages", a.MaxMessages).Number("message_size", a.MaxMessageSize)
                .Number("current_messages", a.CurrentMessages).Print(console, parse.GetValue(json));
            return CliExitCode.Success;
        }));
        return command;
    }

    private static Command Unlink(CliConsole console)
    {
        Argument<string> name = NameArgument();
        var command = new Command("unlink", "Remove the name (mq_unlink); open descriptors keep working.") { name };
        command.SetAction(CliApp.Handler(console, Noun, "unlink", parse =>
        {
            PosixMessageQueue.Unlink(parse.GetRequiredValue(name));
            return CliExitCode.Success;
        }));
        return command;
    }
}

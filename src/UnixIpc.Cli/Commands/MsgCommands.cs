using System.CommandLine;
using System.Globalization;

namespace UnixIpc.Cli;

/// <summary><c>unixipc msg</c>: System V message queues (msgget, ipcs -q).</summary>
internal static class MsgCommands
{
    private const string Noun = "msg";

    public static Command Build(CliConsole console) => new(Noun, "System V message queues (msgget; typed messages, ipcs -q).")
    {
        Get(console),
        Send(console),
        Receive(console),
        Stat(console),
        Set(console),
        Remove(console),
    };

    private static Command Get(CliConsole console)
    {
        var key = new KeySelector();
        var create = new Option<bool>("--create") { Description = "Create the queue if there is none (IPC_CREAT)." };
        var excl = new Option<bool>("--excl") { Description = "With --create: fail with EEXIST if it exists (IPC_EXCL)." };
        Option<OctalMode> mode = CliParsers.ModeOption();
        var command = new Command("get", "Find or create a queue and print its id.") { create, excl, mode };
        key.AddTo(command);
        command.SetAction(CliApp.Handler(console, Noun, "get", parse =>
        {
            IpcKey k = key.Resolve(parse);
            bool creating = parse.GetValue(create) || k.IsPrivate;
            if (parse.GetValue(excl) && !creating)
            {
                throw new UsageException("--excl only makes sense with --create.");
            }

            (SystemVMessageQueue queue, bool created) = !creating
                ? (SystemVMessageQueue.OpenExisting(k), false)
                : CreatedObject.CreateOrOpen(parse.GetValue(excl) || k.IsPrivate,
                    () => SystemVMessageQueue.CreateNew(k, parse.GetValue(mode).Value),
                    () => SystemVMessageQueue.CreateOrOpen(k, parse.GetValue(mode).Value));
            CreatedObject.Announce(console, queue.Id.ToString(CultureInfo.InvariantCulture), created, () => SystemVMessageQueue.TryRemove(queue.Id));
            return CliExitCode.Success;
        }));
        return command;
    }

    private static Command Send(CliConsole console)
    {
        Argument<int> id = CliParsers.IdArgument();
        Option<long> type = CliParsers.NumberOption("--type", "The message type, 1 or more.", required: true);
        var nowait = new Option<bool>("--nowait") { Description = "Do not wait for room (IPC_NOWAIT; exit 3, EAGAIN)." };
        Option<long> timeout = CliParsers.TimeoutOption("Wait at most this many milliseconds for room (exit 3, ETIMEDOUT).");
        var data = new DataInput();
        var command = new Command("send", "Send one typed message (--data, --hex or stdin).") { id, type, nowait, timeout };
        data.AddTo(command);
        command.SetAction(CliApp.Handler(console, Noun, "send", (parse, cancellationToken) =>
        {
            byte[] bytes = data.Read(parse, console);
            TimeSpan? wait = WaitOptions.Resolve(parse, timeout, nowait);
            long mtype = parse.GetValue(type);
            SystemVMessageQueue queue = SystemVMessageQueue.FromId(parse.GetValue(id));
            if (mtype <= 0)
            {
                return Task.FromResult(CliApp.Report(console, Noun, "send", Errno.EINVAL)); // msgsnd's answer to mtype <= 0
            }

            bool sent = true;
            if (wait is TimeSpan t)
            {
                sent = t == TimeSpan.Zero ? queue.TrySend(mtype, bytes) : queue.TrySend(mtype, bytes, t);
            }
            else
            {
                queue.Send(mtype, bytes, cancellationToken);
            }

            return Task.FromResult(sent ? CliExitCode.Success : CliApp.Report(console, Noun, "send", parse.GetValue(nowait) ? Errno.EAGAIN : Errno.ETIMEDOUT));
        }));
        return command;
    }

    private static Command Receive(CliConsole console)
    {
        Argument<int> id = CliParsers.IdArgument();
        Option<long> type = CliParsers.NumberOption("--type", "0: the first message (default); T > 0: the first of type T; T < 0: the lowest type <= |T|.", defaultValue: 0, min: -long.MaxValue);
        var except = new Option<bool>("--except") { Description = "With --type T > 0: the first message NOT of type T (MSG_EXCEPT)." };
        var noerror = new Option<bool>("--noerror") { Description = "Truncate a message longer than --max-size instead of failing with E2BIG (MSG_NOERROR)." };
        Option<long> copy = CliParsers.NumberOption("--copy", "Copy the message at this 0-based index without removing it (MSG_COPY; implies --nowait).", defaultValue: -1, min: 0);
        var nowait = new Option<bool>("--nowait") { Description = "Do not wait (IPC_NOWAIT; exit 3, ENOMSG)." };
        Option<long> timeout = CliParsers.TimeoutOption("Wait at most this many milliseconds (exit 3, ETIMEDOUT).");
        Option<long> maxSize = CliParsers.NumberOption("--max-size", "Buffer size in bytes (default /proc/sys/kernel/msgmax).", defaultValue: 0, min: 0, max: int.MaxValue);
        Option<long> count = CliParsers.NumberOption("--count", "How many messages to receive (default 1).", defaultValue: 1, min: 1);
        var json = new Option<bool>("--json") { Description = "One JSON object per message: type, size, text (if UTF-8), base64." };
        var command = new Command("recv", "Receive typed messages to stdout (raw, one after another).") { id, type, except, noerror, copy, nowait, timeout, maxSize, count, json };
        command.SetAction(CliApp.Handler(console, Noun, "recv", (parse, cancellationToken) =>
        {
            long t = parse.GetValue(type);
            long index = parse.GetValue(copy);
            MessageSelector selector = index >= 0
                ? MessageSelector.CopyAt(index)
                : parse.GetValue(except)
                    ? (t > 0 ? MessageSelector.Except(t) : throw new UsageException("--except needs --type T with T > 0."))
                    : t == 0 ? MessageSelector.Any : t > 0 ? MessageSelector.Type(t) : MessageSelector.LowestUpTo(-t);
            TimeSpan? wait = index >= 0 ? TimeSpan.Zero : WaitOptions.Resolve(parse, timeout, nowait);
            long size = parse.GetValue(maxSize);
            if (size < 0 || size > int.MaxValue)
            {
                throw new UsageException("--max-size must be between 0 and 2147483647.");
            }

            long wanted = parse.GetValue(count);
            if (wanted < 1)
            {
                throw new UsageException("--count must be 1 or more.");
            }

            SystemVMessageQueue queue = SystemVMessageQueue.FromId(parse.GetValue(id));
            var buffer = new byte[size > 0 ? size : SystemVMessageQueueLimits.MaxMessageSize];
            bool truncate = parse.GetValue(noerror);
            for (long i = 0; i < wanted; i++)
            {
                SystemVMessageInfo info;
                bool got = true;
                if (wait == TimeSpan.Zero)
                {
                    got = queue.TryReceive(buffer, out info, selector, truncate);
                }
                else if (wait is TimeSpan limit)
                {
                    got = queue.TryReceive(buffer, selector, truncate, limit, out info);
                }
                else
                {
                    info = queue.Receive(buffer, selector, truncate, cancellationToken);
                }

                if (!got)
                {
                    return Task.FromResult(CliApp.Report(console, Noun, "recv", wait == TimeSpan.Zero ? Errno.ENOMSG : Errno.ETIMEDOUT));
                }

                try
                {
                    MessageOutput.Write(console, buffer.AsSpan(0, info.Length), "type", info.Type, parse.GetValue(json));
                }
                catch (StandardOutputException)
                {
                    // Not delivered: put it back (at the end of the queue) rather than lose it; a truncated one is gone anyway.
                    try
                    {
                        if (!truncate || info.Length < buffer.Length)
                        {
                            queue.TrySend(info.Type, buffer.AsSpan(0, info.Length));
                        }
                    }
                    catch (UnixIpcException)
                    {
                        // Not ours to send to: the write error below is what the user hears about.
                    }

                    throw;
                }
            }

            return Task.FromResult(CliExitCode.Success);
        }));
        return command;
    }

    private static Command Stat(CliConsole console)
    {
        Argument<int> id = CliParsers.IdArgument();
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("stat", "Show the queue's state (IPC_STAT).") { id, json };
        command.SetAction(CliApp.Handler(console, Noun, "stat", parse =>
        {
            SystemVMessageQueueStatus s = SystemVMessageQueue.FromId(parse.GetValue(id)).Stat();
            new StatFields().Text("key", s.Key.ToString()).Number("id", s.Id).Mode("mode", s.Mode)
                .Number("uid", s.OwnerUserId).Number("gid", s.OwnerGroupId).Number("cuid", s.CreatorUserId).Number("cgid", s.CreatorGroupId)
                .Number("qnum", s.MessageCount).Number("cbytes", s.Bytes).Number("qbytes", s.MaxBytes)
                .Number("lspid", s.LastSendProcessId).Number("lrpid", s.LastReceiveProcessId)
                .Time("stime", s.LastSendTime).Time("rtime", s.LastReceiveTime).Time("ctime", s.ChangeTime).Print(console, parse.GetValue(json));
            return CliExitCode.Success;
        }));
        return command;
    }

    private static Command Set(CliConsole console)
    {
        Argument<int> id = CliParsers.IdArgument();
        Option<long> maxBytes = CliParsers.NumberOption("--max-bytes", "The queue's byte limit (msg_qbytes).", defaultValue: -1, min: 0);
        var mode = new Option<UnixFileMode?>("--mode")
        {
            Description = "Permissions in octal, e.g. 0600.",
            HelpName = "MODE",
            CustomParser = result =>
            {
                string text = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Empty;
                if (CliParsers.TryParseMode(text, out UnixFileMode parsed))
                {
                    return parsed;
                }

                result.AddError($"'{text}' is not a mode: give octal digits, e.g. 0600 or 644.");
                return null;
            },
        };
        var command = new Command("set", "Change the byte limit and/or mode (IPC_SET).") { id, maxBytes, mode };
        command.SetAction(CliApp.Handler(console, Noun, "set", parse =>
        {
            long bytes = parse.GetValue(maxBytes);
            UnixFileMode? newMode = parse.GetValue(mode);
            if (bytes < 0 && newMode is null)
            {
                throw new UsageException("give --max-bytes and/or --mode.");
            }

            SystemVMessageQueue queue = SystemVMessageQueue.FromId(parse.GetValue(id));
            if (bytes >= 0)
            {
                queue.SetMaxBytes(bytes);
            }

            if (newMode is not null)
            {
                queue.SetPermissions(newMode);
            }

            return CliExitCode.Success;
        }));
        return command;
    }

    private static Command Remove(CliConsole console)
    {
        Argument<int> id = CliParsers.IdArgument();
        var command = new Command("rm", "Remove the queue and its messages (IPC_RMID); blocked callers get EIDRM.") { id };
        command.SetAction(CliApp.Handler(console, Noun, "rm", parse =>
        {
            SystemVMessageQueue.Remove(parse.GetValue(id));
            return CliExitCode.Success;
        }));
        return command;
    }
}

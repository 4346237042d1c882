using System.CommandLine;
using System.Globalization;

namespace UnixIpc.Cli;

/// <summary><c>unixipc shm</c>: System V shared memory segments (shmget, ipcs -m).</summary>
internal static class ShmCommands
{
    private const string Noun = "shm";

    public static Command Build(CliConsole console)
    {
        var command = new Command(Noun, "System V shared memory segments (shmget/shmat, ipcs -m).")
        {
            Get(console),
            Write(console),
            Read(console),
            Stat(console),
            Attach(console),
            Remove(console),
        };
        return command;
    }

    private static Command Get(CliConsole console)
    {
        var key = new KeySelector();
        Option<long> size = CliParsers.NumberOption("--size", "Size in bytes (needed to create; when opening, the minimum size).", defaultValue: 0, min: 0);
        var create = new Option<bool>("--create") { Description = "Create the segment if there is none (IPC_CREAT)." };
        var excl = new Option<bool>("--excl") { Description = "With --create: fail with EEXIST if it exists (IPC_EXCL)." };
        Option<OctalMode> mode = CliParsers.ModeOption();
        var command = new Command("get", "Find or create a segment and print its id.") { size, create, excl, mode };
        key.AddTo(command);
        command.SetAction(CliApp.Handler(console, Noun, "get", parse =>
        {
            IpcKey k = key.Resolve(parse);
            bool creating = parse.GetValue(create) || k.IsPrivate;
            if (parse.GetValue(excl) && !creating)
            {
                throw new UsageException("--excl only makes sense with --create.");
            }

            long bytes = parse.GetValue(size);
            if (creating && bytes < 1)
            {
                throw new UsageException("creating a segment needs --size (at least 1 byte).");
            }

            (SystemVSharedMemory segment, bool created) = !creating
                ? (SystemVSharedMemory.OpenExisting(k, bytes), false)
                : CreatedObject.CreateOrOpen(parse.GetValue(excl) || k.IsPrivate,
                    () => SystemVSharedMemory.CreateNew(k, bytes, parse.GetValue(mode).Value),
                    () => SystemVSharedMemory.CreateOrOpen(k, bytes, parse.GetValue(mode).Value));
            CreatedObject.Announce(console, segment.Id.ToString(CultureInfo.InvariantCulture), created, () => SystemVSharedMemory.TryRemove(segment.Id));
            return CliExitCode.Success;
        }));
        return command;
    }

    private static Command Write(CliConsole console)
    {
        Argument<int> id = CliParsers.IdArgument();
        Option<long> offset = CliParsers.NumberOption("--offset", "Byte offset to write at.", defaultValue: 0, min: 0);
        var data = new DataInput();
        var command = new Command("write", "Attach the segment and write data (--data, --hex or stdin) at --offset.") { id, offset };
        data.AddTo(command);
        command.SetAction(CliApp.Handler(console, Noun, "write", parse =>
        {
            byte[] bytes = data.Read(parse, console);
            SystemVSharedMemory segment = SystemVSharedMemory.FromId(parse.GetValue(id));
            using MappedRegion region = segment.Attach();
            long at = parse.GetValue(offset);
            RegionIO.CheckFits($"segment {segment.Id}", region.Length, at, bytes.Length);
            region.Write(at, bytes);
            return CliExitCode.Success;
        }));
        return command;
    }

    private static Command Read(CliConsole console)
    {
        Argument<int> id = CliParsers.IdArgument();
        Option<long> offset = CliParsers.NumberOption("--offset", "Byte offset to read from.", defaultValue: 0, min: 0);
        Option<long> length = CliParsers.NumberOption("--length", "Bytes to read (default: to the end).", defaultValue: -1, min: 0);
        var cstring = new Option<bool>("--cstring") { Description = "Stop at the first NUL byte and end with a newline." };
        var command = new Command("read", "Attach the segment read-only and write its bytes to stdout (raw).") { id, offset, length, cstring };
        command.SetAction(CliApp.Handler(console, Noun, "read", parse =>
        {
            SystemVSharedMemory segment = SystemVSharedMemory.FromId(parse.GetValue(id));
            using MappedRegion region = segment.Attach(readOnly: true);
            byte[] bytes = RegionIO.ReadRange($"segment {segment.Id}", region.Length, parse.GetValue(offset), parse.GetValue(length),
                (at, count) =>
                {
                    var buffer = new byte[count];
                    region.Read(at, buffer);
                    return buffer;
                });
            RegionIO.WriteOutput(console, bytes, parse.GetValue(cstring));
            return CliExitCode.Success;
        }));
        return command;
    }

    private static Command Stat(CliConsole console)
    {
        Argument<int> id = CliParsers.IdArgument();
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("stat", "Show key, id, size, attachments, pids, mode, owner and times (IPC_STAT).") { id, json };
        command.SetAction(CliApp.Handler(console, Noun, "stat", parse =>
        {
            SystemVSharedMemoryStatus s = SystemVSharedMemory.FromId(parse.GetValue(id)).Stat();
            new StatFields().Text("key", s.Key.ToString()).Number("id", s.Id).Number("size", s.Size).Number("nattch", s.AttachCount)
                .Number("cpid", s.CreatorProcessId).Number("lpid", s.LastProcessId).Mode("mode", s.Mode)
                .Number("uid", s.OwnerUserId).Number("gid", s.OwnerGroupId).Number("cuid", s.CreatorUserId).Number("cgid", s.CreatorGroupId)
                .Time("atime", s.LastAttachTime).Time("dtime", s.LastDetachTime).Time("ctime", s.ChangeTime)
                .Flag("dest", s.MarkedForRemoval).Flag("locked", s.Locked).Print(console, parse.GetValue(json));
            return CliExitCode.Success;
        }));
        return command;
    }

    private static Command Attach(CliConsole console)
    {
        Argument<int> id = CliParsers.IdArgument();
        Option<long> hold = CliParsers.HoldOption("Seconds to stay attached.", required: true);
        var readOnly = new Option<bool>("--readonly") { Description = "Attach read-only (SHM_RDONLY)." };
        var command = new Command("attach", "Attach and stay attached for --hold seconds; prints \"attached\" once it is.") { id, hold, readOnly };
        command.SetAction(CliApp.Handler(console, Noun, "attach", async (parse, cancellationToken) =>
        {
            long seconds = parse.GetValue(hold);
            SystemVSharedMemory segment = SystemVSharedMemory.FromId(parse.GetValue(id));
            using MappedRegion region = segment.Attach(parse.GetValue(readOnly));
            await console.Out.WriteLineAsync("attached").ConfigureAwait(false);
            await console.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(seconds), cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // SIGINT/SIGTERM: detach (the using above) and leave quietly.
            }

            return CliExitCode.Success;
        }));
        return command;
    }

    private static Command Remove(CliConsole console)
    {
        Argument<int> id = CliParsers.IdArgument();
        var command = new Command("rm", "Remove the segment (IPC_RMID); if attached, it goes when the last attachment does.") { id };
        command.SetAction(CliApp.Handler(console, Noun, "rm", parse =>
        {
            SystemVSharedMemory.Remove(parse.GetValue(id));
            return CliExitCode.Success;
        }));
        return command;
    }
}

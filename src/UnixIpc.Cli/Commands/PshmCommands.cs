using System.CommandLine;

namespace UnixIpc.Cli;

/// <summary><c>unixipc pshm</c>: POSIX shared memory objects (/dev/shm).</summary>
internal static class PshmCommands
{
    private const string Noun = "pshm";

    public static Command Build(CliConsole console)
    {
        var command = new Command(Noun, "POSIX shared memory objects (shm_open, /dev/shm).")
        {
            Create(console),
            Write(console),
            Read(console),
            Stat(console),
            Unlink(console),
        };
        return command;
    }

    private static Argument<string> NameArgument() => new("NAME") { Description = "Object name, e.g. /orders (the slash is optional)." };

    private static Command Create(CliConsole console)
    {
        Argument<string> name = NameArgument();
        Option<long> size = CliParsers.NumberOption("--size", "Size in bytes.", required: true, min: 0);
        Option<OctalMode> mode = CliParsers.ModeOption();
        var excl = new Option<bool>("--excl") { Description = "Fail with EEXIST if the object exists (O_EXCL)." };
        var command = new Command("create", "Create the object (or open it and grow it to --size) and print its name.") { name, size, mode, excl };
        command.SetAction(CliApp.Handler(console, Noun, "create", parse =>
        {
            var options = new PosixSharedMemoryOptions { Mode = parse.GetValue(mode).Value };
            string at = parse.GetRequiredValue(name);
            (PosixSharedMemory shm, bool created) = CreatedObject.CreateOrOpen(parse.GetValue(excl),
                () => PosixSharedMemory.CreateNew(at, parse.GetValue(size), options), () => PosixSharedMemory.CreateOrOpen(at, parse.GetValue(size), options));
            using (shm)
            {
                CreatedObject.Announce(console, shm.Name, created, () => PosixSharedMemory.TryUnlink(shm.Name));
            }

            return CliExitCode.Success;
        }));
        return command;
    }

    private static Command Write(CliConsole console)
    {
        Argument<string> name = NameArgument();
        Option<long> offset = CliParsers.NumberOption("--offset", "Byte offset to write at.", defaultValue: 0, min: 0);
        var data = new DataInput();
        var command = new Command("write", "Write data (--data, --hex or stdin) into the object at --offset.") { name, offset };
        data.AddTo(command);
        command.SetAction(CliApp.Handler(console, Noun, "write", parse =>
        {
            byte[] bytes = data.Read(parse, console);
            using PosixSharedMemory shm = PosixSharedMemory.OpenExisting(parse.GetRequiredValue(name));
            long at = parse.GetValue(offset);
            RegionIO.CheckFits(shm.Name, shm.Size, at, bytes.Length);
            if (bytes.Length > 0)
            {
                using MappedRegion region = shm.Map(MapAccess.ReadWrite, at, bytes.Length);
                region.Write(0, bytes);
            }

            return CliExitCode.Success;
        }));
        return command;
    }

    private static Command Read(CliConsole console)
    {
        Argument<string> name = NameArgument();
        Option<long> offset = CliParsers.NumberOption("--offset", "Byte offset to read from.", defaultValue: 0, min: 0);
        Option<long> length = CliParsers.NumberOption("--length", "Bytes to read (default: to the end).", defaultValue: -1, min: 0);
        var cstring = new Option<bool>("--cstring") { Description = "Stop at the first NUL byte and end with a newline." };
        var command = new Command("read", "Write the object's bytes to stdout (raw).") { name, offset, length, cstring };
        command.SetAction(CliApp.Handler(console, Noun, "read", parse =>
        {
            using PosixSharedMemory shm = PosixSharedMemory.OpenExisting(parse.GetRequiredValue(name), readOnly: true);
            byte[] bytes = RegionIO.ReadRange(shm.Name, shm.Size, parse.GetValue(offset), parse.GetValue(length),
                (at, count) =>
                {
                    using MappedRegion region = shm.Map(MapAccess.ReadOnly, at, count);
                    var buffer = new byte[count];
                    region.Read(0, buffer);
                    return buffer;
                });
            RegionIO.WriteOutput(console, bytes, parse.GetValue(cstring));
            return CliExitCode.Success;
        }));
        return command;
    }

    private static Command Stat(CliConsole console)
    {
        Argument<string> name = NameArgument();
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("stat", "Show name, size, mode, uid and gid.") { name, json };
        command.SetAction(CliApp.Handler(console, Noun, "stat", parse =>
        {
            using PosixSharedMemory shm = PosixSharedMemory.OpenExisting(parse.GetRequiredValue(name), readOnly: true);
            PosixSharedMemoryStatus info = shm.Stat();
            new StatFields().Text("name", info.Name).Number("size", info.Size).Mode("mode", info.Mode)
                .Number("uid", info.OwnerUserId).Number("gid", info.OwnerGroupId).Print(console, parse.GetValue(json));
            return CliExitCode.Success;
        }));
        return command;
    }

    private static Command Unlink(CliConsole console)
    {
        Argument<string> name = NameArgument();
        var command = new Command("unlink", "Remove the name (shm_unlink); open mappings keep working.") { name };
        command.SetAction(CliApp.Handler(console, Noun, "unlink", parse =>
        {
            PosixSharedMemory.Unlink(parse.GetRequiredValue(name));
            return CliExitCode.Success;
        }));
        return command;
    }
}

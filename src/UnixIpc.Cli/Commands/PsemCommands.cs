using System.CommandLine;
using System.Globalization;

namespace UnixIpc.Cli;

/// <summary><c>unixipc psem</c>: named POSIX semaphores.</summary>
internal static class PsemCommands
{
    private const string Noun = "psem";

    public static Command Build(CliConsole console) => new(Noun, "Named POSIX semaphores (sem_open, /dev/shm/sem.NAME).")
    {
        Create(console),
        Wait(console),
        Post(console),
        Value(console),
        Unlink(console),
    };

    private static Argument<string> NameArgument() => new("NAME") { Description = "Semaphore name, e.g. /mutex (the slash is optional; at most 251 bytes)." };

    private static Command Create(CliConsole console)
    {
        Argument<string> name = NameArgument();
        Option<long> value = CliParsers.NumberOption("--value", "Initial value (default 0).", defaultValue: 0);
        Option<OctalMode> mode = CliParsers.ModeOption();
        var excl = new Option<bool>("--excl") { Description = "Fail with EEXIST if it exists (O_EXCL)." };
        var command = new Command("create", "Create the semaphore (or open it, keeping its value) and print its name.") { name, value, mode, excl };
        command.SetAction(CliApp.Handler(console, Noun, "create", parse =>
        {
            long initial = parse.GetValue(value);
            if (initial is < 0 or > int.MaxValue)
            {
                return CliApp.Report(console, Noun, "create", Errno.EINVAL); // sem_open's answer above SEM_VALUE_MAX
            }

            var options = new PosixSemaphoreOptions { Mode = parse.GetValue(mode).Value };
            (PosixSemaphore semaphore, bool created) = CreatedObject.CreateOrOpen(parse.GetValue(excl),
                () => PosixSemaphore.CreateNew(parse.GetRequiredValue(name), (int)initial, options),
                () => PosixSemaphore.CreateOrOpen(parse.GetRequiredValue(name), (int)initial, options));
            using (semaphore)
            {
                CreatedObject.Announce(console, semaphore.Name!, created, () => PosixSemaphore.TryUnlink(semaphore.Name!));
            }

            return CliExitCode.Success;
        }));
        return command;
    }

    private static Command Wait(CliConsole console)
    {
        Argument<string> name = NameArgument();
        Option<long> timeout = CliParsers.TimeoutOption("Wait at most this many milliseconds (exit 3, ETIMEDOUT).");
        var nonblock = new Option<bool>("--nonblock") { Description = "Do not wait (sem_trywait; exit 3, EAGAIN)." };
        var command = new Command("wait", "Take one (sem_wait), waiting while the value is 0.") { name, timeout, nonblock };
        command.SetAction(CliApp.Handler(console, Noun, "wait", (parse, cancellationToken) =>
        {
            TimeSpan? wait = WaitOptions.Resolve(parse, timeout, nonblock);
            using PosixSemaphore semaphore = PosixSemaphore.OpenExisting(parse.GetRequiredValue(name));
            if (wait == TimeSpan.Zero && parse.GetValue(nonblock))
            {
                return Task.FromResult(semaphore.TryWait() ? CliExitCode.Success : CliApp.Report(console, Noun, "wait", Errno.EAGAIN));
            }

            if (wait is TimeSpan limit)
            {
                return Task.FromResult(semaphore.TryWait(limit) ? CliExitCode.Success : CliApp.Report(console, Noun, "wait", Errno.ETIMEDOUT));
            }

            semaphore.Wait(cancellationToken);
            return Task.FromResult(CliExitCode.Success);
        }));
        return command;
    }

    private static Command Post(CliConsole console)
    {
        Argument<string> name = NameArgument();
        var command = new Command("post", "Add one (sem_post).") { name };
        command.SetAction(CliApp.Handler(console, Noun, "post", parse =>
        {
            using PosixSemaphore semaphore = PosixSemaphore.OpenExisting(parse.GetRequiredValue(name));
            semaphore.Release();
            return CliExitCode.Success;
        }));
        return command;
    }

    private static Command Value(CliConsole console)
    {
        Argument<string> name = NameArgument();
        var command = new Command("value", "Print the value (as sem_getvalue; needs read permission only).") { name };
        command.SetAction(CliApp.Handler(console, Noun, "value", parse =>
        {
            console.Out.WriteLine(PosixSemaphore.ReadValue(parse.GetRequiredValue(name)).ToString(CultureInfo.InvariantCulture));
            return CliExitCode.Success;
        }));
        return command;
    }

    private static Command Unlink(CliConsole console)
    {
        Argument<string> name = NameArgument();
        var command = new Command("unlink", "Remove the name (sem_unlink); open handles keep working.") { name };
        command.SetAction(CliApp.Handler(console, Noun, "unlink", parse =>
        {
            PosixSemaphore.Unlink(parse.GetRequiredValue(name));
            return CliExitCode.Success;
        }));
        return command;
    }
}

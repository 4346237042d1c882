using System.CommandLine;
using System.Globalization;

namespace UnixIpc.Cli;

/// <summary><c>unixipc lock</c>: advisory file locks (fcntl record locks, OFD locks, flock).</summary>
internal static class LockCommands
{
    private const string Noun = "lock";

    public static Command Build(CliConsole console) => new(Noun, "Advisory file locks: fcntl record locks (POSIX or open-file-description) and flock.")
    {
        Set(console),
        Get(console),
    };

    private static Option<string> TypeOption(string defaultValue, params string[] allowed)
    {
        var option = new Option<string>("--type") { Description = $"{string.Join(", ", allowed)}.", DefaultValueFactory = _ => defaultValue };
        option.AcceptOnlyFromAmong(allowed);
        return option;
    }

    private static Command Set(CliConsole console)
    {
        var path = new Argument<string>("PATH") { Description = "The file (created if missing)." };
        Option<string> type = TypeOption("write", "read", "write", "unlock");
        Option<long> start = CliParsers.NumberOption("--start", "First byte (default 0).", defaultValue: 0, min: 0);
        Option<long> length = CliParsers.NumberOption("--length", "Bytes (default 0: to the end of the file and beyond).", defaultValue: 0, min: 0);
        var wait = new Option<bool>("--wait") { Description = "Wait for a conflicting lock to go (F_SETLKW)." };
        Option<long> timeout = CliParsers.TimeoutOption("Wait at most this many milliseconds (exit 3, ETIMEDOUT).");
        Option<long> hold = CliParsers.HoldOption("Once locked, print \"locked PID\" and hold the lock this many seconds.", defaultValue: -1);
        var ofd = new Option<bool>("--ofd") { Description = "Open-file-description lock (F_OFD_SETLK; the default)." };
        var posix = new Option<bool>("--posix") { Description = "Classic POSIX record lock, owned by the process (F_SETLK)." };
        var flock = new Option<bool>("--flock") { Description = "flock(2) whole-file lock." };
        var command = new Command("set", "Take (or release) a lock; without --hold the process ends, and the lock with it.") { path, type, start, length, wait, timeout, hold, ofd, posix, flock };
        command.SetAction(CliApp.Handler(console, Noun, "set", async (parse, cancellationToken) =>
        {
            FileLockKind kind = Kind(parse, ofd, posix, flock);
            string lockType = parse.GetValue(type)!;
            long first = parse.GetValue(start);
            long count = parse.GetValue(length);
            if (parse.GetValue(wait) && parse.GetResult(timeout) is { Implicit: false })
            {
                throw new UsageException("give --wait or --timeout, not both.");
            }

            using FileLock fileLock = OpenForLocking(parse.GetRequiredValue(path), kind, lockType);
            if (lockType == "unlock")
            {
                fileLock.Unlock(first, count);
                return CliExitCode.Success;
            }

            FileLockType t = lockType == "read" ? FileLockType.Read : FileLockType.Write;
            long ms = parse.GetValue(timeout);
            if (parse.GetValue(wait))
            {
                await fileLock.LockAsync(t, first, count, cancellationToken).ConfigureAwait(false);
            }
            else if (ms >= 0 ? !fileLock.TryLock(t, first, count, TimeSpan.FromMilliseconds(ms)) : !fileLock.TryLock(t, first, count))
            {
                return CliApp.Report(console, Noun, "set", ms >= 0 ? Errno.ETIMEDOUT : Errno.EAGAIN);
            }

            long seconds = parse.GetValue(hold);
            if (seconds >= 0)
            {
                await console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"locked {Environment.ProcessId}")).ConfigureAwait(false);
                await console.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(seconds), cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // SIGINT/SIGTERM: release and leave.
                }
            }

            return CliExitCode.Success;
        }));
        return command;
    }

    private static Command Get(CliConsole console)
    {
        var path = new Argument<string>("PATH") { Description = "The file." };
        Option<string> type = TypeOption("write", "read", "write");
        Option<long> start = CliParsers.NumberOption("--start", "First byte (default 0).", defaultValue: 0, min: 0);
        Option<long> length = CliParsers.NumberOption("--length", "Bytes (default 0: to the end and beyond).", defaultValue: 0, min: 0);
        var ofd = new Option<bool>("--ofd") { Description = "Ask as an open file description (F_OFD_GETLK)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("get", "Who holds a lock that conflicts with the one described (F_GETLK; pid -1 for OFD holders).") { path, type, start, length, ofd, json };
        command.SetAction(CliApp.Handler(console, Noun, "get", parse =>
        {
            using FileLock probe = FileLock.Open(parse.GetRequiredValue(path), parse.GetValue(ofd) ? FileLockKind.OpenFileDescription : FileLockKind.Process, readOnly: true);
            FileLockConflict? conflict = probe.GetConflict(parse.GetValue(type) == "read" ? FileLockType.Read : FileLockType.Write, parse.GetValue(start), parse.GetValue(length));
            if (parse.GetValue(json))
            {
                JsonOutput.WriteObject(console, w =>
                {
                    w.WriteBoolean("locked", conflict is not null);
                    if (conflict is not null)
                    {
                        w.WriteString("type", conflict.Type == FileLockType.Write ? "write" : "read");
                        w.WriteNumber("start", conflict.Start);
                        w.WriteNumber("length", conflict.Length);
                        w.WriteNumber("pid", conflict.ProcessId);
                    }
                });
            }
            else
            {
                console.Out.WriteLine(conflict is null
                    ? "unlocked"
                    : string.Create(CultureInfo.InvariantCulture, $"{(conflict.Type == FileLockType.Write ? "write" : "read")} start {conflict.Start} length {conflict.Length} pid {conflict.ProcessId}"));
            }

            return CliExitCode.Success;
        }));
        return command;
    }

    // Least privilege: only a write lock needs a descriptor open for writing. A read lock and an unlock work on a
    // read-only one, so a user who may only read the file can take them. An exclusive flock works read-only on a local
    // file system but not on NFS (emulated there with a whole-file fcntl lock, which needs write access): it opens for
    // writing first and falls back to read-only only when writing is not allowed. The file is created (which needs a
    // writable open) only when it is missing.
    private static FileLock OpenForLocking(string path, FileLockKind kind, string lockType)
    {
        if (lockType == "write" && kind != FileLockKind.WholeFile)
        {
            return FileLock.Open(path, kind);
        }

        if (lockType == "write")
        {
            try
            {
                return FileLock.Open(path, kind);
            }
            catch (UnixIpcException e) when (e.Error is Errno.EACCES or Errno.EROFS)
            {
                return FileLock.Open(path, kind, readOnly: true);
            }
        }

        try
        {
            return FileLock.Open(path, kind, readOnly: true);
        }
        catch (UnixIpcException e) when (e.Error == Errno.ENOENT)
        {
            return FileLock.Open(path, kind);
        }
    }

    private static FileLockKind Kind(ParseResult parse, Option<bool> ofd, Option<bool> posix, Option<bool> flock)
    {
        int given = (parse.GetValue(ofd) ? 1 : 0) + (parse.GetValue(posix) ? 1 : 0) + (parse.GetValue(flock) ? 1 : 0);
        if (given > 1)
        {
            throw new UsageException("choose one of --ofd, --posix and --flock.");
        }

        return parse.GetValue(posix) ? FileLockKind.Process : parse.GetValue(flock) ? FileLockKind.WholeFile : FileLockKind.OpenFileDescription;
    }
}

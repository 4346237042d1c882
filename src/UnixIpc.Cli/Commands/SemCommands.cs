using System.CommandLine;
using System.Globalization;

namespace UnixIpc.Cli;

/// <summary><c>unixipc sem</c>: System V semaphore sets (semget, ipcs -s).</summary>
internal static class SemCommands
{
    private const string Noun = "sem";

    public static Command Build(CliConsole console) => new(Noun, "System V semaphore sets (semget; atomic semop, SEM_UNDO, ipcs -s).")
    {
        Get(console),
        Operate(console),
        Value(console),
        Values(console),
        Stat(console),
        Remove(console),
    };

    private static Command Get(CliConsole console)
    {
        var key = new KeySelector();
        Option<long> count = CliParsers.NumberOption("--count", "Semaphores in the set (needed to create; when opening, the minimum).", defaultValue: 0, min: 0, max: int.MaxValue);
        var create = new Option<bool>("--create") { Description = "Create the set if there is none (IPC_CREAT; values start at 0)." };
        var excl = new Option<bool>("--excl") { Description = "With --create: fail with EEXIST if it exists (IPC_EXCL)." };
        Option<OctalMode> mode = CliParsers.ModeOption();
        var command = new Command("get", "Find or create a set and print its id.") { count, create, excl, mode };
        key.AddTo(command);
        command.SetAction(CliApp.Handler(console, Noun, "get", parse =>
        {
            IpcKey k = key.Resolve(parse);
            bool creating = parse.GetValue(create) || k.IsPrivate;
            long n = parse.GetValue(count);
            if (parse.GetValue(excl) && !creating)
            {
                throw new UsageException("--excl only makes sense with --create.");
            }

            if (n < 0 || n > int.MaxValue || (creating && n < 1))
            {
                throw new UsageException("creating a set needs --count of at least 1.");
            }

            (SystemVSemaphoreSet set, bool created) = !creating
                ? (SystemVSemaphoreSet.OpenExisting(k, (int)n), false)
                : CreatedObject.CreateOrOpen(parse.GetValue(excl) || k.IsPrivate,
                    () => SystemVSemaphoreSet.CreateNew(k, (int)n, parse.GetValue(mode).Value),
                    () => SystemVSemaphoreSet.CreateOrOpen(k, (int)n, parse.GetValue(mode).Value));
            CreatedObject.Announce(console, set.Id.ToString(CultureInfo.InvariantCulture), created, () => SystemVSemaphoreSet.TryRemove(set.Id));
            return CliExitCode.Success;
        }));
        return command;
    }

    private static Command Operate(CliConsole console)
    {
        Argument<int> id = CliParsers.IdArgument();
        var ops = new Argument<string>("OPS") { Description = "index:delta pairs applied atomically, e.g. \"0:-1,1:+1,2:0\" (0 waits for zero)." };
        var nowait = new Option<bool>("--nowait") { Description = "Fail instead of waiting (IPC_NOWAIT; exit 3, EAGAIN)." };
        var undo = new Option<bool>("--undo") { Description = "SEM_UNDO on every operation: reverted when this process exits." };
        Option<long> timeout = CliParsers.TimeoutOption("Wait at most this many milliseconds (semtimedop; exit 3, EAGAIN).");
        var command = new Command("op", "Apply operations in one atomic semop.") { id, ops, nowait, undo, timeout };
        command.SetAction(CliApp.Handler(console, Noun, "op", (parse, cancellationToken) =>
        {
            SemaphoreOperation[] operations = ParseOperations(parse.GetRequiredValue(ops), parse.GetValue(undo));
            TimeSpan? wait = WaitOptions.Resolve(parse, timeout, nowait);
            SystemVSemaphoreSet set = SystemVSemaphoreSet.FromId(parse.GetValue(id));
            if (operations.Any(o => o.Index >= set.Count))
            {
                return Task.FromResult(CliApp.Report(console, Noun, "op", Errno.EFBIG)); // semop's answer to sem_num >= nsems
            }

            bool applied = true;
            if (wait == TimeSpan.Zero)
            {
                applied = set.TryApply(operations);
            }
            else if (wait is TimeSpan limit)
            {
                applied = set.TryApply(operations, limit);
            }
            else
            {
                set.Apply(operations, cancellationToken);
            }

            // semop and semtimedop both say EAGAIN when they would block or ran out of time.
            return Task.FromResult(applied ? CliExitCode.Success : CliApp.Report(console, Noun, "op", Errno.EAGAIN));
        }));
        return command;
    }

    private static Command Value(CliConsole console)
    {
        Argument<int> id = CliParsers.IdArgument();
        Argument<int> index = CliParsers.IndexArgument("INDEX", "Which semaphore (0-based).");
        Option<long> set = CliParsers.NumberOption("--set", "Set the value (SETVAL) instead of printing it.", defaultValue: -1, min: 0, max: int.MaxValue);
        var command = new Command("value", "Print (GETVAL) or set (SETVAL) one semaphore's value.") { id, index, set };
        command.SetAction(CliApp.Handler(console, Noun, "value", parse =>
        {
            SystemVSemaphoreSet semaphores = SystemVSemaphoreSet.FromId(parse.GetValue(id));
            int i = parse.GetValue(index);
            if (i < 0 || i >= semaphores.Count)
            {
                return CliApp.Report(console, Noun, "value", Errno.EINVAL);
            }

            if (parse.GetResult(set) is { Implicit: false })
            {
                long v = parse.GetValue(set);
                if (v is < 0 or > SystemVSemaphoreSet.MaxValue)
                {
                    return CliApp.Report(console, Noun, "value", Errno.ERANGE); // semctl's answer
                }

                semaphores.SetValue(i, (int)v);
            }
            else
            {
                console.Out.WriteLine(semaphores.GetValue(i).ToString(CultureInfo.InvariantCulture));
            }

            return CliExitCode.Success;
        }));
        return command;
    }

    private static Command Values(CliConsole console)
    {
        Argument<int> id = CliParsers.IdArgument();
        var set = new Option<string>("--set") { Description = "Set every value (SETALL), e.g. 1,0,5.", HelpName = "V1,V2,..." };
        var command = new Command("values", "Print (GETALL, space-separated) or set (SETALL) every value.") { id, set };
        command.SetAction(CliApp.Handler(console, Noun, "values", parse =>
        {
            string? values = parse.GetValue(set);
            int[]? parsed = values?.Split(',').Select(v => CliParsers.TryParseNumber(v, out long n) && n is >= int.MinValue and <= int.MaxValue ? (int)n : throw new UsageException($"--set: '{v}' is not a number.")).ToArray();
            SystemVSemaphoreSet semaphores = SystemVSemaphoreSet.FromId(parse.GetValue(id));
            if (parsed is null)
            {
                console.Out.WriteLine(string.Join(' ', semaphores.GetValues()));
                return CliExitCode.Success;
            }

            if (parsed.Length != semaphores.Count)
            {
                throw new UsageException($"--set needs {semaphores.Count} values, one per semaphore; {parsed.Length} were given.");
            }

            if (parsed.Any(v => v is < 0 or > SystemVSemaphoreSet.MaxValue))
            {
                return CliApp.Report(console, Noun, "values", Errno.ERANGE);
            }

            semaphores.SetValues(parsed);
            return CliExitCode.Success;
        }));
        return command;
    }

    private static Command Stat(CliConsole console)
    {
        Argument<int> id = CliParsers.IdArgument();
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("stat", "Show the set (IPC_STAT) and each semaphore's value, waiters and last pid.") { id, json };
        command.SetAction(CliApp.Handler(console, Noun, "stat", parse =>
        {
            SystemVSemaphoreSet set = SystemVSemaphoreSet.FromId(parse.GetValue(id));
            SystemVSemaphoreSetStatus s = set.Stat();
            int[] values = set.GetValues();
            object[][] each = [.. Enumerable.Range(0, s.Count).Select(i => new object[] { (long)i, (long)values[i], (long)set.GetWaitingForIncrease(i), (long)set.GetWaitingForZero(i), (long)set.GetLastProcessId(i) })];
            new StatFields().Text("key", s.Key.ToString()).Number("id", s.Id).Number("nsems", s.Count).Mode("mode", s.Mode)
                .Number("uid", s.OwnerUserId).Number("gid", s.OwnerGroupId).Number("cuid", s.CreatorUserId).Number("cgid", s.CreatorGroupId)
                .Time("otime", s.LastOperationTime).Time("ctime", s.ChangeTime)
                .Table("semaphores", ["semnum", "value", "ncnt", "zcnt", "pid"], each).Print(console, parse.GetValue(json));
            return CliExitCode.Success;
        }));
        return command;
    }

    private static Command Remove(CliConsole console)
    {
        Argument<int> id = CliParsers.IdArgument();
        var command = new Command("rm", "Remove the set (IPC_RMID); blocked callers get EIDRM.") { id };
        command.SetAction(CliApp.Handler(console, Noun, "rm", parse =>
        {
            SystemVSemaphoreSet.Remove(parse.GetValue(id));
            return CliExitCode.Success;
        }));
        return command;
    }

    /// <summary>"0:-1,1:+1,2:0" → operations; every one gets SEM_UNDO when <paramref name="undo"/>.</summary>
    internal static SemaphoreOperation[] ParseOperations(string text, bool undo)
    {
        var operations = new List<SemaphoreOperation>();
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            string[] pieces = part.Split(':');
            if (pieces.Length != 2
                || !int.TryParse(pieces[0], NumberStyles.None, CultureInfo.InvariantCulture, out int index)
                || !int.TryParse(pieces[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int delta))
            {
                throw new UsageException($"'{part}' is not index:delta (e.g. 0:-1, 1:+1, 2:0).");
            }

            operations.Add(new SemaphoreOperation(index, delta, undo));
        }

        return operations.Count > 0 ? [.. operations] : throw new UsageException("OPS is empty: give at least one index:delta.");
    }
}

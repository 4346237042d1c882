using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace UnixIpc;

public sealed partial class ChildProcess
{
    // posix_spawn with file actions: safe in a multi-threaded runtime (no managed code runs between fork and exec),
    // and glibc reports a failed exec to the parent.
    private static unsafe ChildProcess Spawn(ChildProcessOptions options)
    {
        Validate(options);
        IDictionary<string, string> environment = options.Environment ?? CurrentEnvironment();
        string path = ResolveProgram(options.Program, environment);
        var bindings = new List<(int Target, SafeHandle Source)>();
        var ours = new Dictionary<int, PipeEndStream>();
        var childEnds = new List<IDisposable>(); // closed here once the child has its copies
        var referenced = new List<SafeHandle>();
        byte* memory = null;
        try
        {
            foreach ((int target, ChildDescriptor descriptor) in WithStandardStreams(options.Descriptors))
            {
                switch (descriptor.Kind)
                {
                    case ChildDescriptorKind.Inherit:
                        if (Interop.FcntlInt(SafeFdHandle.Borrow(target), Interop.F_GETFD, 0) != -1)
                        {
                            bindings.Add((target, SafeFdHandle.Borrow(target)));
                        }

                        break; // closed here: closed in the child too
                    case ChildDescriptorKind.Null:
                        var devNull = new FileStream("/dev/null", FileMode.Open, FileAccess.ReadWrite);
                        childEnds.Add(devNull);
                        bindings.Add((target, devNull.SafeFileHandle));
                        break;
                    case ChildDescriptorKind.Pipe:
                        Pipe pipe = Pipe.Create();
                        (PipeEndStream mine, PipeEndStream theirs) = target == 0 ? (pipe.Writer, pipe.Reader) : (pipe.Reader, pipe.Writer);
                        ours[target] = mine;
                        childEnds.Add(theirs);
                        bindings.Add((target, theirs.SafeFileHandle));
                        break;
                    default:
                        if (descriptor.PipeEndStream is { } end)
                        {
                            (SafeFileHandle forChild, bool owned) = end.DescriptionForChild();
                            if (owned)
                            {
                                childEnds.Add(forChild);
                            }

                            bindings.Add((target, forChild));
                        }
                        else
                        {
                            bindings.Add((target, descriptor.Handle!));
                        }

                        break;
                }
            }

            foreach ((_, SafeHandle source) in bindings)
            {
                bool added = false;
                source.DangerousAddRef(ref added);
                referenced.Add(source);
            }

            memory = (byte*)NativeMemory.AllocZeroed((nuint)(2 * Interop.SpawnObjectBytes + 2 * Interop.SigSetBytes));
            void* actions = memory;
            void* attributes = memory + Interop.SpawnObjectBytes;
            byte* allSignals = memory + (2 * Interop.SpawnObjectBytes);
            byte* noSignals = allSignals + Interop.SigSetBytes; // the child's mask
            CheckSpawnSetup(Interop.PosixSpawnFileActionsInit(actions), "posix_spawn_file_actions_init");
            CheckSpawnSetup(Interop.PosixSpawnAttrInit(attributes), "posix_spawnattr_init");
            try
            {
                AddFileActions(actions, bindings, options.WorkingDirectory);

                // The runtime ignores SIGPIPE and handles others; a child starts with every signal at its default, and none blocked
                // but those asked for.
                _ = Interop.SigFillSet(allSignals);
                _ = Interop.SigEmptySet(noSignals);
                foreach (UnixSignal blocked in options.BlockedSignals)
                {
                    _ = Interop.SigAddSet(noSignals, blocked.Number);
                }

                CheckSpawnSetup(Interop.PosixSpawnAttrSetSigDefault(attributes, allSignals), "posix_spawnattr_setsigdefault");
                CheckSpawnSetup(Interop.PosixSpawnAttrSetSigMask(attributes, noSignals), "posix_spawnattr_setsigmask");
                CheckSpawnSetup(Interop.PosixSpawnAttrSetFlags(attributes, Interop.POSIX_SPAWN_SETSIGDEF | Interop.POSIX_SPAWN_SETSIGMASK), "posix_spawnattr_setflags");

                string[] argv = [options.ArgumentZero ?? options.Program, .. options.Arguments];
                string[] envp = [.. environment.Select(pair => $"{pair.Key}={pair.Value}")];
                int pid;
                int error = SpawnWithStrings(&pid, path, actions, attributes, argv, envp);
                if (error != 0)
                {
                    throw new UnixIpcException((Errno)error, "posix_spawn", options.Program, $"\"{path}\", …", SpawnHint((Errno)error, path));
                }

                return Watch(pid, ours, options.ToString());
            }
            finally
            {
                _ = Interop.PosixSpawnFileActionsDestroy(actions);
                _ = Interop.PosixSpawnAttrDestroy(attributes);
            }
        }
        catch
        {
            foreach (PipeEndStream end in ours.Values)
            {
                end.Dispose();
            }

            throw;
        }
        finally
        {
            NativeMemory.Free(memory);
            foreach (SafeHandle handle in referenced)
            {
                handle.DangerousRelease();
            }

            foreach (IDisposable end in childEnds)
            {
                end.Dispose();
            }
        }
    }

    // Each source is first duplicated above every number in play, then onto its target, so a source that is also
    // another binding's target is never overwritten before it is used. Unbound numbers below the highest target are
    // closed (glibc ignores EBADF there), and everything above it with closefrom.
    private static unsafe void AddFileActions(void* actions, List<(int Target, SafeHandle Source)> bindings, string? directory)
    {
        int highest = bindings.Count == 0 ? 2 : Math.Max(2, bindings.Max(b => b.Target));
        int scratch = Math.Max(highest, bindings.Count == 0 ? 0 : bindings.Max(b => (int)b.Source.DangerousGetHandle())) + 1;
        for (int i = 0; i < bindings.Count; i++)
        {
            Check(Interop.PosixSpawnFileActionsAddDup2(actions, (int)bindings[i].Source.DangerousGetHandle(), scratch + i), "posix_spawn_file_actions_adddup2");
        }

        for (int target = 0; target <= highest; target++)
        {
            int index = bindings.FindIndex(b => b.Target == target);
            if (index >= 0)
            {
                Check(Interop.PosixSpawnFileActionsAddDup2(actions, scratch + index, target), "posix_spawn_file_actions_adddup2");
            }
            else
            {
                Check(Interop.PosixSpawnFileActionsAddClose(actions, target), "posix_spawn_file_actions_addclose");
            }
        }

        Check(Interop.PosixSpawnFileActionsAddCloseFrom(actions, highest + 1), "posix_spawn_file_actions_addclosefrom_np");
        if (directory is not null)
        {
            Check(Interop.PosixSpawnFileActionsAddChdir(actions, directory), "posix_spawn_file_actions_addchdir_np");
        }

        static void Check(int error, string operation) => CheckSpawnSetup(error, operation);
    }

    // The posix_spawn_* set-up calls return an error number (ENOMEM, EBADF for a descriptor out of range) instead of setting errno.
    private static void CheckSpawnSetup(int error, string operation)
    {
        if (error != 0)
        {
            throw new UnixIpcException((Errno)error, operation);
        }
    }

    private static unsafe int SpawnWithStrings(int* pid, string path, void* actions, void* attributes, string[] argv, string[] envp)
    {
        nint[] argvBlocks = ToNative(argv);
        nint[] envpBlocks = ToNative(envp);
        try
        {
            fixed (nint* argvPointers = argvBlocks)
            fixed (nint* envpPointers = envpBlocks)
            {
                return Interop.PosixSpawn(pid, path, actions, attributes, (byte**)argvPointers, (byte**)envpPointers);
            }
        }
        finally
        {
            foreach (nint block in argvBlocks.Concat(envpBlocks))
            {
                NativeMemory.Free((void*)block);
            }
        }
    }

    // NUL-terminated UTF-8 copies, followed by the terminating null pointer.
    private static unsafe nint[] ToNative(string[] strings)
    {
        var blocks = new nint[strings.Length + 1];
        for (int i = 0; i < strings.Length; i++)
        {
            int length = Encoding.UTF8.GetByteCount(strings[i]);
            byte* block = (byte*)NativeMemory.Alloc((nuint)length + 1);
            Encoding.UTF8.GetBytes(strings[i], new Span<byte>(block, length));
            block[length] = 0;
            blocks[i] = (nint)block;
        }

        return blocks;
    }

    // Right after the spawn, before anything could reap it: a pidfd names this child and no other, ever.
    private static ChildProcess Watch(int pid, Dictionary<int, PipeEndStream> pipes, string description)
    {
        SafeFdHandle pidfd = SafeFdHandle.Own(Interop.PidfdOpen(pid));
        if (pidfd.IsInvalid)
        {
            Errno error = Interop.LastErrno;
            Interop.Kill(pid, 9);                     // not reaped yet, so the pid is still this child's
            Interop.WaitPid(pid);
            throw Interop.Fail(error, "pidfd_open", description, $"{pid}, 0");
        }

        var child = new ChildProcess(pid, pidfd, pipes, description);
        _ = child.ReapAsync();
        return child;
    }

    // Waits on the reactor for the pidfd to become readable (the child exited), then reaps it with waitid(P_PIDFD).
    private async Task ReapAsync()
    {
        bool added = false;
        _pidfd.DangerousAddRef(ref added);
        int fd = _pidfd.Fd;
        try
        {
            while (true)
            {
                if (TryReap(out ChildExitStatus status))
                {
                    _exited.TrySetResult(status);
                    return;
                }

                await EpollReactor.Shared.WaitAsync(fd, Readiness.Read, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            _exited.TrySetException(e);
        }
        finally
        {
            EpollReactor.Shared.Forget(fd);
            _pidfd.DangerousRelease();
        }
    }

    private unsafe bool TryReap(out ChildExitStatus status)
    {
        Interop.siginfo_t info = default;
        while (Interop.WaitId(Interop.P_PIDFD_TYPE, _pidfd, &info, Interop.WEXITED | Interop.WNOHANG) == -1)
        {
            Errno error = Interop.LastErrno;
            if (error != Errno.EINTR)
            {
                throw new UnixIpcException(error, "waitid", Description, $"P_PIDFD, pidfd of {ProcessId}, WEXITED|WNOHANG",
                    error == Errno.ECHILD ? "Something else in this process reaped the child (a waitpid(-1) or SIGCHLD set to SIG_IGN); its status is lost." : null);
            }
        }

        if (info.si_pid == 0)
        {
            status = default;
            return false; // still running
        }

        status = info.si_code == Interop.CLD_EXITED
            ? ChildExitStatus.Exited(info.si_status)
            : ChildExitStatus.Killed(info.si_status, info.si_code == Interop.CLD_DUMPED);
        return true;
    }

    private static void Validate(ChildProcessOptions options)
    {
        foreach ((int number, ChildDescriptor descriptor) in options.Descriptors)
        {
            if (number is < 0 or > 1023)
            {
                throw new ArgumentOutOfRangeException(nameof(options), number, "Child descriptor numbers run from 0 to 1023.");
            }

            if (descriptor.Kind == ChildDescriptorKind.Inherit && number > 2)
            {
                throw new ArgumentException($"Descriptor {number}: Inherit is for 0, 1 and 2; pass this process's handle with ChildDescriptor.From instead.", nameof(options));
            }

            ObjectDisposedException.ThrowIf(descriptor.Handle is { IsClosed: true }, descriptor);
        }

        foreach (string text in options.Arguments.Append(options.Program).Concat(options.Environment?.SelectMany(p => new[] { p.Key, p.Value }) ?? []))
        {
            if (text is null || text.Contains('\0', StringComparison.Ordinal))
            {
                throw new ArgumentException("Arguments, environment names and values cannot be null or contain NUL characters (C strings end there).", nameof(options));
            }
        }

        if (options.Environment?.Keys.FirstOrDefault(k => k.Length == 0 || k.Contains('=', StringComparison.Ordinal)) is { } badName)
        {
            throw new ArgumentException($"Environment variable name \"{badName}\" is empty or contains '='.", nameof(options));
        }

        if (options.WorkingDirectory is { } directory && !Directory.Exists(directory))
        {
            throw new UnixIpcException(Errno.ENOENT, "posix_spawn_file_actions_addchdir_np", directory, $"\"{directory}\"", $"The working directory {directory} does not exist.");
        }
    }

    private static SortedDictionary<int, ChildDescriptor> WithStandardStreams(IDictionary<int, ChildDescriptor> descriptors)
    {
        var all = new SortedDictionary<int, ChildDescriptor>(descriptors);
        for (int standard = 0; standard <= 2; standard++)
        {
            all.TryAdd(standard, ChildDescriptor.Inherit);
        }

        return all;
    }

    private static Dictionary<string, string> CurrentEnvironment()
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry entry in System.Environment.GetEnvironmentVariables())
        {
            environment[(string)entry.Key] = (string?)entry.Value ?? string.Empty;
        }

        return environment;
    }

    // A name without a slash is looked up in the child's PATH, as execvp would; a missing program is ENOENT here.
    private static string ResolveProgram(string program, IDictionary<string, string> environment)
    {
        if (program.Contains('/', StringComparison.Ordinal))
        {
            return program;
        }

        string searchPath = environment.TryGetValue("PATH", out string? value) ? value : "/usr/local/bin:/usr/bin:/bin";
        string? notExecutable = null;
        foreach (string directory in searchPath.Split(':'))
        {
            string candidate = Path.Combine(directory.Length == 0 ? "." : directory, program);
            if (File.Exists(candidate))
            {
                if ((File.GetUnixFileMode(candidate) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0)
                {
                    return candidate;
                }

                notExecutable ??= candidate;
            }
        }

        return notExecutable ?? throw new UnixIpcException(Errno.ENOENT, "posix_spawn", program, $"\"{program}\", …",
            $"No program {program} in any directory of PATH ({searchPath}): check the name, or give its full path.");
    }

    private static string? SpawnHint(Errno error, string path) => error switch
    {
        Errno.ENOENT => $"{path} does not exist (or its interpreter, named on its #! line, does not).",
        Errno.EACCES => $"{path} is not executable by this user (chmod +x), or a directory on the way is not searchable.",
        Errno.ENOEXEC => $"{path} is not in a format the kernel can run (no #! line and not an ELF binary).",
        Errno.E2BIG => "The arguments and environment together are too long.",
        _ => null,
    };
}

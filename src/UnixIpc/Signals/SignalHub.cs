using System.Globalization;
using System.Runtime.InteropServices;

namespace UnixIpc;

/// <summary>
/// The process's signal sources, shared by every listener: one signalfd for all the signals that are blocked in every
/// thread (read on the reactor, so pending signals come out in the kernel's order: lowest number first, real-time
/// ones in the order sent), and a runtime handler for each of the others. Each delivery is copied to every listener
/// of its signal.
/// </summary>
/// <remarks>
/// A listener that is the only one of its signals (all on the signalfd path) may take them itself, on the thread that
/// waits in <see cref="SignalListener.Receive"/>: sigtimedwait, as a C program would, with no thread between the kernel
/// and the caller. Its signals then leave the signalfd's mask (<c>s_direct</c>), so the reactor never reads them, and
/// stay out after the call returns (a loop of receives changes the mask once); they go back when another listener of
/// one of them comes, when a receive of that listener waits on its channel (async, or a second thread), or when it is
/// disposed. A thread taking signals delivers each record like the reactor does, to every listener of the signal.
/// </remarks>
internal static class SignalHub
{
    private static readonly Lock s_lock = new();
    private static readonly Dictionary<int, List<SignalListener>> s_listeners = [];
    private static readonly Dictionary<int, PosixSignalRegistration> s_handlers = [];
    private static readonly HashSet<int> s_fdSignals = [];
    private static readonly Dictionary<int, SignalListener> s_direct = [];
    private static SafeFdHandle? s_fd;
    private static bool s_maskEmpty;
    private static TaskCompletionSource? s_readerParked; // the signalfd's reader waits here while its mask is empty
    private static CancellationTokenSource s_readerWait = new(); // ends the reader's epoll wait when the mask empties

    /// <summary>Subscribes <paramref name="listener"/>; true if every signal comes with full information. All or nothing.</summary>
    public static bool Subscribe(SignalListener listener, UnixSignal[] signals)
    {
        lock (s_lock)
        {
            foreach (UnixSignal signal in signals)
            {
                if (s_direct.TryGetValue(signal.Number, out SignalListener? owner) && !owner.DirectWaiting)
                {
                    ReleaseDirect(owner); // its signals go back to the signalfd; a waiting owner does it when its call returns
                }
            }

            // First what can fail (a handler registration, the signalfd); the tables change only once all of it worked.
            var newHandlers = new Dictionary<int, PosixSignalRegistration>();
            var newFdSignals = new List<int>();
            try
            {
                foreach (UnixSignal signal in signals)
                {
                    if (s_listeners.ContainsKey(signal.Number))
                    {
                        continue;
                    }

                    if (BlockedInEveryThread(signal.Number))
                    {
                        newFdSignals.Add(signal.Number);
                    }
                    else
                    {
                        newHandlers.Add(signal.Number, Handler(signal));
                    }
                }

                if (newFdSignals.Count > 0)
                {
                    UpdateSignalFd(Unowned([.. s_fdSignals, .. newFdSignals]), signals[0]);
                }
            }
            catch
            {
                foreach (PosixSignalRegistration registration in newHandlers.Values)
                {
                    registration.Dispose();
                }

                throw;
            }

            s_fdSignals.UnionWith(newFdSignals);
            foreach ((int number, PosixSignalRegistration registration) in newHandlers)
            {
                s_handlers.Add(number, registration);
            }

            bool full = true;
            foreach (UnixSignal signal in signals)
            {
                if (!s_listeners.TryGetValue(signal.Number, out List<SignalListener>? listeners))
                {
                    s_listeners.Add(signal.Number, listeners = []);
                }

                listeners.Add(listener); // before the first read of a new signalfd mask is delivered: nothing pending is lost
                full &= s_fdSignals.Contains(signal.Number);
            }

            return full;
        }
    }

    public static void Unsubscribe(SignalListener listener, UnixSignal[] signals)
    {
        lock (s_lock)
        {
            bool maskChanged = listener.DirectOwned;
            if (listener.DirectOwned)
            {
                listener.DirectOwned = false;
                foreach (UnixSignal signal in signals)
                {
                    s_direct.Remove(signal.Number);
                }
            }

            foreach (UnixSignal signal in signals)
            {
                if (s_listeners.TryGetValue(signal.Number, out List<SignalListener>? listeners) && listeners.Remove(listener) && listeners.Count == 0)
                {
                    s_listeners.Remove(signal.Number);
                    maskChanged |= s_fdSignals.Remove(signal.Number);
                    if (s_handlers.Remove(signal.Number, out PosixSignalRegistration? registration))
                    {
                        registration.Dispose();
                    }
                }
            }

            if (maskChanged)
            {
                UpdateSignalFd(Unowned(s_fdSignals), signals[0]); // the signal stays blocked (the mask is the process's): it stays pending
            }
        }
    }

    /// <summary>
    /// Lets the calling thread take <paramref name="listener"/>'s signals itself (<see cref="TakeDirect"/>, then
    /// <see cref="EndDirect"/>): true if it is the only listener of each, each is on the signalfd path, and no other
    /// receive of it is waiting. Records the reactor read before are in the listener's channel by the time this returns.
    /// </summary>
    public static bool BeginDirect(SignalListener listener)
    {
        lock (s_lock)
        {
            if (listener.DirectWaiting || listener.ChannelWaiters > 0 || !IsOnlyListenerOnTheSignalFd(listener))
            {
                return false;
            }

            if (!listener.DirectOwned)
            {
                foreach (UnixSignal signal in listener.Signals)
                {
                    s_direct[signal.Number] = listener;
                }

                listener.DirectOwned = true;
                try
                {
                    UpdateSignalFd(Unowned(s_fdSignals), listener.Signals[0]);
                }
                catch
                {
                    ReleaseDirect(listener);
                    throw;
                }
            }

            listener.DirectWaiting = true;
            return true;
        }
    }

    /// <summary>The thread has stopped taking: the signals stay its listener's unless someone else now wants them.</summary>
    public static void EndDirect(SignalListener listener)
    {
        lock (s_lock)
        {
            listener.DirectWaiting = false;
            if (listener.DirectOwned && (listener.ChannelWaiters > 0 || !IsOnlyListenerOnTheSignalFd(listener)))
            {
                ReleaseDirect(listener);
            }
        }
    }

    /// <summary>A receive of <paramref name="listener"/> starts (+1) or stops (-1) waiting on its channel: while one does, the reactor reads its signals.</summary>
    public static void WaitingOnChannel(SignalListener listener, int change)
    {
        lock (s_lock)
        {
            listener.ChannelWaiters += change;
            if (change > 0 && listener.DirectOwned && !listener.DirectWaiting)
            {
                ReleaseDirect(listener); // a waiting taker delivers to the channel meanwhile, and releases when it returns
            }
        }
    }

    /// <summary>
    /// Takes one signal of <paramref name="listener"/>'s on the calling thread (between <see cref="BeginDirect"/> and
    /// <see cref="EndDirect"/>), delivering it to every listener of it: false when <paramref name="timeout"/> ran out.
    /// A signal of the interrupter's (cancellation, disposal) ends the wait early with true and nothing delivered.
    /// </summary>
    public static unsafe bool TakeDirect(SignalListener listener, TimeSpan timeout)
    {
        byte* set = stackalloc byte[Interop.SigSetBytes];
        _ = Interop.SigEmptySet(set);
        foreach (UnixSignal signal in listener.Signals)
        {
            _ = Interop.SigAddSet(set, signal.Number);
        }

        Interop.siginfo_t info;
        Interop.timespec limit = Interop.timespec.Relative(timeout);
        int number = Interop.SigTimedWait(set, &info, timeout == Timeout.InfiniteTimeSpan ? null : &limit);
        if (number == -1)
        {
            Errno error = Interop.LastErrno;
            return error == Errno.EINTR || (error == Errno.EAGAIN ? false : throw Interop.Fail(error, "sigtimedwait", listener.Signals[0].Name, "set, &info, timeout"));
        }

        var record = new Interop.signalfd_siginfo
        {
            ssi_signo = (uint)number,
            ssi_errno = info.si_errno,
            ssi_code = info.si_code,
            ssi_pid = (uint)info.si_pid,
            ssi_uid = info.si_uid,
            ssi_status = info.si_status,
            ssi_int = info.si_int,
        };
        Deliver(Describe(new UnixSignal(number), record));
        return true;
    }

    // Called with s_lock held.
    private static bool IsOnlyListenerOnTheSignalFd(SignalListener listener)
    {
        foreach (UnixSignal signal in listener.Signals)
        {
            if (!s_fdSignals.Contains(signal.Number) || !s_listeners.TryGetValue(signal.Number, out List<SignalListener>? listeners) || listeners is not [SignalListener only] || only != listener)
            {
                return false;
            }
        }

        return true;
    }

    // Called with s_lock held: LISTENER's signals go back to the signalfd (pending ones are read from there next).
    private static void ReleaseDirect(SignalListener listener)
    {
        if (!listener.DirectOwned)
        {
            return;
        }

        listener.DirectOwned = false;
        foreach (UnixSignal signal in listener.Signals)
        {
            s_direct.Remove(signal.Number);
        }

        UpdateSignalFd(Unowned(s_fdSignals), listener.Signals[0]);
    }

    // The signals of NUMBERS that no thread takes itself: the signalfd's mask.
    private static List<int> Unowned(IEnumerable<int> numbers) => [.. numbers.Where(number => !s_direct.ContainsKey(number))];

    public static string? WhyNotListenable(UnixSignal signal) => signal.Number switch
    {
        9 or 19 => "the kernel never lets SIGKILL or SIGSTOP be caught, blocked or read.",
        32 or 33 => "glibc keeps signals 32 and 33 for its threads (NPTL).",
        _ when signal.Number == Interop.CurrentSigRtMin() => "the .NET runtime uses SIGRTMIN to interrupt its own threads (activation injection for the GC).",
        _ when SignalInterrupter.IsInstalled && signal.Number == SignalInterrupter.SignalNumber => "this library uses it to interrupt blocked System V calls on cancellation.",
        4 or 5 or 6 or 7 or 8 or 11 => "the .NET runtime takes the fault signals (SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV) for its own crash and exception handling: a second one, or a real fault, would end the process.",
        13 when !BlockedInEveryThread(13) => "the .NET runtime ignores SIGPIPE, so a handler never sees it; start the process with it blocked (ChildProcessOptions.BlockedSignals) to read it from a signalfd.",
        _ => null,
    };

    // SigBlk of every thread in /proc/self/task: bit N-1 set means signal N is blocked there.
    public static bool BlockedInEveryThread(int signal) => CountBlocking(signal, out int threads) is int blocking && threads > 0 && blocking == threads;

    public static bool BlockedInAnyThread(int signal) => CountBlocking(signal, out _, ignoreBlockEverything: true) > 0;

    // A thread that blocks *every* signal is in a passing moment (glibc's posix_spawn and fork block everything in the
    // calling thread until the child runs): with ignoreBlockEverything it is not counted, so a scan that lands in that
    // moment does not take every signal for blocked.
    // SIGKILL and SIGSTOP cannot be blocked; glibc keeps its own SIGCANCEL (32) and SIGSETXID (33) out of a user mask.
    private const ulong BlockEverythingExceptions = (1UL << 8) | (1UL << 18) | (1UL << 31) | (1UL << 32);

    private static int CountBlocking(int signal, out int threads, bool ignoreBlockEverything = false)
    {
        threads = 0;
        int blocking = 0;
        try
        {
            foreach (string task in Directory.EnumerateDirectories("/proc/self/task"))
            {
                string? line;
                try
                {
                    line = File.ReadLines(Path.Combine(task, "status")).FirstOrDefault(l => l.StartsWith("SigBlk:", StringComparison.Ordinal));
                }
                catch (IOException)
                {
                    continue; // the thread ended while we looked
                }

                threads++;
                if (line is not null && ulong.TryParse(line["SigBlk:".Length..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong mask) && (mask & (1UL << (signal - 1))) != 0
                    && !(ignoreBlockEverything && (mask | BlockEverythingExceptions) == ulong.MaxValue))
                {
                    blocking++;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            threads = -1; // unknown: neither "every" nor (below) "any"
            return 0;
        }

        return blocking;
    }

    private static void Deliver(SignalInfo signal)
    {
        SignalListener[] listeners;
        lock (s_lock)
        {
            listeners = s_listeners.TryGetValue(signal.Signal.Number, out List<SignalListener>? list) ? [.. list] : [];
        }

        foreach (SignalListener listener in listeners)
        {
            listener.Deliver(signal);
        }
    }

    private static bool TerminatesByDefault(int signal) => signal is not (17 or 18 or 19 or 20 or 21 or 22 or 23 or 28);

    // The runtime's handler: the process survives, but nothing says who sent the signal or with what value.
    private static PosixSignalRegistration Handler(UnixSignal signal) => PosixSignalRegistration.Create((PosixSignal)signal.Number, context =>
    {
        // Stop the default action only where it would end the process; the runtime's own work for SIGCHLD, SIGCONT and
        // the terminal signals, and later handlers, still run for the others.
        context.Cancel = TerminatesByDefault(signal.Number);
        Deliver(new SignalInfo { Signal = signal, Code = SignalCode.Unknown });
    });

    // Called with s_lock held: creates the signalfd (and its reader) or changes its mask to NUMBERS; a reader parked on
    // an empty mask goes back to reading.
    private static unsafe void UpdateSignalFd(List<int> numbers, UnixSignal forErrors)
    {
        byte* mask = stackalloc byte[Interop.SigSetBytes];
        _ = Interop.SigEmptySet(mask);
        foreach (int number in numbers)
        {
            _ = Interop.SigAddSet(mask, number);
        }

        if (s_fd is not null)
        {
            Interop.Check(Interop.SignalFd(s_fd.Fd, mask, 0), "signalfd", forErrors.Name, $"{s_fd.Fd}, mask");
            bool wasEmpty = s_maskEmpty;
            s_maskEmpty = numbers.Count == 0;
            if (s_maskEmpty && !wasEmpty)
            {
                // Out of epoll altogether: armed, the signalfd would wake the reactor's thread (in the kernel) for
                // every signal the process gets, none of which it may read now.
                s_readerWait.Cancel();
                s_readerWait = new CancellationTokenSource();
                EpollReactor.Shared.Forget(s_fd.Fd);
            }
            else if (!s_maskEmpty && s_readerParked is { } parked)
            {
                s_readerParked = null;
                parked.TrySetResult();
            }

            return;
        }

        var fd = SafeFdHandle.Own(Interop.SignalFd(-1, mask, Interop.SFD_NONBLOCK | Interop.SFD_CLOEXEC));
        if (fd.IsInvalid)
        {
            throw Interop.Fail(Interop.LastErrno, "signalfd", forErrors.Name, $"-1, {{{forErrors.Name}}}, SFD_NONBLOCK|SFD_CLOEXEC");
        }

        s_fd = fd;
        s_maskEmpty = numbers.Count == 0;
        _ = ReadLoopAsync(fd);
    }

    // The signalfd lives as long as the process: it is cheap, and closing it under a reader would race. Records are read
    // and delivered under s_lock, so a change of the mask comes after the delivery of everything read before it. While
    // the mask is empty (every signal taken by a thread itself) the reader is out of epoll and parked (see UpdateSignalFd).
    private static async Task ReadLoopAsync(SafeFdHandle fd)
    {
        await Task.Yield(); // never under the caller's lock
        while (true)
        {
            try
            {
                Task? parked = null;
                CancellationToken emptied;
                lock (s_lock)
                {
                    while (TryRead(fd, out Interop.signalfd_siginfo info))
                    {
                        Deliver(Describe(new UnixSignal((int)info.ssi_signo), info));
                    }

                    if (s_maskEmpty)
                    {
                        s_readerParked ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                        parked = s_readerParked.Task;
                    }

                    emptied = s_readerWait.Token;
                }

                await (parked ?? EpollReactor.Shared.WaitAsync(fd.Fd, Readiness.Read, emptied)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            catch (Exception e) when (e is UnixIpcException or InvalidOperationException)
            {
                // An epoll_ctl failure must not end the only reader of the signalfd: wait a little and go on.
                await Task.Delay(10).ConfigureAwait(false);
            }
        }
    }

    private static unsafe bool TryRead(SafeFdHandle fd, out Interop.signalfd_siginfo info)
    {
        Interop.signalfd_siginfo buffer;
        nint read = Interop.Read(fd, (byte*)&buffer, (nuint)sizeof(Interop.signalfd_siginfo));
        info = buffer;
        return read == sizeof(Interop.signalfd_siginfo);
    }

    private static SignalInfo Describe(UnixSignal signal, Interop.signalfd_siginfo info)
    {
        SignalCode code = (signal.Number, info.ssi_code) switch
        {
            (17, Interop.CLD_EXITED) => SignalCode.ChildExited,
            (17, Interop.CLD_KILLED) => SignalCode.ChildKilled,
            (17, Interop.CLD_DUMPED) => SignalCode.ChildDumped,
            (17, > 3 and <= 6) => SignalCode.ChildChanged,
            (_, Interop.SI_USER) => SignalCode.User,
            (_, Interop.SI_QUEUE) => SignalCode.Queue,
            (_, Interop.SI_TKILL) => SignalCode.Thread,
            (_, Interop.SI_KERNEL) => SignalCode.Kernel,
            _ => SignalCode.Other,
        };
        bool fromProcess = code is SignalCode.User or SignalCode.Queue or SignalCode.Thread or SignalCode.ChildExited or SignalCode.ChildKilled or SignalCode.ChildDumped or SignalCode.ChildChanged;
        return new SignalInfo
        {
            Signal = signal,
            Code = code,
            RawCode = info.ssi_code,
            SenderProcessId = fromProcess ? (int)info.ssi_pid : null,
            SenderUserId = fromProcess ? (int)info.ssi_uid : null,
            Value = code == SignalCode.Queue ? info.ssi_int : null,
            ChildStatus = code switch
            {
                SignalCode.ChildExited => ChildExitStatus.Exited(info.ssi_status),
                SignalCode.ChildKilled or SignalCode.ChildDumped => ChildExitStatus.Killed(info.ssi_status, code == SignalCode.ChildDumped),
                _ => null,
            },
        };
    }
}

using System.Globalization;
using System.Runtime.InteropServices;

namespace UnixIpc;

/// <summary>
/// One source per signal for the whole process, shared by its listeners: a signalfd read on the reactor when the
/// signal is blocked in every thread, otherwise the runtime's handler. Each delivery is copied to every listener.
/// </summary>
internal static class SignalHub
{
    private static readonly Lock s_lock = new();
    private static readonly Dictionary<int, Source> s_sources = [];

    /// <summary>Subscribes <paramref name="listener"/>; true if every signal comes with full information.</summary>
    public static bool Subscribe(SignalListener listener, UnixSignal[] signals)
    {
        bool full = true;
        lock (s_lock)
        {
            foreach (UnixSignal signal in signals)
            {
                if (!s_sources.TryGetValue(signal.Number, out Source? source))
                {
                    source = BlockedInEveryThread(signal.Number) ? new SignalFdSource(signal) : new HandlerSource(signal);
                    s_sources.Add(signal.Number, source);
                }

                source.Listeners.Add(listener);
                full &= source is SignalFdSource;
            }
        }

        return full;
    }

    public static void Unsubscribe(SignalListener listener, UnixSignal[] signals)
    {
        lock (s_lock)
        {
            foreach (UnixSignal signal in signals)
            {
                if (s_sources.TryGetValue(signal.Number, out Source? source) && source.Listeners.Remove(listener) && source.Listeners.Count == 0)
                {
                    s_sources.Remove(signal.Number);
                    source.Dispose();
                }
            }
        }
    }

    public static string? WhyNotListenable(UnixSignal signal) => signal.Number switch
    {
        9 or 19 => "the kernel never lets SIGKILL or SIGSTOP be caught, blocked or read.",
        32 or 33 => "glibc keeps signals 32 and 33 for its threads (NPTL).",
        _ when signal.Number == Interop.CurrentSigRtMin() => "the .NET runtime uses SIGRTMIN to interrupt its own threads (activation injection for the GC).",
        _ when SignalInterrupter.IsInstalled && signal.Number == SignalInterrupter.SignalNumber => "this library uses it to interrupt blocked System V calls on cancellation.",
        _ => null,
    };

    // SigBlk of every thread in /proc/self/task: bit N-1 set means signal N is blocked there.
    public static bool BlockedInEveryThread(int signal)
    {
        try
        {
            foreach (string task in Directory.EnumerateDirectories("/proc/self/task"))
            {
                string? line = null;
                try
                {
                    line = File.ReadLines(Path.Combine(task, "status")).FirstOrDefault(l => l.StartsWith("SigBlk:", StringComparison.Ordinal));
                }
                catch (IOException)
                {
                    continue; // the thread ended while we looked
                }

                if (line is null || (ulong.Parse(line["SigBlk:".Length..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture) & (1UL << (signal - 1))) == 0)
                {
                    return false;
                }
            }

            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private abstract class Source : IDisposable
    {
        public List<SignalListener> Listeners { get; } = [];

        public abstract void Dispose();

        protected void Deliver(SignalInfo signal)
        {
            SignalListener[] listeners;
            lock (s_lock)
            {
                listeners = [.. Listeners];
            }

            foreach (SignalListener listener in listeners)
            {
                listener.Deliver(signal);
            }
        }
    }

    // The runtime's handler: the process survives, but nothing says who sent the signal or with what value.
    private sealed class HandlerSource : Source
    {
        private readonly PosixSignalRegistration _registration;

        public HandlerSource(UnixSignal signal)
        {
            _registration = PosixSignalRegistration.Create((PosixSignal)signal.Number, context =>
            {
                context.Cancel = true; // for the runtime's own signals (SIGINT, SIGTERM, SIGQUIT): do not go on to terminate
                Deliver(new SignalInfo { Signal = signal, Code = SignalCode.Unknown });
            });
        }

        public override void Dispose() => _registration.Dispose();
    }

    // A signalfd on the reactor: the kernel's full record of each delivery.
    private sealed class SignalFdSource : Source
    {
        private readonly SafeFdHandle _fd;
        private readonly UnixSignal _signal;
        private readonly CancellationTokenSource _stop = new();

        public unsafe SignalFdSource(UnixSignal signal)
        {
            _signal = signal;
            byte* mask = stackalloc byte[Interop.SigSetBytes];
            _ = Interop.SigEmptySet(mask);
            _ = Interop.SigAddSet(mask, signal.Number);
            _fd = SafeFdHandle.Own(Interop.SignalFd(-1, mask, Interop.SFD_NONBLOCK | Interop.SFD_CLOEXEC));
            if (_fd.IsInvalid)
            {
                throw Interop.Fail(Interop.LastErrno, "signalfd", signal.Name, $"-1, {{{signal.Name}}}, SFD_NONBLOCK|SFD_CLOEXEC");
            }

            _ = ReadLoopAsync();
        }

        public override void Dispose()
        {
            _stop.Cancel();
            EpollReactor.Shared.Forget(_fd.Fd);
            _fd.Dispose();
        }

        private async Task ReadLoopAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                while (TryRead(out Interop.signalfd_siginfo info))
                {
                    Deliver(Describe(_signal, info));
                }

                try
                {
                    if (!await EpollReactor.Shared.WaitAsync(_fd.Fd, Readiness.Read, _stop.Token).ConfigureAwait(false))
                    {
                        return;
                    }
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }

        private unsafe bool TryRead(out Interop.signalfd_siginfo info)
        {
            Interop.signalfd_siginfo buffer;
            bool added = false;
            try
            {
                _fd.DangerousAddRef(ref added);
                nint read = Interop.Read(_fd, (byte*)&buffer, (nuint)sizeof(Interop.signalfd_siginfo));
                info = buffer;
                return read == sizeof(Interop.signalfd_siginfo);
            }
            catch (ObjectDisposedException)
            {
                info = default;
                return false;
            }
            finally
            {
                if (added)
                {
                    _fd.DangerousRelease();
                }
            }
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
}

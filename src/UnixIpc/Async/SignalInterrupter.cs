using System.Runtime.InteropServices;

namespace UnixIpc;

/// <summary>
/// Wakes a thread blocked in a System V call (msgrcv, msgsnd, semop have no descriptor to poll) when its
/// wait is cancelled or times out: a real-time signal directed at that one thread, caught by a handler
/// that does nothing, makes the call fail with EINTR; the caller's loop then sees why.
/// </summary>
/// <remarks>
/// <para>The handler is libc's <c>getpid</c>: the signal only has to be caught (an ignored signal does not
/// interrupt), the handler must be async-signal-safe and must not touch errno or managed state, and no
/// native library has to ship. It is installed without SA_RESTART on the highest free real-time signal
/// (SIGRTMAX, or below it if another component owns that one); <see cref="SignalNumber"/> says which.</para>
/// <para>A signal sent just before the thread enters the call would be lost, so the signal is repeated
/// every few milliseconds until the thread leaves its <see cref="Scope"/>; it is never sent after that.</para>
/// </remarks>
internal static class SignalInterrupter
{
    private static readonly Lazy<int> s_signal = new(Install, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lazy<bool> s_available = new(() =>
    {
        try
        {
            _ = s_signal.Value;
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly List<Scope> s_pending = [];
    private static readonly Lock s_lock = new();
    private static readonly SemaphoreSlim s_wake = new(0);
    private static bool s_retryThreadStarted;

    /// <summary>The signal used to interrupt (installs the handler on first use).</summary>
    public static int SignalNumber => s_signal.Value;

    /// <summary>
    /// Whether a signal can be taken to interrupt (installs the handler on first use): false when every candidate is
    /// blocked in some thread or someone else's, so a caller that has another way to wait takes it instead of failing.
    /// </summary>
    public static bool IsAvailable => s_available.Value;

    /// <summary>Whether the handler has been installed (a signal is taken).</summary>
    public static bool IsInstalled => s_signal.IsValueCreated;

    /// <summary>Starts an interruptible blocking section on the current thread.</summary>
    public static Scope Begin(TimeSpan timeout, CancellationToken cancellationToken) => new(timeout, cancellationToken);

    // A thread blocks every signal for a moment while it spawns a process (glibc's posix_spawn) or forks: a scan that
    // lands in that window sees every candidate "blocked" and would fail for good (the Lazy keeps the exception). So
    // a scan that finds nothing is repeated a few times, 2 ms apart, before giving up.
    private static int Install()
    {
        for (int attempt = 0; ; attempt++)
        {
            if (TryInstall() is int signal)
            {
                return signal;
            }

            if (attempt == 50)
            {
                throw new InvalidOperationException("No free real-time signal is left to interrupt blocked System V calls.");
            }

            Thread.Sleep(2);
        }
    }

    private static unsafe int? TryInstall()
    {
        nint handler = Interop.GetPidAddress();
        int min = Interop.CurrentSigRtMin();
        for (int signal = Interop.CurrentSigRtMax(); signal > min + 4; signal--)
        {
            Interop.sigaction old;
            if (Interop.SigAction(signal, null, &old) != 0)
            {
                continue;
            }

            if (old.sa_handler == handler)
            {
                return signal; // already ours (e.g. an earlier AssemblyLoadContext)
            }

            if (old.sa_handler != Interop.SIG_DFL)
            {
                continue; // someone else's
            }

            if (SignalHub.BlockedInAnyThread(signal))
            {
                continue; // blocked (a process started so, for a signalfd): tgkill would queue it, never interrupt
            }

            var action = new Interop.sigaction { sa_handler = handler, sa_flags = 0 };
            if (Interop.SigAction(signal, &action, null) == 0)
            {
                return signal;
            }
        }

        return null;
    }

    private static void Enlist(Scope scope)
    {
        lock (s_lock)
        {
            s_pending.Add(scope);
            if (!s_retryThreadStarted)
            {
                s_retryThreadStarted = true;
                new Thread(RetryLoop) { IsBackground = true, Name = "UnixIpc interrupter" }.Start();
            }
        }

        s_wake.Release();
    }

    // Re-sends the signal to every thread that has not yet left its scope, until none is left.
    private static void RetryLoop()
    {
        while (true)
        {
            s_wake.Wait();
            while (true)
            {
                lock (s_lock)
                {
                    s_pending.RemoveAll(scope => !scope.Signal());
                    if (s_pending.Count == 0)
                    {
                        break;
                    }
                }

                Thread.Sleep(2);
            }
        }
    }

    /// <summary>Why an interruptible section ended early.</summary>
    internal enum Reason
    {
        None,
        Canceled,
        TimedOut,
    }

    /// <summary>One blocking section on one thread; dispose when the call has returned.</summary>
    internal sealed class Scope : IDisposable
    {
        private readonly int _tid;
        private readonly int _signal;
        private readonly Lock _gate = new();
        private readonly CancellationToken _cancellationToken;
        private CancellationTokenRegistration _registration;
        private Timer? _timer;
        private int _reason;
        private bool _finished;

        internal Scope(TimeSpan timeout, CancellationToken cancellationToken)
        {
            _signal = s_signal.Value;
            _tid = Interop.GetTid();
            _cancellationToken = cancellationToken;
            if (cancellationToken.CanBeCanceled)
            {
                _registration = cancellationToken.UnsafeRegister(static s => ((Scope)s!).Request(Reason.Canceled), this);
            }

            if (timeout != Timeout.InfiniteTimeSpan)
            {
                _timer = new Timer(static s => ((Scope)s!).Request(Reason.TimedOut), this, timeout < TimeSpan.Zero ? TimeSpan.Zero : timeout, Timeout.InfiniteTimeSpan);
            }
        }

        /// <summary>Why the section should stop, or <see cref="Reason.None"/>: check it before and after every blocking call.</summary>
        public Reason Interrupted => (Reason)Volatile.Read(ref _reason);

        /// <summary>Throws <see cref="OperationCanceledException"/> if the token fired; returns whether the time ran out.</summary>
        public bool ThrowIfCanceledOrTimedOut()
        {
            Reason reason = Interrupted;
            if (reason == Reason.Canceled)
            {
                throw new OperationCanceledException(_cancellationToken);
            }

            return reason == Reason.TimedOut;
        }

        public void Dispose()
        {
            lock (_gate)
            {
                _finished = true;
            }

            _registration.Dispose();
            _timer?.Dispose();
        }

        private void Request(Reason reason)
        {
            if (Interlocked.CompareExchange(ref _reason, (int)reason, (int)Reason.None) == (int)Reason.None)
            {
                Signal();
                Enlist(this);
            }
        }

        // Sends the signal unless the thread has left the section; false once it has (nothing more to do).
        internal bool Signal()
        {
            lock (_gate)
            {
                if (_finished)
                {
                    return false;
                }

                Interop.TgKill(Environment.ProcessId, _tid, _signal);
                return true;
            }
        }
    }
}

using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace UnixIpc;

/// <summary>
/// Receives chosen signals as records (<see cref="SignalInfo"/>), awaited without holding a thread. While a listener
/// for a signal exists, that signal does not terminate the process. Several listeners of one signal each get every
/// delivery.
/// </summary>
/// <remarks>
/// <para><b>Two ways in, chosen per signal.</b> If the signal is blocked in every thread of the process (the mask a
/// process inherits when its parent starts it so, e.g. <see cref="ChildProcessOptions.BlockedSignals"/>), it is read
/// from a signalfd on the reactor: each record has the sender's pid and uid, the si_code and the sigqueue value, and
/// real-time signals arrive one per send, in order. Otherwise (the usual case in .NET: the runtime's threads leave it
/// unblocked, and a signalfd alone would let it kill the process) the runtime's own handler
/// (<see cref="System.Runtime.InteropServices.PosixSignalRegistration"/>) receives it: the process survives and
/// each record says <see cref="SignalCode.Unknown"/> with no sender or value, because the handler is not told them.
/// <see cref="KnowsSender"/> says which applies.</para>
/// <para>Refused: SIGKILL and SIGSTOP (cannot be caught), 32 and 33 (glibc's), SIGRTMIN (the .NET runtime's own
/// thread-activation signal) and the library's interrupter signal once installed.</para>
/// <para><b>Waiting on a thread.</b> <see cref="Receive"/> and <see cref="TryReceive(TimeSpan, out SignalInfo?)"/> block the
/// calling thread. When this listener is the only one of its signals and they are on the signalfd path, that thread
/// takes them from the kernel itself (sigtimedwait, as a C program would): the kernel wakes it directly, with no thread
/// hop through the reactor. Otherwise it waits for the reactor's delivery as <see cref="ReceiveAsync"/> does. Either
/// way every listener of a signal still gets every delivery.</para>
/// <para>When the last listener of a signal is disposed, the runtime handler is removed and the signal's default
/// action applies again (SIGUSR1 then terminates the process); on the signalfd path the signal stays blocked, so it
/// stays pending until something reads it.</para>
/// </remarks>
public sealed class SignalListener : IDisposable
{
    private readonly Channel<SignalInfo> _received = Channel.CreateUnbounded<SignalInfo>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = false });
    private readonly CancellationTokenSource _disposing = new(); // interrupts a thread taking this listener's signals
    private int _disposed;

    private SignalListener(UnixSignal[] signals)
    {
        Signals = signals;
        KnowsSender = SignalHub.Subscribe(this, signals);
    }

    /// <summary>The signals listened for.</summary>
    public IReadOnlyList<UnixSignal> Signals { get; }

    /// <summary>Whether every record carries the sender, code and value (the signalfd path for all <see cref="Signals"/>).</summary>
    public bool KnowsSender { get; }

    /// <summary>Starts listening for <paramref name="signals"/>.</summary>
    /// <exception cref="ArgumentException">None given, or one that cannot be listened for (see remarks).</exception>
    public static SignalListener Create(params IEnumerable<UnixSignal> signals)
    {
        ArgumentNullException.ThrowIfNull(signals);
        UnixSignal[] distinct = [.. signals.Distinct()];
        if (distinct.Length == 0)
        {
            throw new ArgumentException("Name at least one signal to listen for.", nameof(signals));
        }

        foreach (UnixSignal signal in distinct)
        {
            if (signal.Number == 0)
            {
                throw new ArgumentException("default(UnixSignal) is not a signal: use new UnixSignal(n) or UnixSignal.Parse.", nameof(signals));
            }

            if (SignalHub.WhyNotListenable(signal) is { } reason)
            {
                throw new ArgumentException($"{signal.Name} cannot be listened for: {reason}", nameof(signals));
            }
        }

        return new SignalListener(distinct);
    }

    /// <summary>Why <paramref name="signal"/> cannot be listened for here; <see langword="null"/> if it can.</summary>
    public static string? RefusalReason(UnixSignal signal) => SignalHub.WhyNotListenable(signal);

    /// <summary>Whether <paramref name="signal"/> is blocked in every thread of this process (then signalfd gives full information).</summary>
    public static bool IsBlockedInEveryThread(UnixSignal signal) => SignalHub.BlockedInEveryThread(signal.Number);

    // Guarded by SignalHub's lock: whether a thread takes this listener's signals itself (they are out of the signalfd's
    // mask), whether one is waiting in sigtimedwait now, and how many receives wait on the channel.
    internal bool DirectOwned { get; set; }

    internal bool DirectWaiting { get; set; }

    internal int ChannelWaiters { get; set; }

    /// <summary>The next signal, awaited without holding a thread.</summary>
    public async ValueTask<SignalInfo> ReceiveAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (_received.Reader.TryRead(out SignalInfo? ready))
        {
            return ready;
        }

        SignalHub.WaitingOnChannel(this, +1);
        try
        {
            return await _received.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            throw new ObjectDisposedException(nameof(SignalListener));
        }
        finally
        {
            SignalHub.WaitingOnChannel(this, -1);
        }
    }

    /// <summary>
    /// The next signal, waited for on the calling thread (or until <paramref name="cancellationToken"/> fires). If this
    /// listener is the only one of its signals and they are on the signalfd path, the thread takes them from the kernel
    /// itself (see remarks).
    /// </summary>
    /// <exception cref="ObjectDisposedException">The listener is disposed, also while the call waits.</exception>
    public SignalInfo Receive(CancellationToken cancellationToken = default)
        => ReceiveCore(Timeout.InfiniteTimeSpan, cancellationToken) ?? throw new InvalidOperationException("A wait without a time-out ended without a signal.");

    /// <summary>As <see cref="Receive"/>, waiting up to <paramref name="timeout"/>; <see langword="false"/> if no signal came.</summary>
    public bool TryReceive(TimeSpan timeout, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SignalInfo? signal)
    {
        Timeouts.Validate(timeout);
        signal = ReceiveCore(timeout, CancellationToken.None);
        return signal is not null;
    }

    /// <summary>A signal already received, if there is one (or, while this listener's thread takes its signals itself, one pending in the kernel).</summary>
    public bool TryReceive([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SignalInfo? signal)
    {
        if (_received.Reader.TryRead(out signal))
        {
            return true;
        }

        if (Volatile.Read(ref _disposed) == 0 && DirectOwned && SignalHub.BeginDirect(this))
        {
            try
            {
                _ = SignalHub.TakeDirect(this, TimeSpan.Zero);
            }
            finally
            {
                SignalHub.EndDirect(this);
            }
        }

        return _received.Reader.TryRead(out signal);
    }

    /// <summary>Every signal as it comes; ends when the listener is disposed.</summary>
    public async IAsyncEnumerable<SignalInfo> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        SignalHub.WaitingOnChannel(this, +1);
        try
        {
            while (await _received.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (_received.Reader.TryRead(out SignalInfo? signal))
                {
                    yield return signal;
                }
            }
        }
        finally
        {
            SignalHub.WaitingOnChannel(this, -1);
        }
    }

    /// <summary>Stops listening; a pending <see cref="ReadAllAsync"/> ends, a waiting <see cref="Receive"/> throws <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            SignalHub.Unsubscribe(this, [.. Signals]);
            _received.Writer.TryComplete();
            _disposing.Cancel();
        }
    }

    // The record, or null when TIMEOUT ran out.
    private SignalInfo? ReceiveCore(TimeSpan timeout, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        cancellationToken.ThrowIfCancellationRequested();
        if (_received.Reader.TryRead(out SignalInfo? ready))
        {
            return ready;
        }

        // Taking the signals on this thread needs the interrupter (disposal, cancellation); a process that blocks every
        // signal it could use (started with all of them blocked) waits for the reactor's delivery instead.
        if (!SignalInterrupter.IsAvailable || !SignalHub.BeginDirect(this))
        {
            return ReceiveFromChannel(timeout, cancellationToken);
        }

        try
        {
            long deadline = Timeouts.DeadlineFrom(timeout);
            using CancellationTokenSource? linked = cancellationToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposing.Token) : null;
            using SignalInterrupter.Scope interruptible = SignalInterrupter.Begin(Timeout.InfiniteTimeSpan, linked?.Token ?? _disposing.Token);
            while (true)
            {
                if (_received.Reader.TryRead(out SignalInfo? signal))
                {
                    return signal;
                }

                ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
                cancellationToken.ThrowIfCancellationRequested();
                if (!SignalHub.TakeDirect(this, Timeouts.RemainingUntil(deadline)))
                {
                    return _received.Reader.TryRead(out signal) ? signal : null;
                }
            }
        }
        finally
        {
            SignalHub.EndDirect(this);
        }
    }

    private SignalInfo? ReceiveFromChannel(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (timeout == TimeSpan.Zero)
        {
            return _received.Reader.TryRead(out SignalInfo? signal) ? signal : null;
        }

        using CancellationTokenSource? timer = timeout == Timeout.InfiniteTimeSpan ? null : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer?.CancelAfter(timeout);
        try
        {
            return ReceiveAsync(timer?.Token ?? cancellationToken).AsTask().GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (timer is not null && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    internal void Deliver(SignalInfo signal) => _received.Writer.TryWrite(signal);
}

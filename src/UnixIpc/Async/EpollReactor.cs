using System.Runtime.InteropServices;

namespace UnixIpc;

/// <summary>
/// One epoll instance and one thread per process that turn descriptor readiness into completed tasks,
/// so async waits on message queues (and later pipes, FIFOs, signalfd, pidfd) hold no thread while they wait.
/// </summary>
/// <remarks>
/// <para>Each descriptor is registered once, EPOLLONESHOT, with the union of what its waiters want.
/// A readiness event wakes one waiter per direction and re-arms while others remain: level-triggered
/// epoll fires again at once if the descriptor is still ready, so no wake-up is lost, and a thousand
/// waiters on one empty queue cost a thousand small objects, not a thousand threads.</para>
/// <para>Waking is a hint: a woken waiter retries its non-blocking call and waits again if another
/// process (or waiter) got there first.</para>
/// </remarks>
internal sealed unsafe class EpollReactor
{
    private static readonly Lazy<EpollReactor> s_shared = new(() => new EpollReactor(), LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly bool s_packedEvents = RuntimeInformation.ProcessArchitecture == Architecture.X64;
    private static readonly int s_eventSize = s_packedEvents ? sizeof(Interop.epoll_event_x64) : sizeof(Interop.epoll_event_generic);

    private readonly SafeFdHandle _epoll;
    private readonly Dictionary<int, Registration> _registrations = [];
    private readonly Lock _lock = new();
    private uint _nextGeneration;

    private EpollReactor()
    {
        _epoll = SafeFdHandle.Own(Interop.EpollCreate1(Interop.EPOLL_CLOEXEC));
        if (_epoll.IsInvalid)
        {
            throw Interop.Fail(Interop.LastErrno, "epoll_create1", null, "EPOLL_CLOEXEC");
        }

        var thread = new Thread(Run) { IsBackground = true, Name = "UnixIpc epoll reactor" };
        thread.Start();
    }

    public static EpollReactor Shared => s_shared.Value;

    /// <summary>
    /// <see cref="Forget"/> on the shared reactor if it has been started: a descriptor closed by a process that never
    /// waited asynchronously must not start an epoll instance and its thread just to be forgotten.
    /// </summary>
    public static void ForgetIfStarted(int fd)
    {
        if (s_shared.IsValueCreated)
        {
            s_shared.Value.Forget(fd);
        }
    }

    /// <summary>
    /// Completes with <see langword="true"/> when <paramref name="fd"/> is ready for <paramref name="readiness"/>
    /// (or reports an error or hang-up, which the caller's next call will surface), with <see langword="false"/>
    /// if <see cref="Forget"/> is called for it first, and is cancelled by <paramref name="cancellationToken"/>.
    /// </summary>
    public Task<bool> WaitAsync(int fd, Readiness readiness, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<bool>(cancellationToken);
        }

        var waiter = new Waiter(this, fd, readiness);
        lock (_lock)
        {
            if (!_registrations.TryGetValue(fd, out Registration? registration))
            {
                registration = new Registration(fd, ++_nextGeneration);
                _registrations.Add(fd, registration);
            }

            registration.Queue(readiness).AddLast(waiter.Node);
            Arm(registration);
        }

        if (cancellationToken.CanBeCanceled)
        {
            waiter.CancellationRegistration = cancellationToken.UnsafeRegister(static (state, token) => ((Waiter)state!).Cancel(token), waiter);
            if (waiter.Task.IsCompleted)
            {
                // The reactor's thread completed it before the registration was stored, so Complete could not undo it:
                // a long-lived token (the signal reader's) would otherwise keep every such waiter.
                waiter.CancellationRegistration.Dispose();
            }
        }

        return waiter.Task;
    }

    /// <summary>Before a descriptor is closed: wakes its waiters with <see langword="false"/> and removes it from epoll.</summary>
    public void Forget(int fd)
    {
        List<Waiter> orphans = [];
        lock (_lock)
        {
            if (!_registrations.Remove(fd, out Registration? registration))
            {
                return;
            }

            orphans.AddRange(registration.Readers);
            orphans.AddRange(registration.Writers);
            registration.Readers.Clear();
            registration.Writers.Clear();
            if (registration.InEpoll)
            {
                Interop.EpollCtl(_epoll, Interop.EPOLL_CTL_DEL, fd, null);
            }
        }

        foreach (Waiter waiter in orphans)
        {
            waiter.Complete(false);
        }
    }

    // Called with _lock held: registers or re-arms the descriptor for what its waiters want now.
    private void Arm(Registration registration)
    {
        uint events = Interop.EPOLLONESHOT;
        if (registration.Readers.Count > 0)
        {
            events |= Interop.EPOLLIN;
        }

        if (registration.Writers.Count > 0)
        {
            events |= Interop.EPOLLOUT;
        }

        if (events == Interop.EPOLLONESHOT)
        {
            return; // nobody waits: leave it disarmed
        }

        ulong data = ((ulong)registration.Generation << 32) | (uint)registration.Fd;
        byte* evt = stackalloc byte[16];
        WriteEvent(evt, events, data);
        int op = registration.InEpoll ? Interop.EPOLL_CTL_MOD : Interop.EPOLL_CTL_ADD;
        int result = Interop.EpollCtl(_epoll, op, registration.Fd, evt);
        if (result == -1 && Interop.LastErrno == Errno.ENOENT && op == Interop.EPOLL_CTL_MOD)
        {
            // The descriptor was closed and its number reused behind our back: register the new file.
            result = Interop.EpollCtl(_epoll, Interop.EPOLL_CTL_ADD, registration.Fd, evt);
        }

        if (result == -1)
        {
            Errno error = Interop.LastErrno;
            throw Interop.Fail(error, "epoll_ctl", null, $"epfd, {(op == Interop.EPOLL_CTL_ADD ? "EPOLL_CTL_ADD" : "EPOLL_CTL_MOD")}, {registration.Fd}");
        }

        registration.InEpoll = true;
    }

    private void Run()
    {
        const int MaxEvents = 64;
        byte* events = stackalloc byte[MaxEvents * 16];
        var ready = new List<(Waiter Waiter, bool Result)>();
        while (true)
        {
            int count = Interop.EpollWait(_epoll, events, MaxEvents, -1);
            if (count == -1)
            {
                continue; // EINTR: the runtime's signals interrupt epoll_wait too
            }

            lock (_lock)
            {
                for (int i = 0; i < count; i++)
                {
                    ReadEvent(events + (i * s_eventSize), out uint mask, out ulong data);
                    int fd = (int)(uint)data;
                    if (!_registrations.TryGetValue(fd, out Registration? registration) || registration.Generation != (uint)(data >> 32))
                    {
                        continue; // forgotten since
                    }

                    bool failed = (mask & (Interop.EPOLLERR | Interop.EPOLLHUP)) != 0;
                    Wake(registration.Readers, (mask & Interop.EPOLLIN) != 0 || failed, ready);
                    Wake(registration.Writers, (mask & Interop.EPOLLOUT) != 0 || failed, ready);
                    Arm(registration);
                }
            }

            foreach ((Waiter waiter, bool result) in ready)
            {
                waiter.Complete(result);
            }

            ready.Clear();
        }
    }

    private static void Wake(LinkedList<Waiter> waiters, bool isReady, List<(Waiter, bool)> ready)
    {
        if (isReady && waiters.First is { } first)
        {
            waiters.RemoveFirst();
            ready.Add((first.Value, true));
        }
    }

    private static void WriteEvent(byte* evt, uint events, ulong data)
    {
        if (s_packedEvents)
        {
            *(Interop.epoll_event_x64*)evt = new Interop.epoll_event_x64 { events = events, data = data };
        }
        else
        {
            *(Interop.epoll_event_generic*)evt = new Interop.epoll_event_generic { events = events, data = data };
        }
    }

    private static void ReadEvent(byte* evt, out uint events, out ulong data)
    {
        if (s_packedEvents)
        {
            Interop.epoll_event_x64 e = *(Interop.epoll_event_x64*)evt;
            (events, data) = (e.events, e.data);
        }
        else
        {
            Interop.epoll_event_generic e = *(Interop.epoll_event_generic*)evt;
            (events, data) = (e.events, e.data);
        }
    }

    private sealed class Registration(int fd, uint generation)
    {
        public int Fd { get; } = fd;

        public uint Generation { get; } = generation;

        public bool InEpoll { get; set; }

        public LinkedList<Waiter> Readers { get; } = new();

        public LinkedList<Waiter> Writers { get; } = new();

        public LinkedList<Waiter> Queue(Readiness readiness) => readiness == Readiness.Read ? Readers : Writers;
    }

    private sealed class Waiter : TaskCompletionSource<bool>
    {
        private readonly EpollReactor _reactor;
        private readonly int _fd;
        private readonly Readiness _readiness;

        public Waiter(EpollReactor reactor, int fd, Readiness readiness) : base(TaskCreationOptions.RunContinuationsAsynchronously)
        {
            _reactor = reactor;
            _fd = fd;
            _readiness = readiness;
            Node = new LinkedListNode<Waiter>(this);
        }

        public LinkedListNode<Waiter> Node { get; }

        public CancellationTokenRegistration CancellationRegistration { get; set; }

        public void Complete(bool result)
        {
            if (TrySetResult(result))
            {
                CancellationRegistration.Dispose();
            }
        }

        public void Cancel(CancellationToken token)
        {
            lock (_reactor._lock)
            {
                if (Node.List is { } list)
                {
                    list.Remove(Node);
                }
            }

            TrySetCanceled(token);
        }
    }
}

using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace UnixIpc;

public sealed partial class PosixMessageQueue
{
    private static readonly ConcurrentDictionary<long, Notification> s_notifications = new();
    private static long s_nextNotificationId;
    private Notification? _notification;

    /// <summary>
    /// Asks the kernel to call <paramref name="callback"/> (on the thread pool) the next time a message
    /// arrives while the queue is empty (mq_notify, SIGEV_THREAD). One-shot: register again for the next one.
    /// </summary>
    /// <remarks>
    /// <para>Kernel rules: only one registration per queue exists system-wide (a second one, even from this
    /// process, fails with EBUSY); it ends when it fires, when disposed (mq_notify(NULL)), or when the
    /// registering descriptor is closed. A message sent to a queue that already holds messages does not
    /// fire it, and neither does one taken at once by a receiver blocked in <see cref="Receive"/>.</para>
    /// </remarks>
    /// <returns>The registration; dispose it to cancel.</returns>
    /// <exception cref="UnixIpcException">EBUSY when a registration exists already.</exception>
    public unsafe IDisposable NotifyWhenNonEmpty(Action callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var notification = new Notification(this, callback, Interlocked.Increment(ref s_nextNotificationId));
        s_notifications[notification.Id] = notification;
        var request = new Interop.sigevent
        {
            sigev_notify = Interop.SIGEV_THREAD,
            sigev_value = (nint)notification.Id,
            sigev_notify_function = (nint)(delegate* unmanaged<nint, void>)&OnNotified,
        };
        if (Interop.MqNotify(Handle, &request) == -1)
        {
            Errno error = Interop.LastErrno;
            s_notifications.TryRemove(notification.Id, out _);
            throw Interop.Fail(error, "mq_notify", Name, $"{Name}, {{SIGEV_THREAD}}");
        }

        _notification = notification;
        return notification;
    }

    /// <summary>
    /// Completes when the queue holds a message: at once if it already does, otherwise when one arrives
    /// (through <see cref="NotifyWhenNonEmpty"/>, so the one-registration-per-queue rule applies).
    /// </summary>
    public async Task WhenNonEmptyAsync(CancellationToken cancellationToken = default)
    {
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using IDisposable registration = NotifyWhenNonEmpty(() => arrived.TrySetResult());
        if (Stat().CurrentMessages > 0)
        {
            return; // a message was there before the registration could see it arrive
        }

        await arrived.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private void CancelNotification() => _notification?.Dispose();

    // Called by glibc on its notification thread with the id we passed as sigev_value.
    [UnmanagedCallersOnly]
    private static void OnNotified(nint id)
    {
        if (s_notifications.TryRemove(id, out Notification? notification))
        {
            notification.Fire();
        }
    }

    /// <summary>One registration. Ids, not GC handles, cross into native code: a late call for a cancelled one finds nothing.</summary>
    private sealed class Notification(PosixMessageQueue queue, Action callback, long id) : IDisposable
    {
        public long Id { get; } = id;

        public void Fire()
        {
            Interlocked.CompareExchange(ref queue._notification, null, this);
            ThreadPool.UnsafeQueueUserWorkItem(static c => c(), callback, preferLocal: false);
        }

        public unsafe void Dispose()
        {
            if (!s_notifications.TryRemove(Id, out _))
            {
                return; // fired or cancelled already
            }

            Interlocked.CompareExchange(ref queue._notification, null, this);
            if (!queue._handle.IsClosed)
            {
                Interop.MqNotify(queue._handle, null);
            }
        }
    }
}

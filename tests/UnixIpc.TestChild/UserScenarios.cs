using System.Globalization;
using System.Runtime.InteropServices;
using UnixIpc;

namespace UnixIpc.Tests;

/// <summary>Permission checks: one call made as another user.</summary>
internal static class UserScenarios
{
    // Permission checks for a root test run: drop to another uid/gid (losing every capability), try one call,
    // print "ok" or the errno.
    public static int AsUser(uint uid, uint gid, string operation, string argument)
    {
        Console.WriteLine("READY");
        if (Native.SetResGid(gid, gid, gid) != 0 || Native.SetResUid(uid, uid, uid) != 0)
        {
            Console.WriteLine($"SKIP could not change to uid {uid}: errno {Marshal.GetLastPInvokeError()}");
            return 0;
        }

        Action call = operation switch
        {
            "pshm-open" => () => PosixSharedMemory.OpenExisting(argument).Dispose(),
            "pshm-open-ro" => () => PosixSharedMemory.OpenExisting(argument, readOnly: true).Dispose(),
            "shm-attach" => () => SystemVSharedMemory.FromId(int.Parse(argument, CultureInfo.InvariantCulture)).Attach().Dispose(),
            "shm-stat" => () => SystemVSharedMemory.FromId(int.Parse(argument, CultureInfo.InvariantCulture)),
            "shm-set" => () => SystemVSharedMemory.FromId(int.Parse(argument, CultureInfo.InvariantCulture)).SetPermissions(UnixFileMode.UserRead),
            "shm-rm" => () => SystemVSharedMemory.Remove(int.Parse(argument, CultureInfo.InvariantCulture)),
            "shm-lock-size" => () => SharedMemoryScenarios.LockOwnSegment(long.Parse(argument, CultureInfo.InvariantCulture)),
            "mq-open" => () => PosixMessageQueue.OpenExisting(argument).Dispose(),
            "mq-open-ro" => () => PosixMessageQueue.OpenExisting(argument, MessageQueueAccess.Receive).Dispose(),
            "mq-unlink" => () => PosixMessageQueue.Unlink(argument),
            "psem-open" => () => PosixSemaphore.OpenExisting(argument).Dispose(),
            "psem-unlink" => () => PosixSemaphore.Unlink(argument),
            "sem-op" => () => SemaphoreScenarios.SemaphoreSetById(argument).TryApply(SemaphoreOperation.Release(0)),
            "sem-getval" => () => SemaphoreScenarios.SemaphoreSetById(argument).GetValue(0),
            "sem-set" => () => SemaphoreScenarios.SemaphoreSetById(argument).SetPermissions(UnixFileMode.UserRead),
            "msg-send" => () => MessageQueueScenarios.MessageQueueById(argument).TrySend(1, "x"u8),
            "msg-recv" => () => MessageQueueScenarios.MessageQueueById(argument).TryReceive(new byte[8192], out _),
            "msg-stat" => () => MessageQueueScenarios.MessageQueueById(argument),
            "msg-set" => () => MessageQueueScenarios.MessageQueueById(argument).SetPermissions(UnixFileMode.UserRead),
            "msg-rm" => () => SystemVMessageQueue.Remove(int.Parse(argument, CultureInfo.InvariantCulture)),
            "msg-raise-own" => () => MessageQueueScenarios.RaiseOwnQueueLimit(long.Parse(argument, CultureInfo.InvariantCulture)),
            "uds-too-many-in-flight" => SocketScenarios.SendTooManyInFlight,
            "uds-send-credentials-of" => () => SendCredentialsOf(int.Parse(argument, CultureInfo.InvariantCulture)),
            "uds-connect-and-read" => () => ConnectAndRead(argument),
            "signal-send" => () => UnixSignal.User1.Send(int.Parse(argument, CultureInfo.InvariantCulture)),

            _ => throw new ArgumentException($"unknown operation {operation}"),
        };
        try
        {
            call();
            Console.WriteLine("ok");
        }
        catch (UnixIpcException e)
        {
            Console.WriteLine(e.Error.ToString());
        }

        return 0;
    }

    // Claims uid and gid 0 with our own pid on a message (SCM_CREDENTIALS): EPERM unless privileged.
    private static void SendCredentialsOf(int userId)
    {
        using UnixSocketPair pair = UnixSocketPair.Create(System.Net.Sockets.SocketType.Dgram);
        pair.First.SendWithCredentials("x"u8, new PeerCredentials(Environment.ProcessId, userId, userId));
    }

    // Connects and reads one reply: "ok" when one came, ENODATA when the server closed without one.
    private static void ConnectAndRead(string address)
    {
        using System.Net.Sockets.Socket socket = UnixSocket.ConnectAsync(address).GetAwaiter().GetResult();
        if (socket.Receive(new byte[16]) == 0)
        {
            throw new UnixIpcException(Errno.ENODATA, "recv", address, null, "closed without a reply");
        }
    }
}

using System.Net.Sockets;
using Microsoft.Win32.SafeHandles;
using UnixIpc;

namespace UnixIpc.Tests;

/// <summary>Unix socket behaviour that needs a process of its own (RLIMIT_NOFILE lowered, another user).</summary>
internal static class SocketScenarios
{
    // UDS-07, receiving side: a message of 5 descriptors arrives when only 3 numbers are free below RLIMIT_NOFILE.
    // Prints "EXTRA-CLOSED free=N" where N is how many descriptors can still be opened afterwards (3 if nothing
    // leaked), or "RECEIVED n" if the receive did not fail.
    public static int ReceiveBeyondDescriptorLimit()
    {
        using UnixSocketPair pair = UnixSocketPair.Create();
        using SafeFileHandle passed = File.OpenHandle("/dev/null");
        pair.First.SendWithDescriptors("x"u8, passed, passed, passed, passed, passed);

        string outcome = null!;
        SharedMemoryScenarios.WithoutDescriptors(() =>
        {
            // The table is full: free three numbers, receive, then count what can still be opened.
            var spare = new List<SafeFileHandle>();
            try
            {
                pair.Second.ReceiveWithDescriptors(new byte[1], 5, out SafeFileHandle[] received);
                foreach (SafeFileHandle handle in received)
                {
                    handle.Dispose();
                }

                outcome = $"RECEIVED {received.Length}";
            }
            catch (InvalidDataException)
            {
                outcome = "EXTRA-CLOSED";
            }

            try
            {
                while (spare.Count < 10)
                {
                    spare.Add(File.OpenHandle("/dev/null"));
                }
            }
            catch (IOException)
            {
                // full again
            }

            outcome += $" free={spare.Count}";
            spare.ForEach(h => h.Dispose());
        }, freeBeforeAttempt: 3);
        Console.WriteLine(outcome);
        return 0;
    }

    // UDS-07, sending side (run unprivileged: CAP_SYS_ADMIN and CAP_SYS_RESOURCE lift the limit): with RLIMIT_NOFILE at
    // 64, messages of one descriptor each are sent and never received until the kernel refuses one.
    public static void SendTooManyInFlight()
    {
        var limit = new RLimit { Current = 64, Maximum = 64 };
        if (Native.SetRLimit(Native.RLIMIT_NOFILE, in limit) != 0)
        {
            throw new InvalidOperationException("setrlimit failed");
        }

        using UnixSocketPair pair = UnixSocketPair.Create(SocketType.Dgram);
        using SafeFileHandle passed = File.OpenHandle("/dev/null");
        for (int i = 0; i < 1000; i++)
        {
            pair.First.SendWithDescriptors("x"u8, passed);
        }

        throw new InvalidOperationException("1000 descriptors went in flight without ETOOMANYREFS");
    }
}

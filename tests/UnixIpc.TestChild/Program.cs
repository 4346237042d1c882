using System.Globalization;
using UnixIpc;
using UnixIpc.Tests;

// The second process of cross-process tests. args[0] names a scenario, the rest are strings (names, ids).
// Serving scenarios speak LineServer's protocol (READY, then one answer line per command line, "exit").
// Anything unexpected goes to stderr with exit code 1. A new mechanism adds a *Scenarios file and its rows here.
var scenarios = new Dictionary<string, Func<string[], int>>
{
    ["pshm-open"] = a => SharedMemoryScenarios.ServeRegion(PosixSharedMemory.OpenExisting(a[1]).Map()),
    ["shm-attach"] = a => SharedMemoryScenarios.ServeRegion(SystemVSharedMemory.FromId(Int(a[1])).Attach(a.Length > 2 && a[2] == "ro")),
    ["pshm-race"] = a => SharedMemoryScenarios.RaceCreate(a[1..]),
    ["emfile"] = a => SharedMemoryScenarios.CreateWithoutDescriptors(a[1]),
    ["pipe-emfile"] = _ => SharedMemoryScenarios.WithoutDescriptors(() => Pipe.Create().Dispose()),
    ["stream-echo-server"] = a => StreamScenarios.EchoServer(a[1]),
    ["stream-connect-and-hang"] = a => StreamScenarios.ConnectAndHang(a[1]),
    ["stream-accept-and-hang"] = a => StreamScenarios.AcceptAndHang(a[1]),
    ["uds-recv-beyond-nofile"] = _ => SocketScenarios.ReceiveBeyondDescriptorLimit(),
    ["interrupter-beside-block-everything"] = _ => SignalScenarios.InterrupterBesideABlockEverythingThread(),
    ["signal-direct-beside-async"] = a => SignalScenarios.DirectBesideAsync(a[1], a[2]),
    ["reactor-sync-only"] = a => ReactorScenarios.SyncOnly(a[1]),
    ["signal-dispose"] = a => SignalScenarios.ListenThenDispose(a[1], a.Length > 2 ? Int(a[2]) : 1),
    ["shm-open-umask"] = a => SharedMemoryScenarios.ShmOpenUnderUmask(a[1], a[2]),
    ["mq-open"] = a => MessageQueueScenarios.ServeQueue(PosixMessageQueue.OpenExisting(a[1])),
    ["mq-race"] = a => MessageQueueScenarios.RaceCreateQueue(a[1]),
    ["msg-open"] = a => MessageQueueScenarios.ServeSystemVQueue(SystemVMessageQueue.FromId(Int(a[1]))),
    ["msg-enospc"] = _ => MessageQueueScenarios.QueuesBeyondMsgmni(),
    ["psem-open"] = a => SemaphoreScenarios.ServeSemaphore(PosixSemaphore.OpenExisting(a[1])),
    ["psem-in-shm"] = a => SemaphoreScenarios.ServeSemaphoreInSharedMemory(a[1], long.Parse(a[2], CultureInfo.InvariantCulture)),
    ["sem-open"] = a => SemaphoreScenarios.ServeSemaphoreSet(SystemVSemaphoreSet.FromId(Int(a[1]))),
    ["lock-open"] = a => LockScenarios.ServeLock(FileLock.Open(a[1], Enum.Parse<FileLockKind>(a[2]))),
    ["channel-reserve-and-hang"] = a => ChannelScenarios.ChannelReserveAndHang(a[1]),
    ["channel-lease-and-hang"] = a => ChannelScenarios.ChannelLeaseAndHang(a[1]),
    ["channel-produce"] = a => ChannelScenarios.ChannelProduce(a[1], Int(a[2]), Int(a[3]), a.Length > 4 ? a[4] : null),
    ["channel-spin-read-realtime"] = a => ChannelScenarios.ChannelSpinReadRealtime(a[1], Int(a[2])),
    ["channel-write-realtime"] = a => ChannelScenarios.ChannelWriteRealtime(a[1], Int(a[2]), a[3], Int(a[4])),
    ["cpu-turns-realtime"] = a => ChannelScenarios.CpuTurnsRealtime(a[1], Int(a[2]), Int(a[3])),
    ["channel-consume"] = a => ChannelScenarios.ChannelConsume(a[1], a.Length > 2 ? a[2] : null),
    ["channel-create-and-exit"] = a => ChannelScenarios.ChannelCreateAndExit(a[1]),
    ["channel-subscribe-and-hang"] = a => ChannelScenarios.ChannelSubscribeAndHang(a[1]),
    ["channel-subscribe-overrun"] = a => ChannelScenarios.ChannelSubscribeOverrun(a[1], long.Parse(a[2], CultureInfo.InvariantCulture)),
    ["channel-hold-walker"] = a => ChannelScenarios.ChannelHoldWalker(a[1]),
    ["channel-die-while-claiming"] = a => ChannelScenarios.ChannelDieWhileClaiming(a[1]),
    ["as-user"] = a => UserScenarios.AsUser(uint.Parse(a[1], CultureInfo.InvariantCulture), uint.Parse(a[2], CultureInfo.InvariantCulture), a[3], a[4]),
};

try
{
    return args.Length > 0 && scenarios.TryGetValue(args[0], out Func<string[], int>? scenario)
        ? scenario(args)
        : throw new ArgumentException($"unknown scenario {(args.Length > 0 ? args[0] : "(none)")}: one of {string.Join(", ", scenarios.Keys)}");
}
catch (Exception e)
{
    Console.Error.WriteLine(e);
    return 1;
}

static int Int(string text) => int.Parse(text, CultureInfo.InvariantCulture);

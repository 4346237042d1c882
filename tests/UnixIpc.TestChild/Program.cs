using System.Globalization;
using System.Runtime.InteropServices;
using UnixIpc;
using UnixIpc.Tests;

// The second process of cross-process tests. args[0] names a scenario, the rest are strings (names, ids).
// Protocol: print READY once set up, then answer each stdin line with exactly one line; "exit" ends with 0.
// Anything unexpected goes to stderr with exit code 1.
try
{
    return args[0] switch
    {
        "pshm-open" => ServeRegion(OpenPosix(args[1]).Map()),
        "shm-attach" => ServeRegion(SystemVSharedMemory.FromId(int.Parse(args[1], CultureInfo.InvariantCulture)).Attach(args.Length > 2 && args[2] == "ro")),
        "pshm-race" => RaceCreate(args[1..]),
        "mq-open" => ServeQueue(PosixMessageQueue.OpenExisting(args[1])),
        "mq-race" => RaceCreateQueue(args[1]),
        "psem-open" => ServeSemaphore(PosixSemaphore.OpenExisting(args[1])),
        "psem-in-shm" => ServeSemaphoreInSharedMemory(args[1], long.Parse(args[2], CultureInfo.InvariantCulture)),
        "sem-open" => ServeSemaphoreSet(SystemVSemaphoreSet.FromId(int.Parse(args[1], CultureInfo.InvariantCulture))),
        "lock-open" => ServeLock(FileLock.Open(args[1], Enum.Parse<FileLockKind>(args[2]))),
        "msg-open" => ServeSystemVQueue(SystemVMessageQueue.FromId(int.Parse(args[1], CultureInfo.InvariantCulture))),
        "emfile" => CreateWithoutDescriptors(args[1]),
        "msg-enospc" => QueuesBeyondMsgmni(),
        "channel-reserve-and-hang" => ChannelReserveAndHang(args[1]),
        "channel-lease-and-hang" => ChannelLeaseAndHang(args[1]),
        "channel-produce" => ChannelProduce(args[1], int.Parse(args[2], CultureInfo.InvariantCulture), int.Parse(args[3], CultureInfo.InvariantCulture), args.Length > 4 ? args[4] : null),
        "channel-consume" => ChannelConsume(args[1], args.Length > 2 ? args[2] : null),
        "channel-create-and-exit" => ChannelCreateAndExit(args[1]),
        "channel-subscribe-and-hang" => ChannelSubscribeAndHang(args[1]),
        "channel-subscribe-overrun" => ChannelSubscribeOverrun(args[1], long.Parse(args[2], CultureInfo.InvariantCulture)),
        "channel-hold-walker" => ChannelHoldWalker(args[1]),
        "channel-die-while-claiming" => ChannelDieWhileClaiming(args[1]),
        "as-user" => AsUser(uint.Parse(args[1], CultureInfo.InvariantCulture), uint.Parse(args[2], CultureInfo.InvariantCulture), args[3], args[4]),
        _ => throw new ArgumentException($"unknown scenario {args[0]}"),
    };
}
catch (Exception e)
{
    Console.Error.WriteLine(e);
    return 1;
}

static PosixSharedMemory OpenPosix(string name) => PosixSharedMemory.OpenExisting(name);

// Serves reads and writes of one region until "exit"; "detach" disposes the region first.
static int ServeRegion(MappedRegion region)
{
    Console.WriteLine("READY");
    string? line;
    while ((line = Console.ReadLine()) is not null)
    {
        string[] words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        switch (words[0])
        {
            case "read":
                var buffer = new byte[int.Parse(words[2], CultureInfo.InvariantCulture)];
                int n = region.Read(long.Parse(words[1], CultureInfo.InvariantCulture), buffer);
                Console.WriteLine(Convert.ToHexString(buffer, 0, n));
                break;
            case "write":
                region.Write(long.Parse(words[1], CultureInfo.InvariantCulture), Convert.FromHexString(words[2]));
                Console.WriteLine("ok");
                break;
            case "add32":
                long offset = long.Parse(words[1], CultureInfo.InvariantCulture);
                int times = int.Parse(words[2], CultureInfo.InvariantCulture);
                for (int i = 0; i < times; i++)
                {
                    region.AtomicAddInt32(offset, 1);
                }

                Console.WriteLine("ok");
                break;
            case "detach":
                region.Dispose();
                Console.WriteLine("ok");
                break;
            case "exit":
                region.Dispose();
                return 0;
            default:
                Console.Error.WriteLine($"unknown command {line}");
                return 1;
        }
    }

    return 0;
}

// Sends and receives on a POSIX queue: "send PRIO HEX", "recv" (blocking), "tryrecv"; each answers one line.
static int ServeQueue(PosixMessageQueue queue)
{
    using (queue)
    {
        Console.WriteLine("READY");
        var buffer = new byte[queue.MaxMessageSize];
        string? line;
        while ((line = Console.ReadLine()) is not null)
        {
            string[] words = line.Split(' ');
            switch (words[0])
            {
                case "send":
                    queue.Send(words.Length > 2 ? Convert.FromHexString(words[2]) : [], int.Parse(words[1], CultureInfo.InvariantCulture));
                    Console.WriteLine("sent");
                    break;
                case "recv":
                    PosixMessageInfo info = queue.Receive(buffer);
                    Console.WriteLine($"{info.Priority} {Convert.ToHexString(buffer, 0, info.Length)}");
                    break;
                case "tryrecv":
                    Console.WriteLine(queue.TryReceive(buffer, out PosixMessageInfo got) ? $"{got.Priority} {Convert.ToHexString(buffer, 0, got.Length)}" : "empty");
                    break;
                case "exit":
                    return 0;
                default:
                    Console.Error.WriteLine($"unknown command {line}");
                    return 1;
            }
        }
    }

    return 0;
}

// A System V queue: "send TYPE HEX" and "recv SELECTOR" block; each prints its result, or the errno
// name if the call failed (EIDRM when the queue is removed meanwhile).
static int ServeSystemVQueue(SystemVMessageQueue queue)
{
    Console.WriteLine("READY");
    var buffer = new byte[8192];
    string? line;
    while ((line = Console.ReadLine()) is not null)
    {
        string[] words = line.Split(' ');
        try
        {
            switch (words[0])
            {
                case "send":
                    queue.Send(long.Parse(words[1], CultureInfo.InvariantCulture), words.Length > 2 ? Convert.FromHexString(words[2]) : []);
                    Console.WriteLine("sent");
                    break;
                case "recv":
                    long selector = long.Parse(words[1], CultureInfo.InvariantCulture);
                    SystemVMessageInfo info = queue.Receive(buffer, selector == 0 ? MessageSelector.Any : selector > 0 ? MessageSelector.Type(selector) : MessageSelector.LowestUpTo(-selector));
                    Console.WriteLine($"{info.Type} {Convert.ToHexString(buffer, 0, info.Length)}");
                    break;
                case "exit":
                    return 0;
                default:
                    Console.Error.WriteLine($"unknown command {line}");
                    return 1;
            }
        }
        catch (IpcObjectRemovedException)
        {
            Console.WriteLine("EIDRM");
        }
    }

    return 0;
}

// A named POSIX semaphore: "wait" (blocking), "trywait", "post", "value"; each answers one line.
static int ServeSemaphore(PosixSemaphore semaphore)
{
    using (semaphore)
    {
        return ServeSemaphoreCommands(semaphore);
    }
}

// An unnamed process-shared semaphore at OFFSET of POSIX shared memory NAME.
static int ServeSemaphoreInSharedMemory(string name, long offset)
{
    using PosixSharedMemory shm = PosixSharedMemory.OpenExisting(name);
    using MappedRegion region = shm.Map();
    using PosixSemaphore semaphore = PosixSemaphore.At(region, offset);
    return ServeSemaphoreCommands(semaphore);
}

static int ServeSemaphoreCommands(PosixSemaphore semaphore)
{
    Console.WriteLine("READY");
    string? line;
    while ((line = Console.ReadLine()) is not null)
    {
        switch (line)
        {
            case "wait":
                semaphore.Wait();
                Console.WriteLine("taken");
                break;
            case "trywait":
                Console.WriteLine(semaphore.TryWait() ? "taken" : "busy");
                break;
            case "post":
                semaphore.Release();
                Console.WriteLine("posted");
                break;
            case "value":
                Console.WriteLine(semaphore.Value.ToString(CultureInfo.InvariantCulture));
                break;
            case "exit":
                return 0;
            default:
                Console.Error.WriteLine($"unknown command {line}");
                return 1;
        }
    }

    return 0;
}

// A System V semaphore set: "op I:D[u],..." applies atomically (u = SEM_UNDO) and answers "done" or the
// errno name (EIDRM when the set is removed meanwhile); "value I".
static int ServeSemaphoreSet(SystemVSemaphoreSet set)
{
    Console.WriteLine("READY");
    string? line;
    while ((line = Console.ReadLine()) is not null)
    {
        string[] words = line.Split(' ');
        try
        {
            switch (words[0])
            {
                case "op":
                    set.Apply(words[1].Split(',').Select(ParseOperation).ToArray());
                    Console.WriteLine("done");
                    break;
                case "value":
                    Console.WriteLine(set.GetValue(int.Parse(words[1], CultureInfo.InvariantCulture)).ToString(CultureInfo.InvariantCulture));
                    break;
                case "exit":
                    return 0;
                default:
                    Console.Error.WriteLine($"unknown command {line}");
                    return 1;
            }
        }
        catch (UnixIpcException e)
        {
            Console.WriteLine(e.Error.ToString());
        }
    }

    return 0;
}

static SemaphoreOperation ParseOperation(string text)
{
    bool undo = text.EndsWith('u');
    string[] parts = text.TrimEnd('u').Split(':');
    return new SemaphoreOperation(int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture), undo);
}

// A file lock: "lock read|write START LENGTH" (blocking), "trylock …", "unlock START LENGTH"; answers one line.
static int ServeLock(FileLock fileLock)
{
    using (fileLock)
    {
        Console.WriteLine("READY");
        string? line;
        while ((line = Console.ReadLine()) is not null)
        {
            string[] words = line.Split(' ');
            try
            {
                switch (words[0])
                {
                    case "lock":
                        fileLock.Lock(Enum.Parse<FileLockType>(words[1], ignoreCase: true), long.Parse(words[2], CultureInfo.InvariantCulture), long.Parse(words[3], CultureInfo.InvariantCulture));
                        Console.WriteLine("locked");
                        break;
                    case "trylock":
                        Console.WriteLine(fileLock.TryLock(Enum.Parse<FileLockType>(words[1], ignoreCase: true), long.Parse(words[2], CultureInfo.InvariantCulture), long.Parse(words[3], CultureInfo.InvariantCulture)) ? "locked" : "busy");
                        break;
                    case "unlock":
                        fileLock.Unlock(long.Parse(words[1], CultureInfo.InvariantCulture), long.Parse(words[2], CultureInfo.InvariantCulture));
                        Console.WriteLine("unlocked");
                        break;
                    case "conflict":
                        FileLockConflict? conflict = fileLock.GetConflict(Enum.Parse<FileLockType>(words[1], ignoreCase: true), long.Parse(words[2], CultureInfo.InvariantCulture), long.Parse(words[3], CultureInfo.InvariantCulture));
                        Console.WriteLine(conflict is null ? "none" : $"{conflict.Type.ToString().ToLowerInvariant()} {conflict.Start} {conflict.Length} {conflict.ProcessId}");
                        break;
                    case "exit":
                        return 0;
                    default:
                        Console.Error.WriteLine($"unknown command {line}");
                        return 1;
                }
            }
            catch (UnixIpcException e)
            {
                Console.WriteLine(e.Error.ToString());
            }
        }
    }

    return 0;
}

// MQ-34: after "go", try to create the queue exclusively; print "won" or the errno.
static int RaceCreateQueue(string name)
{
    Console.WriteLine("READY");
    if (Console.ReadLine() != "go")
    {
        return 1;
    }

    try
    {
        using var queue = PosixMessageQueue.CreateNew(name, new PosixMessageQueueOptions { MaxMessages = 1, MaxMessageSize = 8 });
        Console.WriteLine("won");
    }
    catch (UnixIpcException e)
    {
        Console.WriteLine(e.Error.ToString());
    }

    return 0;
}

// PSHM-12: after "go", try to create every name exclusively; print how many this process won.
static int RaceCreate(string[] names)
{
    Console.WriteLine("READY");
    if (Console.ReadLine() != "go")
    {
        return 1;
    }

    int won = 0;
    foreach (string name in names)
    {
        try
        {
            using PosixSharedMemory shm = PosixSharedMemory.CreateNew(name, 64);
            won++;
        }
        catch (UnixIpcException e) when (e.Error == Errno.EEXIST)
        {
        }
    }

    Console.WriteLine(won.ToString(CultureInfo.InvariantCulture));
    return 0;
}

// PSHM-16: with every descriptor below RLIMIT_NOFILE in use, creating fails with EMFILE.
static int CreateWithoutDescriptors(string name)
{
    Console.WriteLine("READY");
    int highest = Directory.EnumerateFiles("/proc/self/fd").Select(p => int.Parse(Path.GetFileName(p), CultureInfo.InvariantCulture)).Max();
    var limit = new RLimit { Current = (ulong)highest + 8, Maximum = ulong.MaxValue };
    Native.GetRLimit(Native.RLIMIT_NOFILE, out RLimit old);
    limit.Maximum = old.Maximum;
    if (Native.SetRLimit(Native.RLIMIT_NOFILE, in limit) != 0)
    {
        throw new InvalidOperationException("setrlimit failed");
    }

    var held = new List<Microsoft.Win32.SafeHandles.SafeFileHandle>();
    try
    {
        while (true)
        {
            held.Add(File.OpenHandle("/dev/null"));
        }
    }
    catch (IOException)
    {
        // The table is full now.
    }

    string outcome;
    try
    {
        using PosixSharedMemory shm = PosixSharedMemory.CreateNew(name, 64);
        outcome = "created";
    }
    catch (UnixIpcException e)
    {
        outcome = e.Error + " " + e.Message;
    }

    foreach (var handle in held)
    {
        handle.Dispose();
    }

    PosixSharedMemory.TryUnlink(name);
    Console.WriteLine(outcome);
    return 0;
}

// Permission checks for a root test run: drop to another uid/gid (losing every capability), try one call,
// print "ok" or the errno.
static int AsUser(uint uid, uint gid, string operation, string argument)
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
        "shm-lock-size" => () => LockOwnSegment(long.Parse(argument, CultureInfo.InvariantCulture)),
        "mq-open" => () => PosixMessageQueue.OpenExisting(argument).Dispose(),
        "mq-open-ro" => () => PosixMessageQueue.OpenExisting(argument, MessageQueueAccess.Receive).Dispose(),
        "mq-unlink" => () => PosixMessageQueue.Unlink(argument),
        "psem-open" => () => PosixSemaphore.OpenExisting(argument).Dispose(),
        "psem-unlink" => () => PosixSemaphore.Unlink(argument),
        "sem-op" => () => SemaphoreSetById(argument).TryApply(SemaphoreOperation.Release(0)),
        "sem-getval" => () => SemaphoreSetById(argument).GetValue(0),
        "sem-set" => () => SemaphoreSetById(argument).SetPermissions(UnixFileMode.UserRead),
        "msg-send" => () => MessageQueueById(argument).TrySend(1, "x"u8),
        "msg-recv" => () => MessageQueueById(argument).TryReceive(new byte[8192], out _),
        "msg-stat" => () => MessageQueueById(argument),
        "msg-set" => () => MessageQueueById(argument).SetPermissions(UnixFileMode.UserRead),
        "msg-rm" => () => SystemVMessageQueue.Remove(int.Parse(argument, CultureInfo.InvariantCulture)),
        "msg-raise-own" => () => RaiseOwnQueueLimit(long.Parse(argument, CultureInfo.InvariantCulture)),

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

static SystemVSemaphoreSet SemaphoreSetById(string id) => SystemVSemaphoreSet.FromId(int.Parse(id, CultureInfo.InvariantCulture));

static SystemVMessageQueue MessageQueueById(string id) => SystemVMessageQueue.FromId(int.Parse(id, CultureInfo.InvariantCulture));

// SVMSG-15: an unprivileged owner raising its own queue's byte limit to BYTES.
static void RaiseOwnQueueLimit(long bytes)
{
    SystemVMessageQueue queue = SystemVMessageQueue.CreateNew(IpcKey.Private);
    try
    {
        queue.SetMaxBytes(bytes);
    }
    finally
    {
        queue.Remove();
    }
}

// Creates a private segment of SIZE bytes as this (unprivileged) user, tries SHM_LOCK, removes it.
static void LockOwnSegment(long size)
{
    SystemVSharedMemory segment = SystemVSharedMemory.CreateNew(IpcKey.Private, size);
    try
    {
        segment.Lock();
        segment.Unlock();
    }
    finally
    {
        segment.Remove();
    }
}

// SVMSG-20 without touching the machine: in a new IPC namespace of this thread only, lower msgmni to 1,
// create one queue, then try a second. The namespace, and the queue, vanish with the process.
static int QueuesBeyondMsgmni()
{
    Console.WriteLine("READY");
    const int CLONE_NEWIPC = 0x08000000;
    if (Native.Unshare(CLONE_NEWIPC) != 0)
    {
        Console.WriteLine("SKIP unshare(CLONE_NEWIPC) failed: errno " + Marshal.GetLastPInvokeError());
        return 0;
    }

    try
    {
        File.WriteAllText("/proc/sys/kernel/msgmni", "1");
    }
    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
    {
        Console.WriteLine("SKIP cannot set msgmni in the new IPC namespace: " + e.Message);
        return 0;
    }
    SystemVMessageQueue.CreateNew(IpcKey.Private);
    try
    {
        SystemVMessageQueue.CreateNew(IpcKey.Private);
        Console.WriteLine("created a second queue");
    }
    catch (UnixIpcException e)
    {
        Console.WriteLine(e.Error + " " + e.Message);
    }

    return 0;
}

// Reserves a record and never commits it: the parent kills this process mid-record.
static int ChannelReserveAndHang(string name)
{
    using SharedMemoryChannel channel = SharedMemoryChannel.OpenExisting(name);
    SharedMemoryChannelWriter writer = channel.CreateWriter();
    if (!writer.TryReserve(100, out WriteLease lease))
    {
        throw new InvalidOperationException("no room");
    }

    lease.Span.Fill(0xEE);
    Console.WriteLine("READY");
    Console.ReadLine(); // killed here
    return 0;
}

// Takes a message with a lease and never releases it: the parent kills this process holding it.
static int ChannelLeaseAndHang(string name)
{
    using SharedMemoryChannel channel = SharedMemoryChannel.OpenExisting(name);
    SharedMemoryChannelReader reader = channel.CreateReader();
    Console.WriteLine("READY");
    ReadLease lease;
    while (!reader.TryRead(out lease))
    {
        Thread.Sleep(1);
    }

    Console.WriteLine(Convert.ToHexString(lease.Span));
    Console.ReadLine(); // killed here
    return 0;
}

// Writes COUNT messages of 64 bytes: producer id, sequence number, and a checksum over the rest.
// Writes COUNT checked messages as producer PRODUCER. With LOG, appends each (producer, seq) once Write has
// returned (the message is committed), unbuffered, so the log lists only messages that really were sent.
static int ChannelProduce(string name, int producer, int count, string? log)
{
    using SharedMemoryChannel channel = SharedMemoryChannel.OpenExisting(name);
    using SharedMemoryChannelWriter writer = channel.CreateWriter();
    using FileStream? logFile = log is null ? null : new FileStream(log, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, 1);
    Console.WriteLine("READY");
    Span<byte> message = stackalloc byte[64];
    for (int i = 0; i < count; i++)
    {
        ChannelMessages.Fill(message, producer, i);
        writer.Write(message);
        logFile?.Write(System.Text.Encoding.ASCII.GetBytes($"{producer} {i}\n"));
    }

    Console.WriteLine("done");
    return 0;
}

// Reads until a message with producer id -1; prints per producer: count, sum and sum of squares of
// sequence numbers, and order or checksum violations. With LOG, appends each (producer, seq) as it
// arrives, unbuffered, so a kill loses nothing that was received.
static int ChannelConsume(string name, string? log)
{
    using SharedMemoryChannel channel = SharedMemoryChannel.OpenExisting(name);
    using SharedMemoryChannelReader reader = channel.CreateReader();
    using FileStream? logFile = log is null ? null : new FileStream(log, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, 1);
    Console.WriteLine("READY");
    var stats = new Dictionary<int, (long Count, long Sum, long Squares, int Last)>();
    long violations = 0;
    var buffer = new byte[channel.MaxMessageSize];
    while (true)
    {
        // Zero-copy, and released only after the message is logged: a kill before the release makes the
        // channel hand it to another consumer (at-least-once), so the log never misses a message.
        if (!reader.TryRead(out ReadLease lease))
        {
            reader.WaitToRead(Timeout.InfiniteTimeSpan);
            continue;
        }

        int length = lease.Length;
        lease.Span.CopyTo(buffer);
        if (!ChannelMessages.TryCheck(buffer.AsSpan(0, length), out int producer, out int sequence))
        {
            violations++;
            logFile?.Write("corrupt\n"u8); // seen by the parent even if this consumer is killed later
            lease.Release();
            continue;
        }

        if (logFile is not null)
        {
            byte[] entry = System.Text.Encoding.ASCII.GetBytes($"{producer} {sequence}\n");
            logFile.Write(entry);
            logFile.Flush();
        }

        lease.Release();
        if (producer == -1)
        {
            break;
        }

        (long count, long sum, long squares, int last) = stats.GetValueOrDefault(producer, (0, 0, 0, -1));
        if (sequence <= last)
        {
            violations++; // per producer, messages must come in order
        }

        stats[producer] = (count + 1, sum + sequence, squares + ((long)sequence * sequence), sequence);
    }

    foreach ((int producer, (long count, long sum, long squares, int _)) in stats.OrderBy(e => e.Key))
    {
        Console.WriteLine($"{producer} {count} {sum} {squares}");
    }

    Console.WriteLine($"violations {violations}");
    return 0;
}

// Subscribes to a broadcast channel and never reads: the parent kills it while producers wait on it.
static int ChannelSubscribeAndHang(string name)
{
    using SharedMemoryChannel channel = SharedMemoryChannel.OpenExisting(name);
    SharedMemoryChannelReader reader = channel.CreateReader();
    Console.WriteLine("READY");
    Console.ReadLine(); // killed here
    GC.KeepAlive(reader);
    return 0;
}

// Subscribes to an overrun broadcast channel and reads (by copy) until it has read or been told it lost
// TOTAL messages; prints how many it read and lost, how often it was overrun, and checksum or order violations.
static int ChannelSubscribeOverrun(string name, long total)
{
    using SharedMemoryChannel channel = SharedMemoryChannel.OpenExisting(name);
    using SharedMemoryChannelReader reader = channel.CreateReader();
    Console.WriteLine("READY");
    var last = new Dictionary<int, int>();
    var buffer = new byte[channel.MaxMessageSize];
    long read = 0, lost = 0, violations = 0;
    while (read + lost < total)
    {
        if (!reader.TryRead(buffer, out int length, out long skipped))
        {
            if (!reader.WaitToRead(TimeSpan.FromMinutes(1)))
            {
                Console.WriteLine($"starved at read {read} lost {lost}");
                return 1;
            }

            continue;
        }

        read++;
        lost += skipped;
        if (!ChannelMessages.TryCheck(buffer.AsSpan(0, length), out int producer, out int sequence) || sequence <= last.GetValueOrDefault(producer, -1))
        {
            violations++;
            continue;
        }

        last[producer] = sequence;
    }

    Console.WriteLine($"read {read} lost {lost} reported {reader.MessagesLost} violations {violations}");
    return 0;
}

// Registers as a producer and marks itself, in the channel's header, as the producer walking the overrun
// frontier (as if killed mid-walk): the parent kills it and checks that the other producers take over.
static int ChannelHoldWalker(string name)
{
    using SharedMemoryChannel channel = SharedMemoryChannel.OpenExisting(name);
    SharedMemoryChannelWriter writer = channel.CreateWriter();
    int slot = channel.Stat().Participants.Single(p => p.ProcessId == Environment.ProcessId).Slot;
    using PosixSharedMemory shm = PosixSharedMemory.OpenExisting(name);
    using MappedRegion region = shm.Map();
    const int WalkerOffset = 640; // docs/channel-protocol.md
    region.Write(WalkerOffset, ((ulong)(uint)Environment.ProcessId << 32) | (uint)(slot + 1));
    Console.WriteLine("READY");
    Console.ReadLine(); // killed here
    GC.KeepAlive(writer);
    return 0;
}

// Claims a participant slot the way a subscriber does (state = -pid, identity, cursor at the tail) and
// stops there, as if killed before publishing its role: the parent kills it and checks the slot is freed.
static int ChannelDieWhileClaiming(string name)
{
    using PosixSharedMemory shm = PosixSharedMemory.OpenExisting(name);
    using MappedRegion region = shm.Map();
    const int Slots = 1024, SlotSize = 128, Tail = 128, Cursor = 96; // docs/channel-protocol.md
    for (int i = 0; i < 64; i++)
    {
        long slot = Slots + (i * SlotSize);
        if (region.AtomicCompareExchangeInt32(slot, -Environment.ProcessId, 0) == 0)
        {
            region.Write(slot + 4, Environment.ProcessId);
            region.Write(slot + Cursor, region.AtomicReadInt64(Tail));
            Console.WriteLine("READY");
            Console.ReadLine(); // killed here
            return 0;
        }
    }

    throw new InvalidOperationException("no free slot");
}

// Creates a channel with a writer and a reader registered, writes one message, and exits without cleaning up.
static int ChannelCreateAndExit(string name)
{
    SharedMemoryChannel channel = SharedMemoryChannel.CreateNew(name, new SharedMemoryChannelOptions { Capacity = 65536 });
    SharedMemoryChannelWriter writer = channel.CreateWriter();
    SharedMemoryChannelReader reader = channel.CreateReader();
    writer.TryWrite("left behind"u8);
    Console.WriteLine("READY");
    GC.KeepAlive(reader);
    return 0;
}

internal struct RLimit
{
    public ulong Current;
    public ulong Maximum;
}

internal static partial class Native
{
    public const int RLIMIT_NOFILE = 7;

    [LibraryImport("libc.so.6", EntryPoint = "getrlimit", SetLastError = true)]
    public static partial int GetRLimit(int resource, out RLimit limit);

    [LibraryImport("libc.so.6", EntryPoint = "setrlimit", SetLastError = true)]
    public static partial int SetRLimit(int resource, in RLimit limit);

    [LibraryImport("libc.so.6", EntryPoint = "unshare", SetLastError = true)]
    public static partial int Unshare(int flags);

    [LibraryImport("libc.so.6", EntryPoint = "setresuid", SetLastError = true)]
    public static partial int SetResUid(uint ruid, uint euid, uint suid);

    [LibraryImport("libc.so.6", EntryPoint = "setresgid", SetLastError = true)]
    public static partial int SetResGid(uint rgid, uint egid, uint sgid);
}

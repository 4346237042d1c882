using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using UnixIpc;

namespace UnixIpc.Tests;

/// <summary>Scenarios on shared-memory channels: producers, consumers and participants killed at chosen moments.</summary>
internal static class ChannelScenarios
{
    // A busy-spinning reader on a real-time priority (SCHED_FIFO 1) pinned to CPU `cpu`: a writer of the same priority
    // pinned there too runs only when this reader gives up the CPU. Prints "spinning" (or "no-realtime ..." when the
    // system refuses real-time scheduling), then the message it read, in hex, or "timed out" after 90 s: a reader
    // whose parent died (a killed test run) must not hold its CPU at real-time priority for ever.
    public static int ChannelSpinReadRealtime(string name, int cpu)
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.OpenExisting(name, new SharedMemoryChannelOpenOptions { WaitStrategy = ChannelWaitStrategy.BusySpin });
        using SharedMemoryChannelReader reader = channel.CreateReader();
        Console.WriteLine("READY");
        string? refused = Native.RunRealtimeOn(cpu);
        Console.WriteLine(refused is null ? "spinning" : "no-realtime " + refused);
        if (refused is null)
        {
            var buffer = new byte[channel.MaxMessageSize];
            Console.WriteLine(reader.TryRead(buffer, TimeSpan.FromSeconds(90), out int length) ? Convert.ToHexString(buffer, 0, length) : "timed out");
        }

        return 0;
    }

    // A busy-spinning writer, started and ready before anything spins at real-time priority, so nothing of its start-up
    // competes with that: on the command "write", moves to CPU `cpu` at real-time priority SCHED_FIFO 1, prints
    // "realtime" (or "no-realtime ..."), then writes the message (hex) COUNT times, waiting for room, and prints "written".
    public static int ChannelWriteRealtime(string name, int cpu, string hex, int count)
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.OpenExisting(name, new SharedMemoryChannelOpenOptions { WaitStrategy = ChannelWaitStrategy.BusySpin });
        using SharedMemoryChannelWriter writer = channel.CreateWriter();
        byte[] message = Convert.FromHexString(hex);
        Console.WriteLine("READY");
        Console.ReadLine(); // "write"
        string? refused = Native.RunRealtimeOn(cpu);
        Console.WriteLine(refused is null ? "realtime" : "no-realtime " + refused);
        if (refused is null)
        {
            for (int i = 0; i < count; i++)
            {
                writer.Write(message);
            }

            Console.WriteLine("written");
        }

        return 0;
    }

    // Another process's CPU time, in turns: at real-time priority SCHED_FIFO 1 on CPU `cpu`, spins 5 ms, then yields, over
    // and over, so a process of the same priority there runs only between two turns (and only until it yields). Prints
    // "hogging" (or "no-realtime ..."); once told "count", takes TURNS more turns and, still holding the CPU, prints
    // whether channel NAME still has a subscriber ("subscriber held" or "subscriber freed").
    public static int CpuTurnsRealtime(string name, int cpu, int turns)
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.OpenExisting(name);
        Console.WriteLine("READY");
        bool counting = false;
        new Thread(() =>
        {
            Console.ReadLine(); // "count"
            Volatile.Write(ref counting, true);
        }) { IsBackground = true }.Start(); // started before this thread turns real-time, so it does not inherit that
        string? refused = Native.RunRealtimeOn(cpu);
        Console.WriteLine(refused is null ? "hogging" : "no-realtime " + refused);
        if (refused is not null)
        {
            return 0;
        }

        while (turns > 0)
        {
            long until = Stopwatch.GetTimestamp() + (Stopwatch.Frequency / 200);
            while (Stopwatch.GetTimestamp() < until)
            {
            }

            Thread.Yield();
            turns -= Volatile.Read(ref counting) ? 1 : 0;
        }

        Console.WriteLine(channel.Stat().Participants.Any(p => p.Role == "subscriber") ? "subscriber held" : "subscriber freed");
        return 0;
    }

    // Reserves a record and never commits it: the parent kills this process mid-record.
    public static int ChannelReserveAndHang(string name)
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
    public static int ChannelLeaseAndHang(string name)
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
    public static int ChannelProduce(string name, int producer, int count, string? log)
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
    public static int ChannelConsume(string name, string? log)
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
    public static int ChannelSubscribeAndHang(string name)
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
    public static int ChannelSubscribeOverrun(string name, long total)
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
    public static int ChannelHoldWalker(string name)
    {
        using SharedMemoryChannel channel = SharedMemoryChannel.OpenExisting(name);
        SharedMemoryChannelWriter writer = channel.CreateWriter();
        int slot = channel.Stat().Participants.Single(p => p.ProcessId == Environment.ProcessId).Slot;
        using PosixSharedMemory shm = PosixSharedMemory.OpenExisting(name);
        using MappedRegion region = shm.Map();
        region.Write(ChannelLayout.WalkerOffset, ((ulong)(uint)Environment.ProcessId << 32) | (uint)(slot + 1));
        Console.WriteLine("READY");
        Console.ReadLine(); // killed here
        GC.KeepAlive(writer);
        return 0;
    }

    // Claims a participant slot the way a subscriber does (state = -pid, identity, cursor at the tail) and
    // stops there, as if killed before publishing its role: the parent kills it and checks the slot is freed.
    public static int ChannelDieWhileClaiming(string name)
    {
        using PosixSharedMemory shm = PosixSharedMemory.OpenExisting(name);
        using MappedRegion region = shm.Map();
        for (int i = 0; i < ChannelLayout.DefaultSlotCount; i++)
        {
            long slot = ChannelLayout.SlotsOffset + (i * ChannelLayout.SlotSize);
            if (region.AtomicCompareExchangeInt32(slot + ChannelLayout.SlotStateOffset, -Environment.ProcessId, ChannelLayout.StateFree) == ChannelLayout.StateFree)
            {
                region.Write(slot + ChannelLayout.SlotPidOffset, Environment.ProcessId);
                region.Write(slot + ChannelLayout.SlotCursorOffset, region.AtomicReadInt64(ChannelLayout.TailOffset));
                Console.WriteLine("READY");
                Console.ReadLine(); // killed here
                return 0;
            }
        }

        throw new InvalidOperationException("no free slot");
    }

    // Creates a channel with a writer and a reader registered, writes one message, and exits without cleaning up.
    public static int ChannelCreateAndExit(string name)
    {
        SharedMemoryChannel channel = SharedMemoryChannel.CreateNew(name, new SharedMemoryChannelOptions { Capacity = 65536 });
        SharedMemoryChannelWriter writer = channel.CreateWriter();
        SharedMemoryChannelReader reader = channel.CreateReader();
        writer.TryWrite("left behind"u8);
        Console.WriteLine("READY");
        GC.KeepAlive(reader);
        return 0;
    }
}

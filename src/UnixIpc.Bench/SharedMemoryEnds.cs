namespace UnixIpc.Benchmarking;

/// <summary>
/// The classic producer and consumer through UnixIpc: a bounded buffer of <see cref="Slots"/> items of
/// <see cref="ItemSize"/> bytes each way in a <see cref="PosixSharedMemory"/> object, with two named
/// <see cref="PosixSemaphore"/>s per direction (free slots, full slots). Every item is 64 bytes whatever is sent.
/// </summary>
internal sealed class SemaphoreBufferEnd : BenchEnd
{
    public const int Slots = 64, ItemSize = 64;
    private readonly MappedRegion items;
    private readonly PosixSemaphore outEmpty, outFull, inEmpty, inFull;
    private readonly long outBase, inBase;
    private long written, read;

    /// <summary>Arguments as the harness passes them: the shared memory, then there-empty, there-full, back-empty, back-full.</summary>
    public SemaphoreBufferEnd(string[] args, bool measuring)
    {
        using (PosixSharedMemory memory = PosixSharedMemory.OpenExisting(args[0]))
        {
            items = memory.Map();
        }

        outBase = measuring ? 0 : Slots * ItemSize;
        inBase = measuring ? Slots * ItemSize : 0;
        outEmpty = PosixSemaphore.OpenExisting(args[measuring ? 1 : 3]);
        outFull = PosixSemaphore.OpenExisting(args[measuring ? 2 : 4]);
        inEmpty = PosixSemaphore.OpenExisting(args[measuring ? 3 : 1]);
        inFull = PosixSemaphore.OpenExisting(args[measuring ? 4 : 2]);
    }

    /// <summary>The size of the shared memory object the harness makes.</summary>
    public static long MemorySize => 2L * Slots * ItemSize;

    public override void Send(ReadOnlySpan<byte> bytes)
    {
        outEmpty.Wait();
        items.Write(outBase + (written++ % Slots * ItemSize), bytes[..Math.Min(bytes.Length, ItemSize)]);
        outFull.Release();
    }

    public override int Receive(Span<byte> buffer)
    {
        inFull.Wait();
        items.Read(inBase + (read++ % Slots * ItemSize), buffer[..Math.Min(buffer.Length, ItemSize)]);
        inEmpty.Release();
        return ItemSize;
    }

    protected override void Close()
    {
        items.Dispose();
        foreach (PosixSemaphore semaphore in new[] { outEmpty, outFull, inEmpty, inFull })
        {
            semaphore.Dispose();
        }
    }
}

/// <summary>
/// <see cref="SharedMemoryChannel"/> one way each: the measuring side writes to "there" and reads "back", with the
/// wait strategy of the row. A read takes one whole message (the buffer must hold it).
/// </summary>
internal sealed class ChannelEnd : BenchEnd
{
    /// <summary>Each channel's ring (the C baseline's ring holds as much).</summary>
    public const long Capacity = 1 << 20;
    private readonly SharedMemoryChannel there, back;
    private readonly SharedMemoryChannelWriter writer;
    private readonly SharedMemoryChannelReader reader;

    public ChannelEnd(string thereName, string backName, ChannelWaitStrategy strategy, bool measuring)
    {
        var options = new SharedMemoryChannelOpenOptions { WaitStrategy = strategy };
        there = SharedMemoryChannel.OpenExisting(thereName, options);
        back = SharedMemoryChannel.OpenExisting(backName, options);
        writer = (measuring ? there : back).CreateWriter();
        reader = (measuring ? back : there).CreateReader();
    }

    public override void Send(ReadOnlySpan<byte> bytes) => writer.Write(bytes);

    public override int Receive(Span<byte> buffer) => reader.Read(buffer);

    protected override void Close()
    {
        writer.Dispose();
        reader.Dispose();
        there.Dispose();
        back.Dispose();
    }
}

using System.Diagnostics;

namespace UnixIpc;

/// <summary>
/// A channel's fixed header fields, read once and checked against their legal ranges before anything else
/// of the object is mapped, read or written: the object is in world-writable /dev/shm, so it may be damaged,
/// truncated or forged. What the channel uses afterwards comes from here, not from the shared bytes again.
/// </summary>
internal readonly record struct ChannelHeader(int Mode, long Capacity, int MaxMessage, int SlotCount, long DataOffset)
{
    public const long MinCapacity = 4096;
    public const long MaxCapacity = 1L << 30;

    /// <summary>Bytes of the object the header asks for: the header, the participant table and the ring.</summary>
    public long ObjectSize => DataOffset + Capacity;

    public static ChannelHeader ForNew(int mode, long capacity)
        => new(mode, capacity, (int)((capacity / 2) - ChannelLayout.RecordHeaderSize), ChannelLayout.DefaultSlotCount, ChannelLayout.DataOffset(ChannelLayout.DefaultSlotCount));

    /// <summary>
    /// Waits (up to <paramref name="readyTimeout"/>) for the creator to size the object and write its header,
    /// then validates it. Nothing is written.
    /// </summary>
    /// <exception cref="InvalidDataException">Not a channel, another protocol version, a damaged header, or a creator that never finished.</exception>
    public static ChannelHeader Read(PosixSharedMemory shm, TimeSpan readyTimeout)
    {
        Interop.statx st = Interop.FStatx(shm.Handle, shm.Name);
        if ((st.stx_mode & Interop.S_IFMT) != Interop.S_IFREG)
        {
            throw new InvalidDataException($"{shm.Name} is not a regular file, so it is not a channel.");
        }

        var clock = Stopwatch.StartNew();
        while (true)
        {
            string? unready = TryReadReady(shm, out ChannelHeader header);
            if (unready is null)
            {
                return header;
            }

            if (clock.Elapsed >= readyTimeout)
            {
                throw new InvalidDataException($"{shm.Name} {unready} after {readyTimeout.TotalSeconds:0.###} s: it is not a channel, or its creator died before finishing it.");
            }

            Thread.Sleep(1);
        }
    }

    // Null with the header when it is complete and valid; what is missing while it may still be being created.
    private static string? TryReadReady(PosixSharedMemory shm, out ChannelHeader header)
    {
        header = default;
        long size = shm.Size;
        if (size < ChannelLayout.SlotsOffset)
        {
            return $"is {size} bytes, less than a channel header";
        }

        using MappedRegion region = shm.Map(MapAccess.ReadOnly, 0, ChannelLayout.SlotsOffset);
        ulong magic = region.Read<ulong>(ChannelLayout.MagicOffset);
        if (magic != 0 && magic != ChannelLayout.Magic)
        {
            throw new InvalidDataException($"{shm.Name} is not a UnixIpc channel (no channel header)."); // a creator writes the magic into zeros: not one being created
        }

        if (region.AtomicReadInt32(ChannelLayout.ReadyOffset) != 1)
        {
            return "has no finished channel header";
        }

        using MappedRegionAccess bytes = region.Acquire();
        header = Validate(bytes.ReadOnlySpan, size, shm.Name);
        return null;
    }

    /// <summary>Checks every field against its legal range and the object's size.</summary>
    public static ChannelHeader Validate(ReadOnlySpan<byte> bytes, long objectSize, string name)
    {
        ulong magic = BitConverter.ToUInt64(bytes[ChannelLayout.MagicOffset..]);
        int version = BitConverter.ToInt32(bytes[ChannelLayout.VersionOffset..]);
        if (magic != ChannelLayout.Magic)
        {
            throw new InvalidDataException($"{name} is not a UnixIpc channel (no channel header).");
        }

        if (version != ChannelLayout.Version)
        {
            throw new InvalidDataException($"{name} is a version {version} UnixIpc channel; this build speaks version {ChannelLayout.Version}. "
                + "Every process on a channel must use the same protocol: unlink it and create it again from the new build.");
        }

        var header = new ChannelHeader(
            BitConverter.ToInt32(bytes[ChannelLayout.ModeOffset..]),
            (long)BitConverter.ToUInt64(bytes[ChannelLayout.CapacityOffset..]),
            BitConverter.ToInt32(bytes[ChannelLayout.MaxMessageOffset..]),
            BitConverter.ToInt32(bytes[ChannelLayout.SlotCountOffset..]),
            (long)BitConverter.ToUInt64(bytes[ChannelLayout.DataOffsetOffset..]));
        string? problem = header switch
        {
            { Mode: not (ChannelLayout.ModeQueue or ChannelLayout.ModeBroadcast or ChannelLayout.ModeBroadcastOverrun) } => $"mode {header.Mode} (0, 1 or 2)",
            { Capacity: < MinCapacity or > MaxCapacity } => $"capacity {header.Capacity} (a power of two from {MinCapacity} to {MaxCapacity})",
            _ when (header.Capacity & (header.Capacity - 1)) != 0 => $"capacity {header.Capacity} (a power of two)",
            _ when header.MaxMessage != (header.Capacity / 2) - ChannelLayout.RecordHeaderSize => $"largest message {header.MaxMessage} (capacity / 2 - {ChannelLayout.RecordHeaderSize} = {(header.Capacity / 2) - ChannelLayout.RecordHeaderSize})",
            { SlotCount: < 1 or > ChannelLayout.MaxSlotCount } => $"slot count {header.SlotCount} (1 to {ChannelLayout.MaxSlotCount})",
            _ when header.DataOffset != ChannelLayout.DataOffset(header.SlotCount) => $"ring offset {header.DataOffset} ({ChannelLayout.DataOffset(header.SlotCount)} for {header.SlotCount} slots)",
            _ when objectSize < header.ObjectSize => $"size: the object is {objectSize} bytes, its header needs {header.ObjectSize} (truncated?)",
            _ => null,
        };
        return problem is null
            ? header
            : throw new InvalidDataException($"{name} is a damaged channel: bad {problem}. Unlink it and create it again.");
    }
}

using System.Buffers.Binary;
using System.Numerics;

namespace UnixIpc.Stress;

/// <summary>
/// Self-checking messages: producer incarnation (4 bytes), sequence (8), checksum (4), then filler that only
/// (producer, sequence) determines. The size too (16 to 2000 bytes by default), so a message of the wrong
/// size, a torn one or one with a single changed byte all fail the check.
/// </summary>
internal static class StressMessages
{
    public const int HeaderSize = 16;

    public static int SizeOf(int producer, long sequence, int minSize, int maxSize)
        => minSize + (int)(Mix(((ulong)producer << 48) ^ (ulong)sequence ^ 0x9E37_79B9_7F4A_7C15) % (ulong)(maxSize - minSize + 1));

    public static void Fill(Span<byte> message, int producer, long sequence)
    {
        BinaryPrimitives.WriteInt32LittleEndian(message, producer);
        BinaryPrimitives.WriteInt64LittleEndian(message[4..], sequence);
        ulong state = Mix(((ulong)(uint)producer << 40) + (ulong)sequence);
        Span<byte> filler = message[HeaderSize..];
        int i = 0;
        for (; i + 8 <= filler.Length; i += 8)
        {
            state = Next(state);
            BinaryPrimitives.WriteUInt64LittleEndian(filler[i..], state);
        }

        state = Next(state);
        for (; i < filler.Length; i++, state >>= 8)
        {
            filler[i] = (byte)state;
        }

        BinaryPrimitives.WriteUInt32LittleEndian(message[12..], Checksum(message));
    }

    /// <summary>Whether the message is intact; its producer and sequence if so.</summary>
    public static bool Check(ReadOnlySpan<byte> message, int minSize, int maxSize, out int producer, out long sequence)
    {
        producer = 0;
        sequence = 0;
        if (message.Length < HeaderSize || BinaryPrimitives.ReadUInt32LittleEndian(message[12..]) != Checksum(message))
        {
            return false;
        }

        producer = BinaryPrimitives.ReadInt32LittleEndian(message);
        sequence = BinaryPrimitives.ReadInt64LittleEndian(message[4..]);
        return message.Length == SizeOf(producer, sequence, minSize, maxSize);
    }

    // Over every byte but the checksum's own four.
    private static uint Checksum(ReadOnlySpan<byte> message)
    {
        ulong hash = 0xCBF2_9CE4_8422_2325 ^ (ulong)message.Length;
        hash = Mix(hash ^ BinaryPrimitives.ReadUInt64LittleEndian(message));
        hash = Mix(hash ^ BinaryPrimitives.ReadUInt32LittleEndian(message[8..]));
        ReadOnlySpan<byte> rest = message[HeaderSize..];
        int i = 0;
        for (; i + 8 <= rest.Length; i += 8)
        {
            hash = BitOperations.RotateLeft(hash ^ BinaryPrimitives.ReadUInt64LittleEndian(rest[i..]), 27) * 0x9FB2_1C65_1E98_DF25;
        }

        for (; i < rest.Length; i++)
        {
            hash = (hash ^ rest[i]) * 0x0000_0100_0000_01B3;
        }

        hash = Mix(hash);
        return (uint)(hash ^ (hash >> 32));
    }

    private static ulong Next(ulong x)
    {
        x ^= x << 13;
        x ^= x >> 7;
        return x ^ (x << 17);
    }

    private static ulong Mix(ulong x)
    {
        x = (x ^ (x >> 30)) * 0xBF58_476D_1CE4_E5B9;
        x = (x ^ (x >> 27)) * 0x94D0_49BB_1331_11EB;
        return (x ^ (x >> 31)) | 1;
    }
}

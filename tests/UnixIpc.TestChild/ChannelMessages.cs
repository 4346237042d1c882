namespace UnixIpc.Tests;

/// <summary>Self-checking test messages: producer id, sequence number, filler, and a checksum of all of it.</summary>
internal static class ChannelMessages
{
    public static void Fill(Span<byte> message, int producer, int sequence)
    {
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(message, producer);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(message[4..], sequence);
        for (int i = 8; i < message.Length - 4; i++)
        {
            message[i] = (byte)(sequence * 31 + i + producer);
        }

        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(message[^4..], Checksum(message[..^4]));
    }

    public static bool TryCheck(ReadOnlySpan<byte> message, out int producer, out int sequence)
    {
        producer = sequence = 0;
        if (message.Length < 12 || System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(message[^4..]) != Checksum(message[..^4]))
        {
            return false;
        }

        producer = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(message);
        sequence = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(message[4..]);
        return true;
    }

    private static uint Checksum(ReadOnlySpan<byte> bytes)
    {
        uint hash = 2166136261;
        foreach (byte b in bytes)
        {
            hash = (hash ^ b) * 16777619;
        }

        return hash;
    }
}

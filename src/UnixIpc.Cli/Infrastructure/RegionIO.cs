namespace UnixIpc.Cli;

/// <summary>Reading and writing a range of a mapped object, shared by <c>pshm</c> and <c>shm</c>: bounds checked before anything moves.</summary>
internal static class RegionIO
{
    /// <summary>Write range check shared by pshm and shm: the data must fit; nothing is written otherwise.</summary>
    public static void CheckFits(string what, long size, long offset, int count)
    {
        if (offset < 0 || offset > size || count > size - offset)
        {
            throw new UsageException($"{count} bytes at offset {offset} do not fit in {what}, which is {size} bytes; nothing was written.");
        }
    }

    /// <summary>Read range shared by pshm and shm: offset inside the object, length clamped to the end.</summary>
    public static byte[] ReadRange(string what, long size, long offset, long length, Func<long, int, byte[]> read)
    {
        if (offset < 0 || offset > size)
        {
            throw new UsageException($"offset {offset} is outside {what}, which is {size} bytes.");
        }

        if (length < -1)
        {
            throw new UsageException("--length must be 0 or more.");
        }

        long available = size - offset;
        long count = length == -1 ? available : Math.Min(length, available);
        if (count > Array.MaxLength)
        {
            throw new UsageException($"{count} bytes are too many to read at once: give --length.");
        }

        return count == 0 ? [] : read(offset, (int)count);
    }

    /// <summary>Raw bytes to stdout, or with --cstring the text up to the first NUL and a newline.</summary>
    public static void WriteOutput(CliConsole console, byte[] bytes, bool cstring)
    {
        if (cstring)
        {
            int end = Array.IndexOf(bytes, (byte)0);
            console.WriteBytes(end < 0 ? bytes : bytes.AsSpan(0, end));
            console.WriteBytes("\n"u8);
        }
        else
        {
            console.WriteBytes(bytes);
        }
    }
}

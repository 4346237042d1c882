namespace UnixIpc.Benchmarking;

/// <summary>
/// File locks handed back and forth: OFD write locks on bytes 0, 1 and 2 of one file, each side through its own open
/// file. The measuring side starts holding 0 and 1, the peer 2; in round k the measuring side unlocks (1−k) mod 3 (the
/// byte the peer waits for) and waits for (2−k) mod 3, which the peer unlocks once it has its byte. A round trip is
/// two hand-offs, each a blocked F_OFD_SETLKW woken by the other side's unlock. No bytes. The C side does the same.
/// </summary>
internal sealed class FileLockEnd : BenchEnd
{
    private readonly FileLock file;
    private readonly bool measuring;
    private long round;

    public FileLockEnd(string path, bool measuring)
    {
        this.measuring = measuring;
        file = FileLock.Open(path);
        int[] starting = measuring ? [0, 1] : [2];
        foreach (int index in starting)
        {
            file.Lock(FileLockType.Write, index, 1);
        }

        // Neither side goes on before the other holds its starting bytes (or the peer could take byte 1 first). The
        // peer looks at byte 0, which the measuring side holds until the peer has answered once (byte 1 it may
        // already have handed over: waiting for that one lost the race).
        int theirs = measuring ? 2 : 0;
        for (long deadline = Environment.TickCount64 + 30_000; file.GetConflict(FileLockType.Write, theirs, 1) is null; Thread.Sleep(1))
        {
            if (Environment.TickCount64 > deadline)
            {
                throw new TimeoutException("the other side never took its locks");
            }
        }
    }

    public override void Send(ReadOnlySpan<byte> bytes)
    {
        file.Unlock(Byte(measuring ? 1 : 2), 1);
        if (!measuring)
        {
            round++;
        }
    }

    public override int Receive(Span<byte> buffer)
    {
        file.Lock(FileLockType.Write, Byte(measuring ? 2 : 1), 1);
        if (measuring)
        {
            round++;
        }

        return buffer.Length;
    }

    protected override void Close() => file.Dispose();

    private int Byte(long offset) => (int)((((offset - round) % 3) + 3) % 3);
}

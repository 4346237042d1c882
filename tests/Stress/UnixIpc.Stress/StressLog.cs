using System.IO.MemoryMappedFiles;

namespace UnixIpc.Stress;

/// <summary>
/// A log in a memory-mapped file: what a process wrote to it is kept when the process is killed (the pages
/// belong to the file). Producers keep one counter (messages committed); consumers keep counters and one
/// entry per message, producer &lt;&lt; 48 | sequence, written before the message is released.
/// </summary>
internal sealed unsafe class StressLog : IDisposable
{
    public const int Entries = 0;   // consumer: entries written; producer: messages committed
    public const int Lost = 1;      // overrun subscriber: messages reported lost
    public const int Torn = 2;      // messages that failed their check
    public const int Ready = 3;     // 1 once the participant is registered
    public const int EmptyWakeups = 4; // WaitToRead said "data" and the next read found none (another consumer may have taken it)
    private const int HeaderWords = 8;
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly long* _words;
    private readonly long _capacity;

    private StressLog(string path, long entries, bool create)
    {
        long bytes = (HeaderWords + entries) * 8;
        if (create)
        {
            using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite);
            stream.SetLength(bytes); // sparse: only what is written takes space
        }

        _file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.ReadWrite);
        _view = _file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.ReadWrite);
        byte* pointer = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        _words = (long*)pointer;
        _capacity = (_view.Capacity / 8) - HeaderWords;
    }

    public static StressLog Create(string path, long entries) => new(path, entries, create: true);

    public static StressLog Open(string path) => new(path, 0, create: false);

    public long this[int counter]
    {
        get => Volatile.Read(ref _words[counter]);
        set => Volatile.Write(ref _words[counter], value);
    }

    public long Count => Math.Min(this[Entries], _capacity);

    /// <summary>Appends an entry; the count is stored after it, so a reader never sees a half-written one.</summary>
    public void Append(int producer, long sequence)
    {
        long index = _words[Entries];
        if (index >= _capacity)
        {
            throw new InvalidOperationException($"stress log full ({_capacity} entries)");
        }

        _words[HeaderWords + index] = ((long)producer << 48) | sequence;
        Volatile.Write(ref _words[Entries], index + 1);
    }

    public (int Producer, long Sequence) Entry(long index)
    {
        long word = _words[HeaderWords + index];
        return ((int)(word >>> 48), word & ((1L << 48) - 1));
    }

    public void Dispose()
    {
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
    }
}

namespace UnixIpc.Cli;

/// <summary>
/// Where a command reads and writes: the process's own streams, or in-memory ones in tests. Text goes to
/// <see cref="Out"/>/<see cref="Error"/>; raw received bytes go to <see cref="StandardOutput"/>.
/// </summary>
internal sealed class CliConsole
{
    public CliConsole(TextWriter output, TextWriter error, Stream standardInput, Stream standardOutput, bool isTerminal, bool errorIsTerminal = false)
    {
        ErrorIsTerminal = errorIsTerminal;
        Out = output;
        Error = error;
        StandardInput = standardInput;
        StandardOutput = standardOutput;
        IsTerminal = isTerminal;
    }

    public TextWriter Out { get; }

    public TextWriter Error { get; }

    public Stream StandardInput { get; }

    /// <summary>Whether standard input can be read to its end (false when fd 0 was closed at start: see <see cref="FromProcess"/>).</summary>
    public bool StandardInputUsable => _standardInputUsable.Value;

    // Looked at only by a verb that reads standard input, not at every start.
    private Lazy<bool> _standardInputUsable = new(static () => true);

    public Stream StandardOutput { get; }

    /// <summary>
    /// Whether standard output can take bytes: false when descriptor 1 is closed, or was closed at start so that one of
    /// the runtime's own pipes landed there. Verbs that take data from somewhere (a FIFO) check it first, so nothing
    /// is consumed and then lost.
    /// </summary>
    public bool StandardOutputUsable => _standardOutputUsable.Value;

    private Lazy<bool> _standardOutputUsable = new(static () => true);

    /// <summary>
    /// Fails (EBADF, exit 1) when standard output cannot take bytes. Verbs that take something from a peer check this
    /// first: what it sent, with nowhere to print it, would be lost while the peer is told all went well.
    /// </summary>
    public void RequireStandardOutput()
    {
        if (!StandardOutputUsable)
        {
            throw new StandardOutputException(new IOException("standard output is closed"), Errno.EBADF);
        }
    }

    /// <summary>The process's own descriptors 0, 1 and 2 (not in-memory streams): a child started by <c>run</c> can use them directly.</summary>
    public bool IsProcessConsole { get; private init; }

    /// <summary>stdout is a terminal: long work may show progress.</summary>
    public bool IsTerminal { get; }

    /// <summary>stderr is a terminal: a failure may add a hint line after the one-line error.</summary>
    public bool ErrorIsTerminal { get; }

    public static CliConsole FromProcess()
    {
        Stream stdout = new StandardOutputStream(Console.OpenStandardOutput());
        var writer = new StreamWriter(stdout, new System.Text.UTF8Encoding(false)) { AutoFlush = true };
        var error = new StreamWriter(new StandardOutputStream(Console.OpenStandardError(), StandardOutputStream.OnError.Drop), new System.Text.UTF8Encoding(false)) { AutoFlush = true };
        // Synchronized: the tour relays lines of several child processes from concurrent tasks, and a bare
        // StreamWriter interleaves (or loses) characters of lines written at the same moment.
        return new CliConsole(TextWriter.Synchronized(writer), TextWriter.Synchronized(error), Console.OpenStandardInput(), stdout, !Console.IsOutputRedirected, !Console.IsErrorRedirected)
        {
            _standardInputUsable = new Lazy<bool>(() => !StandardInputIsOwnPipe()),
            IsProcessConsole = true,
            _standardOutputUsable = new Lazy<bool>(() => File.Exists("/proc/self/fd/1") && !IsOwnPipe("1", writing: true)),
        };
    }

    // Started with fd 0 closed, the process finds one of the runtime's own pipes there (the lowest free number):
    // reading it would wait for ever, since this process holds its write end. Seen as: fd 0 is a pipe, and another
    // descriptor of this process is the same pipe opened for writing.
    private static bool StandardInputIsOwnPipe() => IsOwnPipe("0", writing: false);

    // The same for fd 1 or 2 started closed: writing there would feed the runtime's own pipe, and the output would be
    // lost while the command reports success. Seen as: another descriptor of this process reads the same pipe.
    private static bool IsOwnPipe(string number, bool writing)
    {
        try
        {
            string? target = new FileInfo($"/proc/self/fd/{number}").LinkTarget;
            if (target is null || !target.StartsWith("pipe:", StringComparison.Ordinal))
            {
                return false;
            }

            foreach (string entry in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
            {
                string fd = Path.GetFileName(entry);
                if (fd != number && new FileInfo(entry).LinkTarget == target && WritesTo(fd) != writing)
                {
                    return true;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A descriptor closed while we looked: nothing to conclude.
        }

        return false;
    }

    // The access mode in /proc/self/fdinfo/FD ("flags:" in octal; the low two bits: 0 read, 1 write, 2 both).
    private static bool WritesTo(string fd)
    {
        string? flags = File.ReadLines($"/proc/self/fdinfo/{fd}").FirstOrDefault(l => l.StartsWith("flags:", StringComparison.Ordinal));
        return flags is not null && (Convert.ToInt32(flags["flags:".Length..].Trim(), 8) & 3) != 0;
    }

    /// <summary>Writes raw bytes to stdout, after any text already written.</summary>
    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        Out.Flush();
        StandardOutput.Write(bytes);
        StandardOutput.Flush();
    }
}

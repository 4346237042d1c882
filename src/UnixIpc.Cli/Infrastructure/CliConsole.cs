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

    public Stream StandardOutput { get; }

    /// <summary>stdout is a terminal: long work may show progress.</summary>
    public bool IsTerminal { get; }

    /// <summary>stderr is a terminal: a failure may add a hint line after the one-line error.</summary>
    public bool ErrorIsTerminal { get; }

    public static CliConsole FromProcess()
    {
        Stream stdout = new StandardOutputStream(Console.OpenStandardOutput());
        var writer = new StreamWriter(stdout, new System.Text.UTF8Encoding(false)) { AutoFlush = true };
        var error = new StreamWriter(new BestEffortStream(Console.OpenStandardError()), new System.Text.UTF8Encoding(false)) { AutoFlush = true };
        // Synchronized: the tour relays lines of several child processes from concurrent tasks, and a bare
        // StreamWriter interleaves (or loses) characters of lines written at the same moment.
        return new CliConsole(TextWriter.Synchronized(writer), TextWriter.Synchronized(error), Console.OpenStandardInput(), stdout, !Console.IsOutputRedirected, !Console.IsErrorRedirected);
    }

    /// <summary>Writes raw bytes to stdout, after any text already written.</summary>
    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        Out.Flush();
        StandardOutput.Write(bytes);
        StandardOutput.Flush();
    }
}

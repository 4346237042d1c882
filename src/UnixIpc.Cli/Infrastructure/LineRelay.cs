namespace UnixIpc.Cli;

/// <summary>Copies a child's output, line by line, to one of this process's writers (in-memory consoles, relayed stages).</summary>
internal static class LineRelay
{
    public static async Task CopyAsync(PipeEndStream from, TextWriter to, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(from);
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            await to.WriteLineAsync(line).ConfigureAwait(false);
            await to.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}

namespace UnixIpc;

public sealed partial class ChildProcess
{
    /// <summary>
    /// Runs a child to its end, popen-style: <paramref name="input"/> goes to its standard input (then end of stream),
    /// and its standard output and error are captured. Unset standard streams become pipes; set ones are left alone.
    /// </summary>
    public static async Task<ChildProcessOutput> RunAsync(ChildProcessOptions options, ReadOnlyMemory<byte> input = default, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options = options.Clone();
        foreach (int standard in (int[])[0, 1, 2])
        {
            options.Descriptors.TryAdd(standard, ChildDescriptor.Pipe);
        }

        using ChildProcess child = Start(options);
        try
        {
            Task feed = FeedAsync(child.StandardInput, input, cancellationToken);
            Task<byte[]> output = ReadToEndAsync(child.StandardOutput, cancellationToken);
            Task<byte[]> error = ReadToEndAsync(child.StandardError, cancellationToken);
            await Task.WhenAll(feed, output, error).ConfigureAwait(false);
            ChildExitStatus status = await child.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            return new ChildProcessOutput(status, await output.ConfigureAwait(false), await error.ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
            child.Kill();
            throw;
        }
    }

    /// <summary>Runs <paramref name="program"/> with <paramref name="arguments"/> to its end and captures its output (see <see cref="RunAsync(ChildProcessOptions, ReadOnlyMemory{byte}, CancellationToken)"/>).</summary>
    public static Task<ChildProcessOutput> RunAsync(string program, params IEnumerable<string> arguments)
        => RunAsync(new ChildProcessOptions(program, arguments));

    private static async Task FeedAsync(PipeEndStream? stdin, ReadOnlyMemory<byte> input, CancellationToken cancellationToken)
    {
        if (stdin is null)
        {
            return;
        }

        using (stdin)
        {
            try
            {
                await stdin.WriteAsync(input, cancellationToken).ConfigureAwait(false);
            }
            catch (UnixIpcException e) when (e.Error == Errno.EPIPE)
            {
                // The child stopped reading (or never read): what it did not take is not an error of ours.
            }
        }
    }

    private static async Task<byte[]> ReadToEndAsync(PipeEndStream? end, CancellationToken cancellationToken)
    {
        if (end is null)
        {
            return [];
        }

        using var collected = new MemoryStream();
        await end.CopyToAsync(collected, cancellationToken).ConfigureAwait(false);
        return collected.ToArray();
    }
}

/// <summary>What <see cref="ChildProcess.RunAsync(ChildProcessOptions, ReadOnlyMemory{byte}, CancellationToken)"/> collected.</summary>
/// <param name="Status">How the child ended.</param>
/// <param name="StandardOutput">Everything it wrote to standard output (empty if that was not a pipe).</param>
/// <param name="StandardError">Everything it wrote to standard error (empty if that was not a pipe).</param>
public sealed record ChildProcessOutput(ChildExitStatus Status, byte[] StandardOutput, byte[] StandardError)
{
    /// <summary>Standard output as UTF-8 text.</summary>
    public string Text => System.Text.Encoding.UTF8.GetString(StandardOutput);
}

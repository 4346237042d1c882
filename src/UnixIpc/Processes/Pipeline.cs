namespace UnixIpc;

/// <summary>
/// Programs connected like <c>echo hello | wc -c</c>: each stage's standard output is a kernel pipe into the next
/// stage's standard input. This process keeps no copy of any pipe between stages, so end of stream reaches every
/// stage once the one before it exits; the classic hang of a forgotten write end cannot happen.
/// </summary>
public sealed class Pipeline : IDisposable
{
    private Pipeline(IReadOnlyList<ChildProcess> stages) => Stages = stages;

    /// <summary>The children, first stage first.</summary>
    public IReadOnlyList<ChildProcess> Stages { get; }

    /// <summary>Our end of the first stage's standard input, if it was set to <see cref="ChildDescriptor.Pipe"/>.</summary>
    public PipeEndStream? StandardInput => Stages[0].StandardInput;

    /// <summary>Our end of the last stage's standard output, if it was set to <see cref="ChildDescriptor.Pipe"/>.</summary>
    public PipeEndStream? StandardOutput => Stages[^1].StandardOutput;

    /// <summary>
    /// Starts every stage. The first stage's standard input and the last stage's standard output are as their options
    /// say; the ones between are the pipeline's own and must be left unset. Standard error and other descriptors are
    /// each stage's own.
    /// </summary>
    /// <exception cref="UnixIpcException">A stage could not start (e.g. ENOENT); the stages already started are killed and reaped.</exception>
    public static Pipeline Start(params IEnumerable<ChildProcessOptions> stages)
    {
        ArgumentNullException.ThrowIfNull(stages);
        ChildProcessOptions[] all = [.. stages];
        if (all.Length == 0)
        {
            throw new ArgumentException("A pipeline needs at least one stage.", nameof(stages));
        }

        for (int i = 0; i < all.Length; i++)
        {
            ArgumentNullException.ThrowIfNull(all[i], nameof(stages));
            if ((i > 0 && all[i].Descriptors.ContainsKey(0)) || (i < all.Length - 1 && all[i].Descriptors.ContainsKey(1)))
            {
                throw new ArgumentException($"Stage {i + 1} ({all[i]}) sets a standard stream the pipeline connects: only the first stage's input and the last stage's output are the caller's.", nameof(stages));
            }
        }

        var started = new List<ChildProcess>();
        PipeEndStream? nextInput = null;
        try
        {
            for (int i = 0; i < all.Length; i++)
            {
                ChildProcessOptions options = all[i].Clone();
                Pipe? link = i < all.Length - 1 ? Pipe.Create() : null;
                using (link?.Writer)
                using (nextInput)
                {
                    if (nextInput is not null)
                    {
                        options.StandardInput = nextInput;
                    }

                    if (link is not null)
                    {
                        options.StandardOutput = link.Writer;
                    }

                    try
                    {
                        started.Add(ChildProcess.Start(options));
                    }
                    catch
                    {
                        link?.Reader.Dispose();
                        throw;
                    }
                }

                // Our copies of the stage's ends are closed by the usings: only the next stage's read end stays, until it starts.
                nextInput = link?.Reader;
            }

            return new Pipeline(started);
        }
        catch
        {
            foreach (ChildProcess child in started)
            {
                child.Kill();
                child.Dispose();
            }

            throw;
        }
    }

    /// <summary>Awaits every stage's exit without holding a thread; the statuses in stage order.</summary>
    public async Task<IReadOnlyList<ChildExitStatus>> WaitForExitAsync(CancellationToken cancellationToken = default)
        => await Task.WhenAll(Stages.Select(s => s.WaitForExitAsync(cancellationToken))).ConfigureAwait(false);

    /// <summary>Blocks until every stage has exited; the statuses in stage order.</summary>
    public IReadOnlyList<ChildExitStatus> WaitForExit(CancellationToken cancellationToken = default)
        => WaitForExitAsync(cancellationToken).GetAwaiter().GetResult();

    /// <summary>Sends SIGKILL to every stage still running.</summary>
    public void Kill()
    {
        foreach (ChildProcess stage in Stages)
        {
            stage.Kill();
        }
    }

    /// <summary>Disposes every stage (our pipe ends; the children are still reaped when they exit).</summary>
    public void Dispose()
    {
        foreach (ChildProcess stage in Stages)
        {
            stage.Dispose();
        }
    }

    /// <inheritdoc/>
    public override string ToString() => string.Join(" | ", Stages.Select(s => s.Description));
}

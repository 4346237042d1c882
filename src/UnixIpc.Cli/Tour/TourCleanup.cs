namespace UnixIpc.Cli;

/// <summary>
/// What a scenario made and must remove, removed once: when the scenario ends (dispose), or when the process exits
/// first. An interrupted tour is ended by the CLI 3 s after the signal (Program.cs); under load that can come before a
/// scenario reaches its clean-up, and the process-exit hook (which runs on Environment.Exit) removes the names anyway.
/// </summary>
internal sealed class TourCleanup : IDisposable
{
    private readonly Action _remove;
    private int _done;

    public TourCleanup(Action remove)
    {
        _remove = remove;
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    public void Dispose()
    {
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        Remove();
    }

    private void OnProcessExit(object? sender, EventArgs e) => Remove();

    private void Remove()
    {
        if (Interlocked.Exchange(ref _done, 1) == 0)
        {
            _remove();
        }
    }
}

namespace UnixIpc.Tests;

/// <summary>
/// Waits for a Unix socket to listen, not only to exist: bind makes the socket file before listen is called, and a
/// client that connects in between gets ECONNREFUSED (seen once in CI: `uds send-fd` against a `uds listen` server).
/// </summary>
internal static class UnixListeners
{
    // __SO_ACCEPTCON in the Flags column of /proc/net/unix: the socket listens.
    private const int AcceptingConnections = 0x10000;

    /// <summary>Until a socket bound at <paramref name="path"/> listens, or <paramref name="bound"/> passes (the caller's next step then fails with its own message).</summary>
    public static async Task WaitUntilListeningAsync(string path, TimeSpan bound)
    {
        var deadline = DateTime.UtcNow + bound;
        while (!IsListening(path) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(5);
        }
    }

    // A server started in another directory may have bound a relative name: the table shows it as bound.
    private static bool IsListening(string path)
        => UnixSocketTable.Read().Any(row => (row.Flags & AcceptingConnections) != 0
            && (row.Name == path || (!row.Name.StartsWith('/') && row.Name.Length > 0 && path.EndsWith("/" + row.Name, StringComparison.Ordinal))));
}

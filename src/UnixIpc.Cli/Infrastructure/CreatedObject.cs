namespace UnixIpc.Cli;

/// <summary>
/// The "create" and "get" verbs print the name or id of what they made. When that line cannot be written (stdout closed or full),
/// the caller cannot learn the object exists: what this run created is removed again, so nothing is left half-done.
/// Whether this run created it is known by trying CreateNew first.
/// </summary>
internal static class CreatedObject
{
    /// <summary>CreateNew; if the name exists and <paramref name="exclusive"/> is false, <paramref name="open"/> instead.</summary>
    public static (T Value, bool Created) CreateOrOpen<T>(bool exclusive, Func<T> createNew, Func<T> open)
    {
        try
        {
            return (createNew(), true);
        }
        catch (UnixIpcException e) when (e.Error == Errno.EEXIST && !exclusive)
        {
            return (open(), false);
        }
    }

    /// <summary>Prints <paramref name="name"/>; if that fails and this run created the object, removes it, then fails.</summary>
    public static void Announce(CliConsole console, string name, bool created, Action remove)
    {
        try
        {
            console.Out.WriteLine(CliFormat.Printable(name));
        }
        catch (StandardOutputException)
        {
            if (created)
            {
                remove();
            }

            throw;
        }
    }
}

namespace UnixIpc;

/// <summary>
/// Validates and normalises names of POSIX IPC objects the way glibc does (posix/shm-directory.c), but
/// before any call, so a bad name is an <see cref="ArgumentException"/> stating the rule rather than an errno.
/// </summary>
internal static class PosixName
{
    /// <summary>NAME_MAX: the longest file name /dev/shm accepts.</summary>
    internal const int NameMax = 255;

    /// <summary>
    /// Returns <paramref name="name"/> with exactly one leading slash. Rules: after the leading slashes,
    /// 1 to <paramref name="maxLength"/> characters (UTF-8 bytes), no '/', no NUL, not "." or "..".
    /// </summary>
    internal static string Normalize(string name, int maxLength = NameMax, string paramName = "name")
    {
        ArgumentNullException.ThrowIfNull(name, paramName);
        string bare = name.TrimStart('/');
        if (bare.Length == 0)
        {
            throw new ArgumentException($"The name \"{name}\" is empty: a POSIX IPC name is a slash followed by 1 to {maxLength} characters, e.g. \"/orders\".", paramName);
        }

        if (bare.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException($"The name \"{name}\" contains a slash after the leading one: a POSIX IPC name is a single component, e.g. \"/orders\".", paramName);
        }

        if (bare.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("The name contains a NUL character.", paramName);
        }

        if (bare is "." or "..")
        {
            throw new ArgumentException($"The name \"{name}\" is not allowed: \".\" and \"..\" are directory entries.", paramName);
        }

        int bytes = System.Text.Encoding.UTF8.GetByteCount(bare);
        if (bytes > maxLength)
        {
            throw new ArgumentException($"The name is {bytes} bytes long after the slash; the limit is {maxLength} (NAME_MAX).", paramName);
        }

        return "/" + bare;
    }
}

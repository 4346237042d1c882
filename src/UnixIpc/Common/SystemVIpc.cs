namespace UnixIpc;

/// <summary>What System V shared memory, message queues and semaphore sets have in common: keys, modes, get flags.</summary>
internal static class SystemVIpc
{
    public static string KeyText(IpcKey key) => key.IsPrivate ? "IPC_PRIVATE" : key.ToString();

    public static string DescribeGetFlags(int flags)
    {
        string text = "0" + Convert.ToString(flags & 0x1FF, 8);
        if ((flags & Interop.IPC_CREAT) != 0)
        {
            text = "IPC_CREAT|" + text;
        }

        if ((flags & Interop.IPC_EXCL) != 0)
        {
            text = "IPC_EXCL|" + text;
        }

        return text;
    }

    public static void ValidateMode(UnixFileMode mode, string paramName = "mode")
    {
        if (((int)mode & ~0x1FF) != 0)
        {
            throw new ArgumentOutOfRangeException(paramName, mode, "Only the read/write bits (0666; execute is ignored) apply to System V objects.");
        }
    }

    public static void ValidateOpenKey(IpcKey key, string paramName = "key")
    {
        if (key.IsPrivate)
        {
            throw new ArgumentException("IPC_PRIVATE always creates a new object, so there is nothing to open: use FromId with the object's id.", paramName);
        }
    }

    public static DateTimeOffset? Time(long seconds) => seconds == 0 ? null : DateTimeOffset.FromUnixTimeSeconds(seconds);

    public static string IdText(int id) => id.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

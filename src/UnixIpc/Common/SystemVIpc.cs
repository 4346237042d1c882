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

    /// <summary>CreateOrOpen with IPC_PRIVATE would create a new object on every call and never open one: refused.</summary>
    public static void ValidateSharedKey(IpcKey key, string paramName = "key")
    {
        if (key.IsPrivate)
        {
            throw new ArgumentException("IPC_PRIVATE (key 0) never finds an existing object, so CreateOrOpen would make a new one on every call: use CreateNew(IpcKey.Private) and pass the id on.", paramName);
        }
    }

    /// <summary>
    /// Checks a SetPermissions request before anything is read: the mode has only permission bits, ids are
    /// not negative.
    /// </summary>
    public static void ValidatePermissions(UnixFileMode? mode, int? ownerUserId, int? ownerGroupId)
    {
        if (mode is UnixFileMode m)
        {
            ValidateMode(m, nameof(mode));
        }

        if (ownerUserId is int uid)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(uid, nameof(ownerUserId));
        }

        if (ownerGroupId is int gid)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(gid, nameof(ownerGroupId));
        }
    }

    /// <summary>
    /// The one SetPermissions update for all three kinds: merges the requested values into the ipc_perm just
    /// read with IPC_STAT (<see langword="null"/> keeps the current value), ready to be written back with
    /// IPC_SET. Returns the change as shown in an error message.
    /// </summary>
    public static string MergePermissions(ref Interop.ipc_perm perm, UnixFileMode? mode, int? ownerUserId, int? ownerGroupId)
    {
        ValidatePermissions(mode, ownerUserId, ownerGroupId);
        var shown = new List<string>(3);
        if (mode is UnixFileMode m)
        {
            perm.mode = (perm.mode & ~0x1FFu) | (uint)m;
            shown.Add("mode=0" + Convert.ToString((int)m, 8));
        }

        if (ownerUserId is int uid)
        {
            perm.uid = (uint)uid;
            shown.Add("uid=" + IdText(uid));
        }

        if (ownerGroupId is int gid)
        {
            perm.gid = (uint)gid;
            shown.Add("gid=" + IdText(gid));
        }

        return "{" + string.Join(", ", shown) + "}";
    }

    /// <summary>
    /// What an IPC_RMID that finds nothing answers: EINVAL when the id is gone (or was never valid), EIDRM
    /// when the object is being removed. TryRemove turns these into <see langword="false"/>.
    /// </summary>
    public static bool IsGone(Errno error) => error is Errno.EINVAL or Errno.EIDRM;

    public static DateTimeOffset? Time(long seconds) => seconds == 0 ? null : DateTimeOffset.FromUnixTimeSeconds(seconds);

    public static string IdText(int id) => id.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

using System.Globalization;

namespace UnixIpc;

// Named Unix sockets, from the kernel's table (/proc/net/unix), which every process may read. Only sockets that
// listen or are bound for datagrams are objects in their own right; the connections a listener accepted carry its
// name too and are counted on its row. The owning process comes from /proc/PID/fd, where /proc lets us look.
public static partial class IpcObjects
{
    private const int SocketListening = 0x10000; // __SO_ACCEPTCON in the Flags column
    private const int SocketConnected = 3; // SS_CONNECTED in the St column

    private static List<IpcObjectInfo> UnixSockets()
    {
        List<UnixSocketTable.Row> rows = ReadSocketTable();
        Dictionary<ulong, (int Pid, string Command, int Uid)> owners = SocketOwners(rows.Where(IsObject).Select(r => r.Inode).ToHashSet());
        var objects = new List<IpcObjectInfo>();
        // Counted once per name, not per listener: thousands of sockets must not cost millions of comparisons.
        Dictionary<string, int> accepted = rows.Where(r => r.Name.Length > 0 && r.State == SocketConnected && (r.Flags & SocketListening) == 0)
            .CountBy(r => r.Name, StringComparer.Ordinal).ToDictionary(StringComparer.Ordinal);
        foreach (UnixSocketTable.Row row in rows.Where(IsObject).OrderBy(r => r.Name, StringComparer.Ordinal))
        {
            int connections = accepted.GetValueOrDefault(row.Name);
            (int pid, string command, int processUid) = owners.TryGetValue(row.Inode, out var owner) ? owner : (-1, "", -1);
            int uid = processUid;
            UnixFileMode mode = 0;
            string note = "";
            if (row.Name[0] != '@')
            {
                // A relative name is relative to the binding process's directory, not ours: looked up through its
                // /proc/PID/cwd when we know the process (its current directory: best effort).
                string file = row.Name[0] == '/' || pid <= 0 ? row.Name : $"/proc/{pid}/cwd/{row.Name}";
                try
                {
                    mode = File.GetUnixFileMode(file) & (UnixFileMode)0x1FF;
                    uid = Owner(file);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    note = ", file gone";
                }
            }

            string type = row.Type switch { 1 => "stream", 2 => "dgram", 5 => "seqpacket", _ => $"type {row.Type}" };
            string state = (row.Flags & SocketListening) != 0 ? $"listening, {connections} connection(s)" : "bound";
            string who = pid > 0 ? $", pid {pid} ({command})" : "";
            objects.Add(new IpcObjectInfo(IpcObjectKind.UnixSocket, row.Name, -1, uid, mode, -1,
                string.Create(CultureInfo.InvariantCulture, $"{type} {state}, inode {row.Inode}{who}{note}")));
        }

        return objects;
    }

    private static bool IsObject(UnixSocketTable.Row row) => row.Name.Length > 0 && ((row.Flags & SocketListening) != 0 || (row.Type == 2 && row.State != SocketConnected));

    // No /proc/net/unix (another network namespace setup, or hidden): no sockets listed.
    private static List<UnixSocketTable.Row> ReadSocketTable()
    {
        try
        {
            return UnixSocketTable.Read();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    // Which process holds each wanted socket inode: the first pid whose fd table has "socket:[inode]".
    private static Dictionary<ulong, (int Pid, string Command, int Uid)> SocketOwners(HashSet<ulong> wanted)
    {
        var owners = new Dictionary<ulong, (int, string, int)>();
        if (wanted.Count == 0)
        {
            return owners;
        }

        foreach (string process in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(process), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            {
                continue;
            }

            try
            {
                foreach (string fd in Directory.EnumerateFileSystemEntries(process + "/fd"))
                {
                    string? target = new FileInfo(fd).LinkTarget;
                    if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal)
                        && ulong.TryParse(target.AsSpan(8, target.Length - 9), NumberStyles.None, CultureInfo.InvariantCulture, out ulong inode)
                        && wanted.Contains(inode) && !owners.ContainsKey(inode))
                    {
                        owners[inode] = (pid, File.ReadAllText(process + "/comm").Trim(), Owner(process));
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // the process ended, or /proc hides it from us
            }
        }

        return owners;
    }
}

using System.Globalization;
using System.Text.RegularExpressions;

namespace UnixIpc;

/// <summary>
/// The kernel's table of Unix sockets, /proc/net/unix: "Num: RefCount Protocol Flags Type St Inode [Path]",
/// hexadecimal but for the inode. The path is printed raw after one space, so it may hold spaces and newlines: a
/// line that does not start a row continues the previous row's path (it was cut by a newline in the name).
/// </summary>
internal static partial class UnixSocketTable
{
    internal readonly record struct Row(int Flags, int Type, int State, ulong Inode, string Name);

    [GeneratedRegex("^[0-9a-fA-F]+: [0-9A-F]{8} [0-9A-F]{8} ([0-9A-F]{8}) ([0-9A-F]{4}) ([0-9A-F]{2}) +([0-9]+)(?: (.*))?$", RegexOptions.CultureInvariant)]
    private static partial Regex RowPattern();

    /// <exception cref="IOException">The table cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">The table is hidden.</exception>
    internal static List<Row> Read() => Parse(File.ReadAllText("/proc/net/unix"));

    internal static List<Row> Parse(string table)
    {
        var rows = new List<Row>();
        string[] lines = table.EndsWith('\n') ? table[..^1].Split('\n') : table.Split('\n');
        foreach (string line in lines.Skip(1))
        {
            Match m = RowPattern().Match(line);
            if (m.Success)
            {
                rows.Add(new Row(
                    int.Parse(m.Groups[1].ValueSpan, NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                    int.Parse(m.Groups[2].ValueSpan, NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                    int.Parse(m.Groups[3].ValueSpan, NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                    ulong.Parse(m.Groups[4].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture),
                    m.Groups[5].Value));
            }
            else if (rows.Count > 0 && rows[^1].Name.Length > 0)
            {
                rows[^1] = rows[^1] with { Name = rows[^1].Name + "\n" + line };
            }
        }

        return rows;
    }
}

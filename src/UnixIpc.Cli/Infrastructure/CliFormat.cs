using System.Globalization;

namespace UnixIpc.Cli;

/// <summary>How every stat verb prints values in text.</summary>
internal static class CliFormat
{
    public static string Time(DateTimeOffset? time)
        => time is DateTimeOffset t ? t.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) : "never";

    /// <summary>
    /// A name as text for a terminal: control characters (a newline that would split a row, an escape sequence
    /// that would drive the terminal) are shown as \xNN. JSON output escapes them itself.
    /// </summary>
    public static string Printable(string text)
    {
        if (!text.Any(char.IsControl))
        {
            return text;
        }

        var builder = new System.Text.StringBuilder(text.Length + 8);
        foreach (char c in text)
        {
            builder.Append(char.IsControl(c) ? string.Create(CultureInfo.InvariantCulture, $"\\x{(int)c:X2}") : c.ToString());
        }

        return builder.ToString();
    }

    /// <summary>A signal code as the CLI prints it: <c>user</c>, <c>queue</c>, <c>child-exited</c>.</summary>
    public static string Code(SignalCode code)
        => string.Concat(code.ToString().Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}

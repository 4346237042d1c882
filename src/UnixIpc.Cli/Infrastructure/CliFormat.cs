using System.Globalization;

namespace UnixIpc.Cli;

/// <summary>How every stat verb prints values in text.</summary>
internal static class CliFormat
{
    public static string Time(DateTimeOffset? time)
        => time is DateTimeOffset t ? t.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) : "never";
}

using System.Globalization;

namespace UnixIpc.Tests;

/// <summary>
/// Reads CapEff from /proc/self/status. Tests of permission checks are skipped when the capability
/// that bypasses them is held (root usually holds most), not when euid is 0.
/// </summary>
internal static class Capabilities
{
    public const int CAP_DAC_OVERRIDE = 1;
    public const int CAP_FOWNER = 3;
    public const int CAP_IPC_OWNER = 15;
    public const int CAP_SYS_ADMIN = 21;
    public const int CAP_SYS_NICE = 23;
    public const int CAP_SYS_RESOURCE = 24;

    private static readonly Lazy<ulong> s_effective = new(() =>
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("CapEff:", StringComparison.Ordinal))
            {
                return ulong.Parse(line["CapEff:".Length..].Trim(), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
            }
        }

        return 0;
    });

    public static bool Has(int capability) => (s_effective.Value & (1UL << capability)) != 0;
}

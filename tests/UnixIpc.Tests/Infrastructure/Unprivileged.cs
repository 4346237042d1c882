namespace UnixIpc.Tests;

/// <summary>
/// Runs one library call as an unprivileged user, to test permission checks (EACCES, EPERM) that
/// capabilities would bypass. Without privilege the call runs in a child as ourselves; with CAP_SETUID
/// and CAP_SETGID the child first drops to nobody (65534), losing every capability.
/// </summary>
internal static class Unprivileged
{
    public const int Nobody = 65534;
    private const int CAP_SETGID = 6;
    private const int CAP_SETUID = 7;

    /// <summary>Whether this process can drop to another user for such a test.</summary>
    public static bool CanDropPrivileges => Capabilities.Has(CAP_SETUID) && Capabilities.Has(CAP_SETGID);

    /// <summary>Runs <paramref name="operation"/> (a TestChild as-user operation) as nobody; returns "ok" or the errno name.</summary>
    public static async Task<string> RunAsNobodyAsync(string operation, string argument)
    {
        Skip.IfNot(CanDropPrivileges, "the test needs CAP_SETUID and CAP_SETGID to run a check as another user");
        await using TestChildProcess child = await TestChildProcess.StartAsync("as-user", Nobody.ToString(System.Globalization.CultureInfo.InvariantCulture), Nobody.ToString(System.Globalization.CultureInfo.InvariantCulture), operation, argument);
        string result = await child.ReadLineAsync();
        Assert.Equal(0, await child.WaitForExitAsync());
        Skip.If(result.StartsWith("SKIP ", StringComparison.Ordinal), result);
        return result;
    }
}

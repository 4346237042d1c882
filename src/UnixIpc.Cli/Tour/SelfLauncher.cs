using System.Diagnostics;

namespace UnixIpc.Cli;

/// <summary>
/// Starts this same CLI as a child process: the tour's producers and consumers are real, separate
/// processes. Works when run as the <c>unixipc</c> executable, through <c>dotnet unixipc.dll</c>, and when
/// the CLI is hosted in another process (tests), by falling back to the dotnet host and the dll path.
/// </summary>
internal static class SelfLauncher
{
    public static ProcessStartInfo StartInfo(params string[] arguments)
    {
        string dll = typeof(SelfLauncher).Assembly.Location;
        string? processPath = Environment.ProcessPath;
        ProcessStartInfo info;
        if (processPath is not null && Path.GetFileNameWithoutExtension(processPath) == "unixipc")
        {
            info = new ProcessStartInfo(processPath);
        }
        else
        {
            string host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH")
                ?? (processPath is not null && Path.GetFileNameWithoutExtension(processPath) == "dotnet" ? processPath : "dotnet");
            info = new ProcessStartInfo(host);
            info.ArgumentList.Add(dll);
        }

        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        // A step that has to be killed (SIGKILL after its grace period) cannot remove the runtime's diagnostics files
        // (dotnet-diagnostic-PID-…-socket, clr-debug-pipe-PID-…) from TMPDIR; internal steps need no debugger attached.
        info.Environment["DOTNET_EnableDiagnostics"] = "0";
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        return info;
    }
}

using System.Diagnostics;

namespace UnixIpc.Tests;

/// <summary>
/// A <c>UnixIpc.TestChild</c> process speaking the line protocol: waits for READY, sends commands,
/// reads one reply per command, every wait bounded; killed on dispose if still running.
/// </summary>
internal sealed class TestChildProcess : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly Process _process;
    private readonly Task<string> _stderr;

    private TestChildProcess(Process process)
    {
        _process = process;
        _stderr = process.StandardError.ReadToEndAsync();
    }

    public int Id => _process.Id;

    public static Task<TestChildProcess> StartAsync(string scenario, params string[] arguments)
        => StartAsync(new Dictionary<string, string>(), scenario, arguments);

    /// <summary>As <see cref="StartAsync(string, string[])"/>, with these environment variables set for the child.</summary>
    public static async Task<TestChildProcess> StartAsync(IReadOnlyDictionary<string, string> environment, string scenario, params string[] arguments)
    {
        var info = new ProcessStartInfo(ProcessRunner.DotnetHost)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach ((string variable, string value) in environment)
        {
            info.Environment[variable] = value;
        }

        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "UnixIpc.TestChild.dll"));
        info.ArgumentList.Add(scenario);
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var child = new TestChildProcess(Process.Start(info) ?? throw new InvalidOperationException("could not start the test child"));
        string ready = await child.ReadLineAsync();
        if (ready != "READY")
        {
            await child.DisposeAsync();
            throw new InvalidOperationException($"the child said '{ready}' instead of READY");
        }

        return child;
    }

    public async Task<string> ReadLineAsync()
    {
        string? line = await _process.StandardOutput.ReadLineAsync().WaitAsync(Timeout);
        if (line is null)
        {
            await _process.WaitForExitAsync().WaitAsync(Timeout);
            throw new InvalidOperationException($"the child ended (exit {_process.ExitCode}): {await _stderr}");
        }

        return line;
    }

    public async Task<string> SendAsync(string command)
    {
        await _process.StandardInput.WriteLineAsync(command);
        await _process.StandardInput.FlushAsync();
        return await ReadLineAsync();
    }

    /// <summary>Sends "exit" and expects exit code 0.</summary>
    public async Task StopAsync()
    {
        await _process.StandardInput.WriteLineAsync("exit");
        await _process.StandardInput.FlushAsync();
        await _process.WaitForExitAsync().WaitAsync(Timeout);
        if (_process.ExitCode != 0)
        {
            throw new InvalidOperationException($"the child exited with {_process.ExitCode}: {await _stderr}");
        }
    }

    public async Task<int> WaitForExitAsync()
    {
        await _process.WaitForExitAsync().WaitAsync(Timeout);
        return _process.ExitCode;
    }

    public void Kill() => _process.Kill(entireProcessTree: true);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(Timeout);
        }

        _process.Dispose();
    }
}

using System.Globalization;
using System.Text;

namespace UnixIpc.Tests;

/// <summary>The gRPC sample's server in a process of its own (samples/GrpcDemo): started, ready, stopped or killed.</summary>
internal sealed class DemoServerProcess : IAsyncDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private readonly ChildProcess _process;

    private DemoServerProcess(ChildProcess process) => _process = process;

    public int ProcessId => _process.ProcessId;

    public static string SampleDll => Path.Combine(AppContext.BaseDirectory, "GrpcDemo.dll");

    /// <summary>Starts <c>GrpcDemo server ARGS</c> and waits for its "ready" line.</summary>
    public static async Task<DemoServerProcess> StartAsync(params string[] arguments)
    {
        var options = new ChildProcessOptions(ProcessRunner.DotnetHost, ["exec", SampleDll, "server", .. arguments])
        {
            StandardInput = ChildDescriptor.Pipe, // the server runs until its stdin closes
            StandardOutput = ChildDescriptor.Pipe,
        };
        var server = new DemoServerProcess(ChildProcess.Start(options));
        try
        {
            using var reader = new StreamReader(server._process.StandardOutput!, Encoding.UTF8, leaveOpen: true);
            string? ready = await reader.ReadLineAsync().WaitAsync(Bound);
            Assert.Equal($"ready {server.ProcessId}", ready);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public void Kill() => _process.Kill();

    public async ValueTask DisposeAsync()
    {
        _process.StandardInput?.Dispose(); // a clean stop
        try
        {
            await _process.WaitForExitAsync().WaitAsync(Bound);
        }
        finally
        {
            _process.Kill(); // no-op when it has exited
            _process.Dispose();
        }
    }

    /// <summary>A TCP port free on loopback now (the kernel's choice, released for the server to take).</summary>
    public static int FreeTcpPort()
    {
        var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        int port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    public static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}

using System.Diagnostics;
using System.Text;

namespace UnixIpc.Tests;

/// <summary>The FIFO tests' paths, C peers and clean-up.</summary>
public sealed partial class FifoTests
{
    private string PathOf(string name = "fifo") => Path.Combine(_directory, name);

    private static bool ReadsBlocked(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/wchan").Contains("pipe_read", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    private string NewFifo()
    {
        string path = PathOf();
        Fifo.Create(path);
        return path;
    }

    private static async Task<string> ReadToEndAsync(PipeEndStream reader)
    {
        var received = new MemoryStream();
        await reader.CopyToAsync(received).WaitAsync(Bound);
        return Encoding.ASCII.GetString(received.ToArray());
    }

    private static unsafe int Write(int fd, ReadOnlySpan<byte> bytes)
    {
        fixed (byte* p = bytes)
        {
            return (int)TestNative.Write(fd, p, (nuint)bytes.Length);
        }
    }

    private static unsafe int Read(int fd, Span<byte> bytes)
    {
        fixed (byte* p = bytes)
        {
            return (int)TestNative.Read(fd, p, (nuint)bytes.Length);
        }
    }

    // An async open a failed test left waiting is cancelled; whatever it opened is closed.
    private async Task DisposeWhenDoneAsync(Task<PipeEndStream> opening)
    {
        if (!opening.IsCompleted)
        {
            await _end.CancelAsync();
        }

        try
        {
            await opening.WaitAsync(Bound);
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException or IOException)
        {
            // the test has already reported what went wrong
        }

        if (opening.IsCompletedSuccessfully)
        {
            await opening.Result.DisposeAsync();
        }
    }

    // A blocking open on a probe thread that a failed test left waiting: give it the other end so the thread ends.
    private static async Task ReleaseAsync(Task<PipeEndStream> opening, string path, bool waitingForWriter)
    {
        if (!opening.IsCompleted)
        {
            try
            {
                using PipeEndStream other = waitingForWriter ? Fifo.OpenWriteNonBlocking(path) : Fifo.OpenReadNonBlocking(path);
                await opening.WaitAsync(Bound);
            }
            catch (Exception e) when (e is TimeoutException or IOException)
            {
                // the test has already reported what went wrong
            }
        }

        if (opening.IsCompletedSuccessfully)
        {
            await opening.Result.DisposeAsync();
        }
    }

    /// <summary>A C peer running alongside the test: its output is collected, and it is killed if the test ends first.</summary>
    private sealed class Peer : IDisposable
    {
        private readonly Process _process;
        private readonly Task<string> _stdout;
        private readonly Task<string> _stderr;

        private Peer(Process process)
        {
            _process = process;
            _stdout = process.StandardOutput.ReadToEndAsync();
            _stderr = process.StandardError.ReadToEndAsync();
        }

        public static Peer Start(string program, params string[] arguments)
        {
            var info = new ProcessStartInfo(program)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (string argument in arguments)
            {
                info.ArgumentList.Add(argument);
            }

            return new Peer(Process.Start(info) ?? throw new InvalidOperationException($"could not start {program}"));
        }

        public async Task<ProcessRunner.Result> WaitAsync()
        {
            await _process.WaitForExitAsync().WaitAsync(Bound);
            return new ProcessRunner.Result(_process.ExitCode, await _stdout.WaitAsync(Bound), await _stderr.WaitAsync(Bound));
        }

        /// <summary>Kills the peer and waits until it is gone (its descriptors are closed by then).</summary>
        public async Task KillAsync()
        {
            _process.Kill();
            await _process.WaitForExitAsync().WaitAsync(Bound);
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(Bound);
            }

            _process.Dispose();
        }
    }
}

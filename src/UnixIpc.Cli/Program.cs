using System.Runtime.InteropServices;
using UnixIpc.Cli;

// Ctrl-C (SIGINT) or SIGTERM: the first cancels the verb, which cleans up what it made (a pipeline's stages are
// killed, the tour removes its objects) and exits 130; a verb still running 3 s later is ended with 130; a second
// signal ends the process at once, as usual.
using var interrupted = new CancellationTokenSource();
PosixSignalRegistration Interrupt(PosixSignal signal) => PosixSignalRegistration.Create(signal, context =>
{
    if (!interrupted.IsCancellationRequested)
    {
        context.Cancel = true;
        interrupted.Cancel();

        // A verb that does not watch the token (a blocking step) must not make the signal a no-op: end after a grace.
        _ = Task.Delay(TimeSpan.FromSeconds(3)).ContinueWith(_ => Environment.Exit(130), TaskScheduler.Default);
    }
});

using PosixSignalRegistration onInterrupt = Interrupt(PosixSignal.SIGINT);
using PosixSignalRegistration onTerminate = Interrupt(PosixSignal.SIGTERM);
return await CliApp.RunAsync(args, CliConsole.FromProcess(), interrupted.Token).ConfigureAwait(false);
